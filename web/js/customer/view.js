// The widget's DOM: a launcher button and a panel (start form, then the chat), inside a shadow
// root so the shop's CSS and ours never meet. It renders what ChatSession reports and turns
// the customer's input into session calls; it holds no chat state of its own beyond the DOM.
import { el } from '../gws.js';
import { describe, QUEUE_RE, transcriptText } from './transcript.js';

const TYPING_SHOW_MS = 30_000; // an agent's typing that never stops is dropped after this

const fmtTime = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export class WidgetView {
  /** @param {{base:string, title:string, onStart:Function, shadow:ShadowRoot}} o */
  constructor({ base, title, shadow, onStart }) {
    this.onStart = onStart;
    this.session = null;
    this.agents = new Map();   // participantId → nickname, agents present
    this.typing = new Map();   // participantId → {name, timer}
    this.eventsHeld = [];      // for the transcript download

    shadow.append(el('link', { rel: 'stylesheet', href: `${base}web/css/widget.css` }));
    this.launcher = el('button', {
      class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'pw-panel',
      onclick: () => this.toggle(),
    }, title);
    this.title = el('h2', { id: 'pw-title' }, title);
    this.status = el('p', { class: 'status', role: 'status' });
    this.closeButton = el('button', {
      class: 'icon', type: 'button', 'aria-label': 'Close chat window', onclick: () => this.close(),
    }, '×');
    this.body = el('div', { class: 'body' });
    this.panel = el('section', {
      id: 'pw-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'pw-title', hidden: true,
      onkeydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.close(); } },
    }, el('header', {}, el('div', {}, this.title, this.status), this.closeButton), this.body);
    shadow.append(this.launcher, this.panel);
  }

  // ------------------------------------------------------------------ panel
  toggle() { if (this.panel.hidden) this.open(); else this.close(); }

  open() {
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.hidden = true; // the panel covers its corner; phones get the whole screen
    (this.body.querySelector('[data-autofocus]') || this.closeButton).focus();
  }

  close() {
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.focus();
  }

  setStatus(text) { this.status.textContent = text; }

  // ------------------------------------------------------------------ start form
  showStartForm(error = '') {
    const field = (id, label, attrs) => [el('label', { for: id }, label), el('input', { id, ...attrs })];
    const errorBox = el('p', { class: 'error', role: 'alert' }, error);
    const button = el('button', { type: 'submit' }, 'Start chat');
    const form = el('form', { class: 'start', novalidate: true },
      el('p', {}, 'Tell us your name and we will connect you with the next available person.'),
      ...field('pw-nickname', 'Your name (required)', { name: 'nickname', required: true, maxlength: '64', autocomplete: 'nickname', 'data-autofocus': true }),
      ...field('pw-subject', 'Subject (optional)', { name: 'subject', maxlength: '200' }),
      ...field('pw-email', 'Email (optional)', { name: 'emailAddress', type: 'email', maxlength: '200', autocomplete: 'email' }),
      errorBox, button);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      data.nickname = data.nickname.trim();
      if (!data.nickname) {
        errorBox.textContent = 'Please enter your name.';
        form.elements.nickname.setAttribute('aria-invalid', 'true');
        form.elements.nickname.focus();
        return;
      }
      button.disabled = true;
      errorBox.textContent = '';
      try {
        await this.onStart(data);
      } catch (err) {
        errorBox.textContent = `The chat could not start: ${err.message}`;
        button.disabled = false;
      }
    });
    this.setStatus('');
    this.body.replaceChildren(form);
    if (!this.panel.hidden) form.elements.nickname.focus();
  }

  // ------------------------------------------------------------------ chat
  showChat(session) {
    this.session = session;
    this.agents.clear();
    this.eventsHeld = [];
    this.list = el('ol', { class: 'transcript', role: 'log', 'aria-label': 'Messages', 'aria-live': 'polite' });
    this.pendingList = el('ol', { class: 'transcript pending', 'aria-label': 'Messages being sent' });
    this.typingLine = el('p', { class: 'typing', 'aria-live': 'polite' });
    this.alertBox = el('p', { class: 'alert', role: 'alert', hidden: true });
    this.fileError = el('p', { class: 'error', role: 'alert' });
    this.input = el('textarea', {
      id: 'pw-message', rows: '2', 'data-autofocus': true, maxlength: '4000', enterkeyhint: 'send',
    });
    this.fileInput = el('input', { id: 'pw-file', type: 'file', class: 'visually-hidden' });
    this.sendButton = el('button', { type: 'submit' }, 'Send');
    this.composer = el('form', { class: 'composer' },
      el('label', { for: 'pw-message', class: 'visually-hidden' }, 'Message'),
      this.input,
      el('div', { class: 'composer-actions' },
        el('label', { for: 'pw-file', class: 'attach button secondary' }, 'Attach file'), this.fileInput,
        this.sendButton));
    this.endButton = el('button', { type: 'button', class: 'danger', onclick: () => this.#endChat() }, 'End chat');
    this.downloadButton = el('button', { type: 'button', class: 'secondary', onclick: () => this.download() }, 'Download transcript');
    this.tools = el('div', { class: 'tools' }, this.downloadButton, this.endButton);
    this.scroller = el('div', { class: 'scroller' }, this.list, this.pendingList);
    this.body.replaceChildren(this.scroller, this.alertBox, this.typingLine, this.fileError, this.composer, this.tools);

    this.composer.addEventListener('submit', (e) => { e.preventDefault(); this.#send(); });
    this.input.addEventListener('keydown', (e) => {
      // Enter sends; Shift+Enter makes a new line; an IME composition is left alone.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.#send(); }
    });
    this.input.addEventListener('input', () => session.typing(this.input.value.trim() !== ''));
    this.fileInput.addEventListener('change', () => this.#upload());

    session.addEventListener('event', (e) => this.#event(e.detail));
    session.addEventListener('pending', (e) => this.#pending(e.detail));
    session.addEventListener('status', (e) => this.#connection(e.detail));
    session.addEventListener('ended', () => this.#ended());
    session.addEventListener('error', (e) => { this.fileError.textContent = e.detail.message; });
    this.setStatus('Connecting…');
    if (!this.panel.hidden) this.input.focus();
  }

  #send() {
    const text = this.input.value.trim();
    if (!text || this.session.ended) return;
    this.session.send(text);
    this.input.value = '';
    this.input.focus();
  }

  async #upload() {
    const file = this.fileInput.files[0];
    this.fileInput.value = '';
    if (!file) return;
    this.fileError.textContent = `Sending ${file.name}…`;
    try {
      await this.session.upload(file);
      this.fileError.textContent = '';
    } catch (e) {
      this.fileError.textContent = e.message;
    }
  }

  async #endChat() {
    this.endButton.disabled = true;
    await this.session.end();
  }

  #scroll() { this.scroller.scrollTop = this.scroller.scrollHeight; }

  #connection({ connection, mode }) {
    this.connection = connection;
    this.mode = mode;
    this.panel.dataset.transport = mode || '';
    this.panel.dataset.connection = connection;
    this.#refreshStatus();
  }

  #refreshStatus() {
    if (this.session.ended) return this.setStatus('The chat has ended');
    if (this.connection === 'reconnecting') return this.setStatus('Connection lost, reconnecting…');
    if (this.connection === 'connecting') return this.setStatus('Connecting…');
    const names = [...this.agents.values()];
    if (names.length) return this.setStatus(`Chatting with ${names.join(', ')}`);
    if (this.queuePosition) return this.setStatus(`You are number ${this.queuePosition} in the queue`);
    return this.setStatus('Waiting for an agent…');
  }

  #event(m) {
    this.eventsHeld.push(m);
    const agent = m.from?.type === 'Agent' || m.from?.type === 'External' && m.from.participantId > 0;
    if (m.type === 'Notice' && QUEUE_RE.test(m.text ?? '')) this.queuePosition = Number(QUEUE_RE.exec(m.text)[1]);
    if (agent && m.type === 'ParticipantJoined') this.agents.set(m.from.participantId, m.from.nickname);
    if (agent && m.type === 'ParticipantLeft') this.agents.delete(m.from.participantId);
    if (agent && m.type === 'NicknameUpdated' && this.agents.has(m.from.participantId)) this.agents.set(m.from.participantId, m.text);
    if (agent && m.type === 'TypingStarted') this.#setTyping(m.from, true);
    if (agent && ['TypingStopped', 'Message', 'ParticipantLeft'].includes(m.type)) this.#setTyping(m.from, false);
    if (m.type === 'IdleAlert') { this.alertBox.textContent = m.text || 'You have been idle.'; this.alertBox.hidden = false; }
    if (m.type === 'Message' && m.from?.type === 'Client') this.alertBox.hidden = true;
    this.#refreshStatus();

    const d = describe(m);
    if (!d) return;
    this.list.append(this.#item(m, d));
    this.#scroll();
  }

  #item(m, d) {
    const mine = m.from?.type === 'Client';
    const time = el('time', { class: 'time', datetime: new Date(m.utcTime).toISOString() }, fmtTime(m.utcTime));
    const li = el('li', { class: `${d.kind}${mine ? ' mine' : ''}`, dataset: { index: m.index, type: m.type } });
    if (d.kind === 'notice') {
      li.append(el('span', { class: 'notice' }, d.text), time);
      return li;
    }
    li.append(el('span', { class: 'who' }, mine ? `${m.from.nickname} (you)` : m.from.nickname), time, el('br'));
    if (d.kind === 'message') li.append(el('span', { class: 'text' }, d.text));
    if (d.kind === 'link') {
      const safe = /^https?:\/\//i.test(d.text);
      li.append('shared a link: ', safe ? el('a', { href: d.text, target: '_blank', rel: 'noopener noreferrer' }, d.text) : d.text);
    }
    if (d.kind === 'file') {
      const fileId = m.userData?.['file-id'];
      li.append(`sent a file: ${d.text} `);
      if (fileId) li.append(el('button', { type: 'button', class: 'link', onclick: () => this.#downloadFile(fileId, m.userData['file-name']) }, 'Download'));
    }
    if (mine) {
      li.dataset.state = 'sent';
      li.append(el('span', { class: 'state' }, 'Sent'));
    }
    return li;
  }

  #pending(list) {
    this.pendingList.replaceChildren(...list.map((p) => {
      const li = el('li', { class: 'message mine', dataset: { state: p.state } },
        el('span', { class: 'who' }, `${this.session.nickname} (you)`), el('br'),
        el('span', { class: 'text' }, p.text),
        el('span', { class: 'state' }, { failed: 'Not sent', sent: 'Sent' }[p.state] || 'Sending…'));
      if (p.state === 'failed' && !this.session.ended) {
        li.append(el('button', { type: 'button', class: 'link', onclick: () => this.session.retry(p.id) }, 'Retry'));
      }
      return li;
    }));
    this.#scroll();
  }

  #setTyping(from, on) {
    const old = this.typing.get(from.participantId);
    if (old) clearTimeout(old.timer);
    if (on) {
      const timer = setTimeout(() => this.#setTyping(from, false), TYPING_SHOW_MS);
      this.typing.set(from.participantId, { name: from.nickname, timer });
    } else {
      this.typing.delete(from.participantId);
    }
    const names = [...this.typing.values()].map((t) => t.name);
    this.typingLine.textContent = names.length ? `${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
  }

  #ended() {
    for (const t of this.typing.values()) clearTimeout(t.timer);
    this.typing.clear();
    this.typingLine.textContent = '';
    this.composer.hidden = true;
    this.endButton.hidden = true;
    this.#refreshStatus();
    const again = el('button', { type: 'button', onclick: () => this.showStartForm() }, 'Start a new chat');
    this.tools.append(again);
    this.list.append(el('li', { class: 'notice ended' }, el('span', { class: 'notice' }, 'The chat has ended.')));
    this.#scroll();
    if (!this.panel.hidden) again.focus();
  }

  // ------------------------------------------------------------------ downloads
  download() {
    const text = transcriptText(this.eventsHeld, { title: this.title.textContent, chatId: this.session.cred?.chatId });
    saveBlob(new Blob([text], { type: 'text/plain;charset=utf-8' }), `chat-transcript-${this.session.cred?.chatId || 'parley'}.txt`);
  }

  async #downloadFile(fileId, name) {
    try {
      saveBlob(await this.session.download(fileId), name || 'file');
    } catch (e) {
      this.fileError.textContent = `The file could not be downloaded: ${e.message}`;
    }
  }
}

/** Save a Blob as a file through a temporary object URL. */
function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.append(a); // outside the shadow root: some browsers ignore clicks on detached links
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
