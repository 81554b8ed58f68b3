// Delivery by REST polling (customer.md REST API), used when CometD cannot be reached.
// Each poll names its transcriptPosition explicitly (the last index we hold + 1), so a lost
// answer never loses events; every operation's answer carries new events too.

const POLL_MS = 1000;
const MAX_BACKOFF_MS = 5000;

export class PollTransport {
  kind = 'poll';

  /**
   * @param {object} o
   * @param {import('./api.js').CustomerApi} o.api
   * @param {() => number} o.nextPosition
   * @param {(envelope: object) => void} o.onEnvelope
   * @param {(state: 'online'|'reconnecting'|'failed') => void} o.onState
   */
  constructor(o) {
    Object.assign(this, o);
    this.stopped = false;
    this.broken = false;
    this.wake = null;
  }

  async start() {
    await this.#pollOnce(); // the first answer (or its error) before we report started
    this.#loop();
  }

  async #loop() {
    let delay = POLL_MS;
    while (!this.stopped) {
      await new Promise((resolve) => { this.wake = resolve; setTimeout(resolve, delay); });
      if (this.stopped) return;
      delay = (await this.#pollOnce()) ? POLL_MS : Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  }

  async #pollOnce() {
    try {
      const b = await this.api.refresh(this.nextPosition(), { timeoutMs: 10_000 });
      if (this.broken) {
        this.broken = false;
        this.onState('online');
      }
      this.onEnvelope(b);
      return true;
    } catch (e) {
      if (!e.retryable) {
        this.onEnvelope(e.body ?? { statusCode: 2, errors: [{ message: e.message }] });
        this.stopped = true;
        return false;
      }
      if (!this.broken) {
        this.broken = true;
        this.onState('reconnecting');
      }
      return false;
    }
  }

  /** Poll now (the network came back, or the user did something). */
  resync() { this.wake?.(); }

  async typing(started) { this.onEnvelope(await (started ? this.api.startTyping() : this.api.stopTyping())); }
  async disconnect() { this.onEnvelope(await this.api.disconnect()); }

  stop() {
    this.stopped = true;
    this.wake?.();
  }
}
