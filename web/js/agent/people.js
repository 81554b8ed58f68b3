// Who is who in a chat object, from this agent's point of view.
export function userIdOf(participant) {
  const ref = participant?.path || participant?.uri || '';
  const m = ref.match(/\/users\/([^/?#]+)/);
  return m ? m[1] : null;
}

export function customerOf(chat) {
  return (chat.participants || []).find((p) => p.type === 'Customer') || null;
}

export function myParticipant(chat, meId) {
  return (chat.participants || []).find((p) => userIdOf(p) === meId) || null;
}

export function chatTitle(chat) {
  const customer = customerOf(chat);
  return customer?.nickname || chat.userData?.FirstName || 'Customer';
}

// The customer's name stays on a tab after the chat ends, when the agent's view of the
// chat no longer lists any participant.
export function entryTitle(entry) {
  const customer = customerOf(entry.chat);
  if (customer?.nickname) entry.title = customer.nickname;
  return entry.title || chatTitle(entry.chat);
}
