// What each customer-API event means to a reader: the same words in the widget and in the
// downloaded .txt transcript. Only what the API sent is described; typing events and the
// file-limits notice are state, not conversation, and return null.
import { formatSize } from './session.js';

export const QUEUE_RE = /position in the queue:\s*(\d+)/i;

/** @returns {{kind:'message'|'notice'|'file'|'link', who?:string, text:string}|null} */
export function describe(m) {
  const who = m.from?.nickname || '';
  switch (m.type) {
    case 'Message': return { kind: 'message', who, text: m.text ?? '' };
    case 'ParticipantJoined': return { kind: 'notice', text: `${who} joined the chat` };
    case 'ParticipantLeft': {
      const idle = m.eventAttributes?.GCTI_SYSTEM?.['quit-reason-code'] === '7';
      return { kind: 'notice', text: `${who} left the chat${idle ? ' (idle)' : ''}` };
    }
    case 'NicknameUpdated': return { kind: 'notice', text: `${who} is now called ${m.text ?? ''}` };
    case 'CustomNotice': return { kind: 'notice', text: m.text ?? '' };
    case 'Notice':
      if (m.text === 'file-client-cfg-get') return null;
      if (QUEUE_RE.test(m.text ?? '')) return null; // shown as the queue status instead
      return { kind: 'notice', text: m.text ?? '' };
    case 'IdleAlert':
    case 'IdleClose':
      return { kind: 'notice', text: m.text || (m.type === 'IdleAlert' ? 'You have been idle.' : 'The chat was closed.') };
    case 'PushUrl': return { kind: 'link', who, text: m.text ?? '' };
    case 'FileUploaded': return { kind: 'file', who, text: fileLabel(m) };
    case 'FileDeleted': return { kind: 'notice', text: `${who} removed the file ${m.userData?.['file-name'] ?? ''}` };
    default: return null; // TypingStarted, TypingStopped, and anything newer than this widget
  }
}

function fileLabel(m) {
  const d = m.userData || {};
  const size = Number(d['file-size']);
  return `${d['file-name'] ?? 'a file'}${size ? ` (${formatSize(size)})` : ''}`;
}

const pad = (n) => String(n).padStart(2, '0');
function stamp(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The .txt transcript of the events the page holds (in index order). */
export function transcriptText(events, { title = 'Chat transcript', chatId = '' } = {}) {
  const lines = [`${title}${chatId ? ` (chat ${chatId})` : ''}`, ''];
  for (const m of events) {
    const d = describe(m);
    if (!d) continue;
    const at = `[${stamp(m.utcTime)}]`;
    if (d.kind === 'message') lines.push(`${at} ${d.who}: ${d.text}`);
    else if (d.kind === 'file') lines.push(`${at} ${d.who} sent a file: ${d.text}`);
    else if (d.kind === 'link') lines.push(`${at} ${d.who} shared a link: ${d.text}`);
    else lines.push(`${at} * ${d.text}`);
  }
  return lines.join('\n') + '\n';
}
