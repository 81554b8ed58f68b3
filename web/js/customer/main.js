// Entry point loaded by /web/widget.js: builds the widget in a shadow root on the host page
// and resumes a chat kept in sessionStorage (a reload in the middle of a chat).
import { WidgetView } from './view.js';
import { ChatSession } from './session.js';
import { loadChat } from './store.js';

/** @param {{base:string, service:string, title:string}} options */
export function mount({ base, service, title }) {
  const host = document.createElement('div');
  host.id = 'parley-chat-widget';
  document.body.append(host);
  const shadow = host.attachShadow({ mode: 'open' });

  // ?parleyTransport=poll forces REST polling (diagnostics on networks that break websockets).
  const forcePolling = new URLSearchParams(location.search).get('parleyTransport') === 'poll';
  const newSession = () => new ChatSession({ base, service, forcePolling });
  let session = null;

  const view = new WidgetView({
    base, title, shadow,
    onStart: async (form) => {
      session = newSession();
      view.showChat(session);
      try {
        await session.request(form);
      } catch (e) {
        view.showStartForm(`The chat could not start: ${e.message}`);
      }
    },
  });

  // Coming back online: re-read at once instead of waiting for the transport's backoff.
  window.addEventListener('online', () => session?.nudge());

  const saved = loadChat(service);
  if (saved) {
    session = newSession();
    view.showChat(session);
    view.open(); // the customer was chatting before the reload: keep the chat in front
    session.resume(saved).catch((e) => view.showStartForm(`The chat could not be resumed: ${e.message}`));
  } else {
    view.showStartForm();
  }
  host.dataset.ready = 'true'; // tests and host pages can wait for this
}
