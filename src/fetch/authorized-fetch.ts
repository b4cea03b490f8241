/**
 * Where an authorized fetch takes its token from: a `TokenManager`, or one user of a `TokenPool`
 * (see {@link userFetchSource}). Any object of this shape works.
 */
export interface AuthorizedFetchSource {
  /** The app's client id, sent as `Client-Id` (Helix refuses a token with another app's id). */
  readonly appId: string;
  /** The access token to send; resolves at once while the token is fresh. */
  getAccessToken(): Promise<string>;
  /**
   * Replaces the token after Helix refused `rejectedAccessToken`. Must be single-flight by the
   * rejected token: when the source has already moved on to a newer token, it refreshes nothing,
   * so that many calls refused with the same old token cause one refresh.
   */
  refresh(rejectedAccessToken: string): Promise<unknown>;
}

/** What an authorized fetch accepts as its first argument, as the global `fetch` does. */
export type AuthorizedFetchInput = string | URL | Request;

/** A `fetch` that authorizes every request; see {@link createAuthorizedFetch}. */
export type AuthorizedFetch = (input: AuthorizedFetchInput, init?: RequestInit) => Promise<Response>;

/** Options of {@link createAuthorizedFetch}. */
export interface AuthorizedFetchOptions {
  /**
   * The `fetch` that sends the requests. Default: the global `fetch`, looked up at each call (so
   * that request-mocking tools such as MSW see the requests).
   */
  readonly fetch?: (input: AuthorizedFetchInput, init?: RequestInit) => Promise<Response>;
}

/**
 * A `fetch` for Helix that authorizes every request with the source's token: it sets
 * `Authorization: Bearer …` and `Client-Id` (replacing any given), and when Helix answers 401 it
 * refreshes once and sends the request once more with the new token.
 *
 * - The refresh passes the refused token to the source, so any number of concurrent calls refused
 *   with the same old token cause one refresh.
 * - Nothing else is retried: other statuses, network errors and a second 401 come back as they are.
 * - A request whose body can be read only once (a `ReadableStream`, an async iterable, or a
 *   `Request` object with a body) is not sent again: on a 401 the source is still refreshed, so the
 *   caller's own next attempt works, and the 401 is returned. Pass the body in `init` as a string,
 *   bytes, `Blob`, `URLSearchParams` or `FormData` to have it retried.
 * - When the refresh fails (e.g. `ReauthenticationRequiredError`: the user must log in again), the
 *   call rejects with that error.
 * - `init.signal` covers both attempts and the refresh between them.
 *
 * @example
 * ```ts
 * const helix = createAuthorizedFetch(manager);
 * const response = await helix('https://api.twitch.tv/helix/users');
 * ```
 */
export function createAuthorizedFetch(
  source: AuthorizedFetchSource,
  options: AuthorizedFetchOptions = {},
): AuthorizedFetch {
  return (input, init) => authorizedFetch(source, input, init, options);
}

/**
 * One call of an authorized fetch, without creating one first: `createAuthorizedFetch(source)(input,
 * init)`. Holds no state of its own (single-flight lives in the source), so calling it with a
 * fresh source object each time is as good as keeping a fetch.
 */
export async function authorizedFetch(
  source: AuthorizedFetchSource,
  input: AuthorizedFetchInput,
  init?: RequestInit,
  options: AuthorizedFetchOptions = {},
): Promise<Response> {
  const send = options.fetch ?? ((target: AuthorizedFetchInput, request?: RequestInit) => fetch(target, request));
  const signal = init?.signal ?? undefined;
  const replayable = canSendTwice(input, init);

  const accessToken = await abortable(source.getAccessToken(), signal);
  const first = await send(input, withCredentials(source.appId, accessToken, input, init));
  if (first.status !== 401) return first;

  // Helix refused the token. Refresh before anything else, so the next call works even when this
  // one cannot be sent again.
  try {
    await abortable(source.refresh(accessToken), signal);
  } catch (error) {
    await discard(first);
    throw error;
  }
  if (!replayable) return first;
  const renewed = await abortable(source.getAccessToken(), signal).catch(async (error: unknown) => {
    await discard(first);
    throw error;
  });
  // The source kept the refused token (it could not replace it): sending it again cannot help.
  if (renewed === accessToken) return first;
  await discard(first);
  return send(input, withCredentials(source.appId, renewed, input, init));
}

/**
 * A source for one user of a pool, for `pool.fetchForUser(userId, input, init)`:
 * `authorizedFetch(userFetchSource(pool, userId), input, init)`.
 */
export function userFetchSource(
  pool: {
    readonly appId: string;
    getAccessTokenForUser(userId: string): Promise<string>;
    refreshForUser(userId: string, rejectedAccessToken?: string): Promise<unknown>;
  },
  userId: string,
): AuthorizedFetchSource {
  return {
    appId: pool.appId,
    getAccessToken: () => pool.getAccessTokenForUser(userId),
    refresh: (rejectedAccessToken) => pool.refreshForUser(userId, rejectedAccessToken),
  };
}

/** The request's init with the token and client id set over whatever headers it had. */
function withCredentials(
  appId: string,
  accessToken: string,
  input: AuthorizedFetchInput,
  init: RequestInit | undefined,
): RequestInit {
  // `fetch(request, { headers })` replaces the Request's headers, so start from them.
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  headers.set('authorization', `Bearer ${accessToken}`);
  headers.set('client-id', appId);
  return { ...init, headers };
}

/**
 * Whether the request can be sent a second time as it is. Bodies that are values can; streams are
 * read as they are sent, and a Request's body is always a stream (whatever it was made from), so
 * those would have to be buffered whole before the first attempt: they are sent once instead.
 */
function canSendTwice(input: AuthorizedFetchInput, init: RequestInit | undefined): boolean {
  if (init?.body !== undefined) return isReusableBody(init.body);
  return !(input instanceof Request) || input.body === null;
}

function isReusableBody(body: RequestInit['body']): boolean {
  return (
    body === null ||
    body === undefined ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof URLSearchParams ||
    body instanceof FormData
  );
}

/** Frees the connection of an answer that is not handed on. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** `promise`, or the signal's reason as soon as it aborts (the work itself goes on, owned by the source). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the source's error, passed on as it is
        reject(error);
      },
    );
  });
}
