import type { UserToken } from '../tokens/user-token.js';

/** One running login of a `UserAuthenticator`: its state, its result, and its end. */
export interface Login {
  readonly state: string;
  readonly authUrl: string;
  /** `waiting` for the redirect, `exchanging` its code, or `done`. */
  phase: 'waiting' | 'exchanging' | 'done';
  /** Settles once: with the token, or with why the login ended. */
  readonly result: Promise<UserToken>;
  readonly succeed: (token: UserToken) => void;
  readonly fail: (error: unknown) => void;
  /** Aborted when the login ends, to cancel a code exchange still running. */
  readonly ended: AbortController;
  /** Set when a state-less `redirect_mismatch` arrived: the likely reason if no login follows. */
  unverifiedMismatch: { readonly description: string | undefined } | undefined;
}

/** Creates a login waiting for its redirect. Its result settles once; later outcomes are ignored. */
export function createLogin(state: string, authUrl: string): Login {
  let resolve!: (token: UserToken) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<UserToken>((onSuccess, onFailure) => {
    resolve = onSuccess;
    reject = onFailure;
  });
  // A login can fail before anyone awaits it (stop() while starting): not an unhandled rejection.
  result.catch(() => undefined);
  const login: Login = {
    state,
    authUrl,
    phase: 'waiting',
    result,
    ended: new AbortController(),
    unverifiedMismatch: undefined,
    succeed: (token) => {
      if (login.phase === 'done') return;
      login.phase = 'done';
      resolve(token);
    },
    fail: (error) => {
      if (login.phase === 'done') return;
      login.phase = 'done';
      reject(error);
    },
  };
  return login;
}
