// Sign-in for the console: a Basic check on GET /api/v2/me (GwsClient.signIn), a role check,
// and the contact-center session the server requires before supervising (supervision.md:
// "The supervisor must have started their own contact-center session (else statusCode 2)").
import { ApiError } from '/web/js/gws.js';

export class NotSupervisorError extends Error {}

/** Words for a failed sign-in that say what to do next. */
export function signInMessage(err, userName) {
  if (err instanceof NotSupervisorError) {
    return `${userName} is not a supervisor: this console needs the supervisor role. Agents use the agent desktop.`;
  }
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Wrong user name or password.';
    if (err.status === 429) return 'Too many failed sign-ins. Wait a minute, then try again.';
    return `Sign-in failed: ${err.message}`;
  }
  return 'Cannot reach the server. Check your connection and try again.';
}

/**
 * Signs in and makes sure a contact-center session is running. A user without the supervisor
 * role is refused before anything changes on the server: we do NOT end their session, since
 * EndContactCenterSession would also sign them out of an agent desktop open elsewhere.
 */
export async function signIn(gws, userName, password) {
  const me = await gws.signIn(userName, password);
  if (!(me.roles || []).includes('ROLE_SUPERVISOR')) throw new NotSupervisorError();
  const full = await gws.get('/api/v2/me?subresources=channels');
  if (!(full.user?.channels || []).length) {
    // Starts NotReady: a supervisor is never offered chats by signing in here.
    await gws.post('/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] });
  }
  return me;
}
