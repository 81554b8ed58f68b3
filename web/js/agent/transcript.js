// Renders one log message (chat.md "Message objects") as a transcript line. Typing events are
// not lines: the chat view shows them as an indicator instead.
import { el } from '../gws.js';
import { parseGwsTime, clockTime } from './time.js';

export const TYPING_TYPES = new Set(['TypingStarted', 'TypingStopped']);

function sizeText(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n)) return '';
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

function noticeText(m, who) {
  switch (m.type) {
    case 'ParticipantJoined': return `${who} joined the chat`;
    case 'ParticipantLeft': return `${who} left the chat`;
    case 'ParticipantRejoined': return `${who} rejoined the chat`;
    case 'NicknameUpdated': return `${who} is now called ${m.noticeText}`;
    case 'CustomNotice': return `${who}: ${m.noticeText ?? ''}`;
    case 'Notice': return m.text ?? '';
    case 'FileDeleted': return `${who} deleted the file ${m.userData?.['file-name'] ?? ''}`;
    default: return `${who}: ${m.type}`;
  }
}

export function renderMessage(m, { meParticipantId } = {}) {
  const who = m.from?.nickname || 'Someone';
  const ms = Number.isInteger(m.timestampSeconds) ? m.timestampSeconds : parseGwsTime(m.timestamp);
  const whisper = m.type === 'Text' && m.visibility && m.visibility !== 'All';
  const mine = m.from?.participantId && m.from.participantId === meParticipantId;
  const fromType = (m.from?.type || '').toLowerCase();
  const classes = ['msg', `from-${fromType}`, mine ? 'mine' : '', whisper ? 'whisper' : ''].filter(Boolean).join(' ');
  const time = Number.isFinite(ms) ? el('time', { class: 'time', datetime: new Date(ms).toISOString() }, clockTime(ms)) : null;
  const li = el('li', { class: classes, dataset: { index: m.index, type: m.type, visibility: m.visibility || 'All' } });
  // Node.append() would print a skipped part (null) as the text "null".
  const add = (...parts) => li.append(...parts.filter((x) => x !== null && x !== undefined && x !== ''));

  if (m.type === 'Text') {
    add(
      el('span', { class: 'who' }, mine ? `${who} (you)` : who),
      whisper ? el('span', { class: 'badge coach whisper-label' }, 'Agents only') : null,
      time,
      el('div', { class: 'text' }, m.text ?? ''));
  } else if (m.type === 'PushUrl') {
    const safe = /^https?:\/\//i.test(m.url || '');
    add(el('span', { class: 'who' }, who), time,
      el('div', { class: 'text' }, safe ? el('a', { href: m.url, target: '_blank', rel: 'noopener noreferrer' }, m.url) : m.url));
  } else if (m.type === 'FileUploaded') {
    // The agent API exposes the file's name and size but no download address for agents.
    const d = m.userData || {};
    li.classList.add('notice');
    add(`${who} shared a file: `, el('strong', { class: 'file' }, d['file-name'] || 'file'),
      d['file-size'] ? ` (${sizeText(d['file-size'])})` : '', time);
  } else {
    li.classList.add('notice');
    add(noticeText(m, who), time);
  }
  return li;
}
