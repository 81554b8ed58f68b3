// The supervisor console: wires sign-in, the floor, the supervision panel and the chats to
// one GwsClient and its notifications.
import { GwsClient } from '/web/js/gws.js';
import { announce } from './announce.js';
import { signIn, signInMessage } from './signin.js';
import { Floor } from './floor.js';
import { SupervisePanel } from './supervise-panel.js';
import { ChatStore } from './chat-store.js';
import { ChatView } from './chat-view.js';

const $ = (id) => document.getElementById(id);
const gws = new GwsClient();

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const user = $('signin-user').value.trim();
  const password = $('signin-password').value;
  const error = $('signin-error');
  error.textContent = '';
  if (!user || !password) {
    error.textContent = 'Enter your user name and password.';
    (user ? $('signin-password') : $('signin-user')).focus();
    return;
  }
  $('signin-submit').disabled = true;
  try {
    const me = await signIn(gws, user, password);
    await startConsole(me);
  } catch (err) {
    error.textContent = signInMessage(err, user);
    $('signin-password').select();
  } finally {
    $('signin-submit').disabled = false;
  }
});

async function startConsole(me) {
  const store = new ChatStore(gws);
  const floor = new Floor(gws, $('floor-body'), me);
  const supervise = new SupervisePanel(gws, me, floor);
  // Built for its listeners: it renders tabs and the open chat as the store changes.
  new ChatView(gws, me, store, floor, supervise); // eslint-disable-line no-new
  floor.addEventListener('supervise', (e) => supervise.open(e.detail.id));

  // Listeners first, so nothing delivered right after the subscription is missed.
  gws.on('/v2/me/chats', (data) => store.handle(data));
  gws.on('/v2/me/floor', (data) => {
    if (data?.messageType === 'FloorUpdated') floor.apply(data.agents || []);
  });
  const connection = $('connection');
  gws.onConnectionChange = (ok) => {
    connection.hidden = false;
    connection.textContent = ok ? 'Live' : 'Reconnecting…';
    connection.className = ok ? 'conn ok' : 'conn lost';
  };
  // A new Bayeux session got nothing of what happened meanwhile: re-read all state. The
  // store keys messages by index, so whatever also arrives by push is not duplicated.
  const reread = () => Promise.all([floor.load(), store.resync()]).catch((err) => {
    $('floor-error').textContent = `Could not refresh: ${err.message}`;
  });
  await gws.connect(() => {
    announce('Reconnected; refreshing');
    reread();
  });
  await Promise.all([floor.load(), store.resync()]);

  $('signin-view').hidden = true;
  $('console-view').hidden = false;
  $('who').hidden = false;
  $('who').textContent = `Signed in as ${me.userName}`;
  $('sign-out').hidden = false;
  $('floor-heading').focus();
  announce(`Signed in as ${me.userName}`);
}

// Ending the contact-center session also ends our supervisions (supervision.md).
$('sign-out').addEventListener('click', async () => {
  await gws.signOut();
  location.reload();
});
