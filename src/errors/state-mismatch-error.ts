import { AuthorizationError } from './authorization-error.js';

/**
 * Why a server-mode `state` was refused: `invalid` (its signature does not match: forged, altered,
 * or signed with another `stateSecret`), `expired` (issued more than 15 minutes ago) or `used`
 * (this process already completed a login with it).
 */
export type StateMismatchReason = 'invalid' | 'expired' | 'used';

const ADVICE: Record<StateMismatchReason, string> = {
  invalid:
    'was not issued for this app: its signature does not match. The request may be forged, or the server that ' +
    'issued the URL uses another stateSecret (every replica of a web app must share the same one). Ignore it',
  expired:
    'has expired: a state is valid for 15 minutes after returnAuthUrl() issued it. Tell the user the login took ' +
    'too long',
  used:
    'was already used: a login completes once (a reload or the back button sends it again, and so does a replay). ' +
    'If the user still needs to log in',
};

/**
 * Server mode: the `state` passed to `authenticate({ userToken, state })` is not one that
 * `returnAuthUrl()` issued for this app, or no longer valid. Its `error` is `state_mismatch`.
 */
export class StateMismatchError extends AuthorizationError {
  /** @hidden */
  override readonly name: string = 'StateMismatchError';
  /** Why the state was refused. */
  readonly reason: StateMismatchReason;

  constructor(reason: StateMismatchReason) {
    super(
      { error: 'state_mismatch' },
      `The state that came with the code ${ADVICE[reason]}, and send the user to a new returnAuthUrl(). ` +
        'No code was exchanged.',
    );
    this.reason = reason;
  }
}
