// Push delivery over CometD (/genesys/cometd, channel /service/chatV2/{service}) with the
// official client. The chat itself is requested over REST (so the credentials are known and
// stored before anything else can fail); this transport only binds the Bayeux session to the
// chat with `requestNotifications` and publishes the customer's operations.
//
// Reconnecting: the client re-handshakes by itself (402 after a restart or an expired session);
// after every handshake we subscribe again and ask for everything after the last index we
// hold, and after a broken /meta/connect recovers we ask again. Duplicates are harmless: the
// session de-duplicates by index. The AckExtension covers drops within a live session.

const CONNECT_TIMEOUT_MS = 5000;  // first handshake + subscribe, before falling back to polling
const GIVE_UP_AFTER_MS = 30_000;  // broken this long: let the session switch to polling

export class PushTransport {
  kind = 'push';

  /**
   * @param {object} o
   * @param {string} o.base server base URL ending in "/"
   * @param {string} o.service chat service name
   * @param {object} o.cred {chatId, userId, secureKey, alias}
   * @param {() => number} o.nextPosition the transcript position to resume from
   * @param {(envelope: object) => void} o.onEnvelope every pushed envelope
   * @param {(state: 'online'|'reconnecting'|'failed') => void} o.onState
   */
  constructor(o) {
    Object.assign(this, o);
    this.channel = `/service/chatV2/${o.service}`;
    this.broken = false;
    this.stopped = false;
  }

  /** Resolves once handshaken, subscribed and bound; rejects when CometD is unreachable. */
  async start() {
    const { CometD, AckExtension } = await import(`${this.base}web/vendor/cometd/cometd.js`);
    const c = new CometD();
    this.client = c;
    c.registerExtension('ack', new AckExtension());
    // maxBackoff: come back within seconds after the network returns, not a minute later.
    // useWorkerScheduler:false: the client's timer Worker is built from a blob: URL, which a
    // CSP of script-src 'self' (ours, and many shops') blocks silently: no /meta/connect would
    // ever be scheduled.
    c.configure({ url: `${this.base}genesys/cometd`, logLevel: 'warn', maxBackoff: 3000, useWorkerScheduler: false });

    let ready, failed;
    const first = new Promise((resolve, reject) => { ready = resolve; failed = reject; });
    let handshakeFailures = 0;
    c.addListener('/meta/handshake', (m) => {
      if (!m.successful) {
        // Every transport has been tried when the handshake fails twice: give up early.
        if (++handshakeFailures >= 2) failed(new Error('CometD handshake failed'));
        return;
      }
      c.subscribe(this.channel, (msg) => this.onEnvelope(msg.data), (reply) => {
        if (!reply.successful) return failed(new Error('CometD subscribe failed'));
        this.resync();
        ready();
      });
    });
    c.addListener('/meta/connect', (m) => this.#connectResult(m));
    c.handshake();
    const timer = setTimeout(() => failed(new Error('CometD did not connect in time')), CONNECT_TIMEOUT_MS);
    try {
      await first;
    } catch (e) {
      this.stop();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  #connectResult(m) {
    if (this.stopped || this.client.isDisconnected()) return;
    if (m.successful) {
      if (this.broken) {
        this.broken = false;
        this.onState('online');
        this.resync(); // whatever happened while we were away
      }
      return;
    }
    if (!this.broken) {
      this.broken = true;
      this.brokenSince = Date.now();
      this.onState('reconnecting');
    } else if (Date.now() - this.brokenSince > GIVE_UP_AFTER_MS) {
      this.onState('failed');
    }
  }

  #publish(operation, params = {}) {
    const { chatId, userId, secureKey, alias } = this.cred;
    return new Promise((resolve, reject) => {
      this.client.publish(this.channel, { operation, chatId, userId, secureKey, alias, ...params }, (reply) => {
        if (reply.successful) resolve(reply);
        else reject(new Error(reply.error || 'not delivered'));
      });
    });
  }

  /** Ask for every event after what we hold (also binds a new Bayeux session to the chat). */
  resync() {
    if (this.stopped) return;
    this.#publish('requestNotifications', { transcriptPosition: this.nextPosition() }).catch(() => {});
  }

  typing(started) { return this.#publish(started ? 'startTyping' : 'stopTyping'); }
  disconnect() { return this.#publish('disconnect'); }

  stop() {
    this.stopped = true;
    try { this.client?.disconnect(); } catch { /* already gone */ }
  }
}
