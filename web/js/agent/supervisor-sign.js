// Is a supervisor coaching me or barged into this chat? The API has no "supervisor" type
// (supervision.md: a supervisor is an `Agent` participant), so the sign is derived from what
// the agent's view shows:
//  - a monitoring supervisor (visibility Supervisors) is never in the agent's participants,
//    so monitoring shows nothing, as the spec requires;
//  - an unexpected agent with visibility `Agents` is a coach, with `All` has barged in.
// "Expected" agents are the colleagues already present when I accepted with visibility All
// (the agent who consulted, invited or transferred me) and the agents I consulted, invited
// or transferred to myself (recorded in entry.invitees by the actions panel).
import { userIdOf } from './people.js';

export function rememberColleagues(entry, meId) {
  if (entry.colleagues) return;
  entry.colleagues = new Set(
    (entry.chat.participants || [])
      .filter((p) => p.type === 'Agent' && p.visibility === 'All' && userIdOf(p) !== meId)
      .map((p) => p.participantId));
}

// → [{kind: 'coach'|'barge', nickname}]
export function supervisorSigns(entry, meId) {
  const invitees = entry.invitees || new Set();
  const colleagues = entry.colleagues || new Set();
  const signs = [];
  for (const p of entry.chat.participants || []) {
    if (p.type !== 'Agent' || userIdOf(p) === meId) continue;
    if (colleagues.has(p.participantId) || invitees.has(userIdOf(p))) continue;
    if (p.visibility === 'Agents') signs.push({ kind: 'coach', nickname: p.nickname });
    else if (p.visibility === 'All') signs.push({ kind: 'barge', nickname: p.nickname });
  }
  return signs;
}

export function signText({ kind, nickname }) {
  return kind === 'coach' ? `${nickname} is coaching you` : `${nickname} has barged in`;
}
