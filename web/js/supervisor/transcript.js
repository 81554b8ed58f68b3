// Renders one chat log as the supervisor sees it: everything, with whispers (visibility
// Agents) and supervisor-only items (visibility Supervisors) clearly marked so the supervisor
// knows what the customer did and did not see.
import { el } from '/web/js/gws.js';

const MODE_OF_VISIBILITY = { Supervisors: 'monitoring', Agents: 'coaching', All: 'barged in' };

function time(m) {
  const d = new Date(m.timestampSeconds || Date.parse(m.timestamp));
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function isSupervisor(from, supervisorIds) {
  return from?.participantId && supervisorIds.has(from.participantId);
}

/** The sentence for an event about a participant (join, leave, mode switch). */
function eventText(m, supervisorIds) {
  const who = m.from?.nickname || 'Someone';
  const sup = isSupervisor(m.from, supervisorIds);
  const how = sup ? ` (${MODE_OF_VISIBILITY[m.from.visibility] || 'supervising'})` : '';
  switch (m.type) {
    case 'ParticipantJoined': return `${who} joined${how}`;
    case 'ParticipantLeft': return `${who} left`;
    case 'ParticipantRejoined': return `${who} is now ${MODE_OF_VISIBILITY[m.from?.visibility] || 'back'}`;
    case 'NicknameUpdated': return `${who} is now called ${m.noticeText}`;
    case 'CustomNotice': return `${who}: ${m.noticeText}`;
    case 'PushUrl': return `${who} sent a link: ${m.url}`;
    case 'Notice': return m.text || 'Notice';
    case 'FileUploaded': return `${who} sent the file ${m.userData?.['file-name'] || ''}`;
    case 'FileDeleted': return `${who} deleted the file ${m.userData?.['file-name'] || ''}`;
    default: return `${who}: ${m.type}`;
  }
}

/** Audience marks: a whisper is for agents and supervisors, Supervisors-only is ours alone. */
function audienceMark(m) {
  if (m.visibility === 'Agents') return el('span', { class: 'badge coach vis' }, 'Whisper — agents only');
  if (m.visibility === 'Supervisors') return el('span', { class: 'badge vis' }, 'Supervisors only');
  return null;
}

export function renderMessage(m, supervisorIds) {
  if (m.type === 'TypingStarted' || m.type === 'TypingStopped') return null; // shown nowhere: noise
  const mark = audienceMark(m);
  const cls = ['msg', m.visibility === 'Agents' ? 'whisper' : '', m.visibility === 'Supervisors' ? 'sup-only' : '',
    m.from?.type === 'Customer' ? 'from-customer' : ''].filter(Boolean).join(' ');
  if (m.type === 'Text') {
    return el('li', { class: cls, dataset: { index: String(m.index), visibility: m.visibility } },
      el('span', { class: 'who' }, m.from?.nickname || '?'),
      m.from?.type === 'Customer' ? el('span', { class: 'muted role' }, ' (customer)') : '',
      mark ? ' ' : '', mark,
      el('span', { class: 'time' }, time(m)),
      el('div', { class: 'text' }, m.text));
  }
  return el('li', { class: `${cls} notice`, dataset: { index: String(m.index), visibility: m.visibility } },
    eventText(m, supervisorIds), mark ? ' ' : '', mark, el('span', { class: 'time' }, time(m)));
}
