// The customer REST API (customer.md, GMS Chat API v2): one function per call, each returning
// the answer envelope. Errors are thrown as ChatApiError so callers can tell "the server said
// no" (a retry will not help) from "the network failed" (a retry may).

export class ChatApiError extends Error {
  constructor(status, body) {
    const first = body?.errors?.[0];
    super(first?.message || `HTTP ${status}`);
    this.status = status;
    this.code = first?.code;
    this.body = body;
    // 503/429 (statusCode 1) are worth retrying; code 104 means the chat is gone for us.
    this.retryable = status === 503 || status === 429 || status === 0;
  }
}

export class CustomerApi {
  /** @param {string} base server base URL ending in "/"; @param {string} service */
  constructor(base, service) {
    this.root = `${base}genesys/2/chat/${encodeURIComponent(service)}`;
    this.cred = null; // {chatId, userId, secureKey, alias}
  }

  async #post(path, body, { timeoutMs = 20_000 } = {}) {
    let res;
    try {
      res = await fetch(this.root + path, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const err = new ChatApiError(0, { errors: [{ message: `Network error: ${e.message}` }] });
      err.retryable = true;
      throw err;
    }
    let json = null;
    try { json = await res.json(); } catch { /* not JSON: handled below */ }
    if (!res.ok || !json || json.statusCode !== 0) throw new ChatApiError(res.status, json);
    return json;
  }

  #form(params) {
    const f = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') f.append(k, String(v));
    return f;
  }

  #chatForm(params = {}) {
    const { userId, secureKey, alias } = this.cred;
    return this.#form({ userId, secureKey, alias, ...params });
  }

  /** Request a chat: {nickname, subject?, emailAddress?}. Stores the credentials. */
  async requestChat(params) {
    const b = await this.#post('', this.#form(params));
    this.cred = { chatId: b.chatId, userId: b.userId, secureKey: b.secureKey, alias: b.alias };
    return b;
  }

  #chat(op, params, opts) { return this.#post(`/${this.cred.chatId}${op}`, this.#chatForm(params), opts); }

  send(message) { return this.#chat('/send', { message }); }
  startTyping() { return this.#chat('/startTyping'); }
  stopTyping() { return this.#chat('/stopTyping'); }
  /** Events from transcriptPosition on (explicit, so a lost answer never loses events). */
  refresh(transcriptPosition, opts) { return this.#chat('/refresh', { transcriptPosition }, opts); }
  disconnect() { return this.#chat('/disconnect'); }
  fileLimits() { return this.#chat('/file/limits'); }

  /** Multipart upload; the answer's userData["file-id"] names the stored file. */
  upload(file) {
    const fd = new FormData();
    for (const [k, v] of this.#chatForm()) fd.append(k, v);
    fd.append('file', file, file.name);
    return this.#post(`/${this.cred.chatId}/file`, fd, { timeoutMs: 60_000 });
  }

  /** The file's bytes as a Blob (POST, so the key never lands in a URL or a log). */
  async download(fileId) {
    const res = await fetch(`${this.root}/${this.cred.chatId}/file/${encodeURIComponent(fileId)}/download`,
      { method: 'POST', body: this.#chatForm() });
    if (!res.ok) throw new ChatApiError(res.status, await res.json().catch(() => null));
    return res.blob();
  }
}
