// The agent desktop (/agent): sign in, log in on the chat channel, then follow the agent's
// state and chats. Each part lives in its own module; this file only wires them together.
import { GwsClient } from '../gws.js';
import { ChatStore } from './store.js';
import { followChats, resync } from './sync.js';
import { setupAgentState } from './agent-state.js';
import { setupOffers } from './offers.js';
import { setupTabs } from './tabs.js';
import { AgentDirectory } from './directory.js';

const $ = (id) => document.getElementById(id);

function announcer() {
  const polite = $('announcer');
  const urgent = $('alerter');
  return (text, assertive = false) => {
    const region = assertive ? urgent : polite;
    // Clearing first makes screen readers repeat an identical announcement.
    region.textContent = '';
    setTimeout(() => { region.textContent = text; }, 50);
  };
}

function signInMessage(e) {
  if (e.status === 401) return 'Wrong user name or password.';
  if (e.status === 429) return 'Too many failed attempts. Wait a minute and try again.';
  if (e instanceof TypeError) return 'The server cannot be reached.';
  return `Sign-in failed: ${e.message}`;
}

async function startDesk(client) {
  const me = client.me;
  // StartContactCenterSession puts the agent on the chat channel (NotReady until they choose).
  await client.post('/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] });

  const announce = announcer();
  const store = new ChatStore();
  const directory = new AgentDirectory(client, me.id);
  const state = setupAgentState(client);
  const tabs = setupTabs({
    client, store, meId: me.id, directory, announce,
    tablist: $('chat-tabs'), panels: $('chat-panels'), empty: $('no-chats'),
  });
  setupOffers({ client, store, container: $('offers'), announce, onAccepted: tabs.expectAccepted });
  followChats(client, store);

  const connection = $('connection');
  client.onConnectionChange = (ok) => {
    connection.hidden = false;
    connection.textContent = ok ? 'Connected' : 'Reconnecting…';
    connection.className = `conn badge ${ok ? 'ok' : 'warn'}`;
  };
  const reread = () => Promise.all([state.refresh(), resync(client, store)]).catch((e) => console.warn('re-read failed', e));
  await client.connect(reread);
  await Promise.all([reread(), directory.load(me.roles)]);

  $('signin-view').hidden = true;
  $('desk-view').hidden = false;
  $('who').hidden = false;
  $('who').textContent = `Signed in as ${[me.firstName, me.lastName].filter(Boolean).join(' ') || me.userName} (${me.userName})`;
  $('who').dataset.userId = me.id;
  $('sign-out').hidden = false;
  $('state-ready').focus();
}

function setupSignIn() {
  const form = $('signin-form');
  const error = $('signin-error');
  const submit = $('signin-submit');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    const user = $('signin-user').value.trim();
    const password = $('signin-password').value;
    if (!user || !password) {
      error.textContent = 'Enter your user name and password.';
      error.hidden = false;
      (user ? $('signin-password') : $('signin-user')).focus();
      return;
    }
    submit.disabled = true;
    const client = new GwsClient();
    try {
      await client.signIn(user, password);
    } catch (err) {
      error.textContent = signInMessage(err);
      error.hidden = false;
      submit.disabled = false;
      $('signin-password').select();
      return;
    }
    try {
      await startDesk(client);
      $('sign-out').addEventListener('click', async () => {
        $('sign-out').disabled = true;
        await client.signOut();
        location.reload(); // a clean page: no chats, no timers, no listeners left behind
      });
    } catch (err) {
      error.textContent = err.statusCode === 5 || err.statusCode === 2
        ? `You cannot handle chats: ${err.message}`
        : `Could not start your session: ${err.message}`;
      error.hidden = false;
      submit.disabled = false;
      await client.signOut();
    }
  });
  $('signin-user').focus();
}

setupSignIn();
