// The agent's own state on the chat channel: Ready, or NotReady with an optional reason
// (platform.md: POST /api/v2/me/channels/chat, pushed back on /v2/me/channels).
const $ = (id) => document.getElementById(id);

export function describeState(userState) {
  if (!userState) return { text: 'Logged out', kind: 'warn' };
  if (userState.state === 'Ready') return { text: 'Ready', kind: 'ok' };
  const base = userState.displayName && userState.displayName !== userState.state ? userState.displayName : 'Not ready';
  return { text: userState.reason ? `${base}: ${userState.reason}` : base, kind: 'warn' };
}

export function setupAgentState(client) {
  const current = $('state-current');
  const error = $('state-error');

  function show(channels) {
    const chat = (channels || []).find((c) => c.channel === 'chat');
    const { text, kind } = describeState(chat?.userState);
    current.textContent = text;
    current.className = `badge ${kind}`;
    current.dataset.state = chat?.userState?.state || 'LoggedOut';
  }

  async function change(body) {
    error.hidden = true;
    try {
      await client.post('/api/v2/me/channels/chat', body);
    } catch (e) {
      error.textContent = `Could not change your state: ${e.message}`;
      error.hidden = false;
    }
  }

  $('state-ready').addEventListener('click', () => change({ operationName: 'Ready' }));
  $('state-not-ready').addEventListener('click', () => {
    const reason = $('state-reason').value;
    change(reason ? { operationName: 'NotReady', reason } : { operationName: 'NotReady' });
  });
  client.on('/v2/me/channels', (data) => show(data.channels));

  // The push only reports changes: read the state once now and after each reconnect.
  const refresh = async () => show((await client.get('/api/v2/me/channels')).channels);
  return { refresh };
}
