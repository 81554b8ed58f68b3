// The three supervision modes and what each one means for the person typing. Every text a
// supervisor reads about "who sees my messages" comes from here, so the banner, the composer
// and the buttons can never disagree.

export const MODES = {
  Monitor: {
    label: 'Monitor',
    switchOp: 'SwitchToMonitor',
    className: 'monitor',
    banner: 'Monitoring — you are silent; nobody sees you',
    placeholder: 'Monitoring: you cannot send. Switch to Coach or Barge in to write.',
    sendLabel: 'Send',
    sendOp: null, // a monitor cannot send at all (supervision.md)
  },
  Coach: {
    label: 'Coach',
    switchOp: 'SwitchToCoach',
    className: 'coach',
    banner: 'Coaching — only the agent sees your messages',
    placeholder: 'Whisper to agent (the customer does not see this)',
    sendLabel: 'Whisper to agent',
    // SendToAgents rather than SendMessage: the server narrows a coach's SendMessage to Agents
    // anyway, but asking for Agents explicitly means a whisper can never reach the customer
    // even if our idea of the mode were stale.
    sendOp: 'SendToAgents',
  },
  BargeIn: {
    label: 'Barge in',
    switchOp: 'SwitchToBargeIn',
    className: 'barge',
    banner: 'Barged in — the CUSTOMER and the agent see your messages',
    placeholder: 'Send to everyone (the customer sees this)',
    sendLabel: 'Send to everyone',
    sendOp: 'SendMessage',
  },
};

const VISIBILITY_MODE = { Supervisors: 'Monitor', Agents: 'Coach', All: 'BargeIn' };

/** My participant in a chat object (participants carry the user's path/uri). */
export function myParticipant(chat, myId) {
  return (chat?.participants || []).find((p) =>
    (p.path && p.path === `/users/${myId}`) || (p.uri && p.uri.endsWith(`/users/${myId}`)));
}

/**
 * The supervisor's current mode in a chat. Capabilities are the server's truth about what we
 * may do now (README principle 4): each mode offers exactly the two switches to the others.
 * A finished chat has no capabilities; then the participant's visibility tells the last mode.
 */
export function modeOf(chat, myId) {
  const caps = new Set(chat?.capabilities || []);
  const toBarge = caps.has('SwitchBargeIn') || caps.has('SwitchToBargeIn');
  if (caps.has('SwitchToCoach') && toBarge) return 'Monitor';
  if (caps.has('SwitchToMonitor') && toBarge) return 'Coach';
  if (caps.has('SwitchToMonitor') && caps.has('SwitchToCoach')) return 'BargeIn';
  return VISIBILITY_MODE[myParticipant(chat, myId)?.visibility] || null;
}

/** Human words for a participant visibility, as the supervisor audience sees everyone. */
export function visibilityWords(visibility) {
  if (visibility === 'Supervisors') return 'hidden: supervisors only';
  if (visibility === 'Agents') return 'seen by agents only';
  return 'seen by everyone';
}
