/**
 * The HTTP clients compared by the http-clients suite. Each one does the same two calls against
 * the fake, checks the answer, and is loaded only in its own worker process (`create` imports
 * its package), so that no client's modules or sockets disturb another's figures.
 */

/** @typedef {import('../../lib/fake-process.js').FakeTarget} Target Where the calls go, and the demo app. */

/**
 * @typedef {object} Client
 * @property {(accessToken: string) => Promise<void>} validate `GET /validate`; throws unless the token is valid.
 * @property {(refreshToken: string) => Promise<void>} refresh `POST /token` (refresh_token grant); throws unless it worked.
 * @property {() => Promise<void>} [close] Frees what `create` made (the floors' own Agents).
 */

/**
 * @typedef {object} ClientSpec
 * @property {string} label The name in the tables.
 * @property {string} description What exactly is measured.
 * @property {(target: Target) => Record<string, string>} [env] Set in its worker's `process.env` before `create`.
 * @property {(target: Target) => Promise<Client>} create Called once per cell, each against a fresh fake.
 */

const LIBRARY_URL = new URL('../../../../dist/index.js', import.meta.url).href;

/** The library's request headers, so that the floors send the same bytes. */
const USER_AGENT = 'twitchapi-oauth/bench';

/** `keepAliveTimeout` of the library's shared Agent (src/http/undici-runtime.ts). */
const AGENT_OPTIONS = { keepAliveTimeout: 10_000 };

/**
 * @param {string} what
 * @param {unknown} answer
 * @returns {never}
 */
function unexpected(what, answer) {
  throw new Error(`${what}: unexpected answer ${JSON.stringify(answer)}`);
}

/** @param {Target} target */
function refreshForm(target, /** @type {string} */ refreshToken) {
  return new URLSearchParams({
    client_id: target.clientId,
    client_secret: target.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  }).toString();
}

/** @type {Record<string, ClientSpec>} */
export const CLIENTS = {
  library: {
    label: 'twitchapi-oauth',
    description:
      '`validateToken` / `refreshAccessToken` from dist/index.js, default options (shared Agent, timeout, retries)',
    async create(target) {
      const { validateToken, refreshAccessToken } = /** @type {typeof import('../../../../dist/index.js')} */ (
        await import(LIBRARY_URL)
      );
      const options = { authBaseUrl: target.authBaseUrl };
      return {
        async validate(accessToken) {
          const info = await validateToken(accessToken, options);
          if (!info.valid || info.clientId !== target.clientId) unexpected('validateToken', info);
        },
        async refresh(refreshToken) {
          const token = await refreshAccessToken(refreshToken, target.clientId, target.clientSecret, options);
          if (token.accessToken === '') unexpected('refreshAccessToken', token);
        },
      };
    },
  },

  'undici-fetch': {
    label: 'undici `fetch` (floor)',
    description: "undici's `fetch` on an `Agent({ keepAliveTimeout: 10_000 })`, same headers, `res.json()`",
    async create(target) {
      const { Agent, fetch } = await import('undici');
      const dispatcher = new Agent(AGENT_OPTIONS);
      const validateUrl = `${target.authBaseUrl}/validate`;
      const tokenUrl = `${target.authBaseUrl}/token`;
      return {
        async validate(accessToken) {
          const response = await fetch(validateUrl, {
            headers: { accept: 'application/json', 'user-agent': USER_AGENT, authorization: `OAuth ${accessToken}` },
            redirect: 'manual',
            dispatcher,
          });
          const body = /** @type {{ client_id?: string }} */ (await response.json());
          if (response.status !== 200 || body.client_id !== target.clientId) unexpected('fetch /validate', body);
        },
        async refresh(refreshToken) {
          const response = await fetch(tokenUrl, {
            method: 'POST',
            headers: {
              accept: 'application/json',
              'user-agent': USER_AGENT,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: refreshForm(target, refreshToken),
            redirect: 'manual',
            dispatcher,
          });
          const body = /** @type {{ access_token?: string }} */ (await response.json());
          if (response.status !== 200 || typeof body.access_token !== 'string') unexpected('fetch /token', body);
        },
        close: () => dispatcher.close(),
      };
    },
  },

  'undici-request': {
    label: '`undici.request` (floor)',
    description: '`undici.request` on an `Agent({ keepAliveTimeout: 10_000 })`, same headers, `body.json()`',
    async create(target) {
      const { Agent, request } = await import('undici');
      const dispatcher = new Agent(AGENT_OPTIONS);
      const validateUrl = `${target.authBaseUrl}/validate`;
      const tokenUrl = `${target.authBaseUrl}/token`;
      return {
        async validate(accessToken) {
          const response = await request(validateUrl, {
            headers: { accept: 'application/json', 'user-agent': USER_AGENT, authorization: `OAuth ${accessToken}` },
            dispatcher,
          });
          const body = /** @type {{ client_id?: string }} */ (await response.body.json());
          if (response.statusCode !== 200 || body.client_id !== target.clientId) unexpected('request /validate', body);
        },
        async refresh(refreshToken) {
          const response = await request(tokenUrl, {
            method: 'POST',
            headers: {
              accept: 'application/json',
              'user-agent': USER_AGENT,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: refreshForm(target, refreshToken),
            dispatcher,
          });
          const body = /** @type {{ access_token?: string }} */ (await response.body.json());
          if (response.statusCode !== 200 || typeof body.access_token !== 'string') unexpected('request /token', body);
        },
        close: () => dispatcher.close(),
      };
    },
  },

  'global-fetch': {
    label: 'global `fetch` (reference)',
    description: "Node's global `fetch` (its bundled undici, default dispatcher), same headers and form body",
    async create(target) {
      const validateUrl = `${target.authBaseUrl}/validate`;
      const tokenUrl = `${target.authBaseUrl}/token`;
      return {
        async validate(accessToken) {
          const response = await globalThis.fetch(validateUrl, {
            headers: { accept: 'application/json', 'user-agent': USER_AGENT, authorization: `OAuth ${accessToken}` },
            redirect: 'manual',
          });
          const body = /** @type {{ client_id?: string }} */ (await response.json());
          if (response.status !== 200 || body.client_id !== target.clientId) unexpected('global fetch /validate', body);
        },
        async refresh(refreshToken) {
          const response = await globalThis.fetch(tokenUrl, {
            method: 'POST',
            headers: {
              accept: 'application/json',
              'user-agent': USER_AGENT,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: refreshForm(target, refreshToken),
            redirect: 'manual',
          });
          const body = /** @type {{ access_token?: string }} */ (await response.json());
          if (response.status !== 200 || typeof body.access_token !== 'string') unexpected('global fetch /token', body);
        },
      };
    },
  },

  'fetch-query': {
    label: 'undici `fetch`, secrets in the URL (reference)',
    description:
      "undici's `fetch` as the floor, but refresh POSTs its fields (client secret, refresh token) in the query " +
      'string with no body, as twurple does: the price of keeping secrets out of URLs. Validate is the same GET',
    async create(target) {
      const { Agent, fetch } = await import('undici');
      const dispatcher = new Agent(AGENT_OPTIONS);
      const validateUrl = `${target.authBaseUrl}/validate`;
      const tokenUrl = `${target.authBaseUrl}/token`;
      return {
        async validate(accessToken) {
          const response = await fetch(validateUrl, {
            headers: { accept: 'application/json', 'user-agent': USER_AGENT, authorization: `OAuth ${accessToken}` },
            redirect: 'manual',
            dispatcher,
          });
          const body = /** @type {{ client_id?: string }} */ (await response.json());
          if (response.status !== 200 || body.client_id !== target.clientId) unexpected('fetch /validate', body);
        },
        async refresh(refreshToken) {
          const response = await fetch(`${tokenUrl}?${refreshForm(target, refreshToken)}`, {
            method: 'POST',
            headers: { accept: 'application/json', 'user-agent': USER_AGENT },
            redirect: 'manual',
            dispatcher,
          });
          const body = /** @type {{ access_token?: string }} */ (await response.json());
          if (response.status !== 200 || typeof body.access_token !== 'string') unexpected('fetch /token?…', body);
        },
        close: () => dispatcher.close(),
      };
    },
  },

  twurple: {
    label: '@twurple/auth',
    description:
      "`getTokenInfo` / `refreshUserToken` with TWURPLE_MOCK_API_PORT (Node's global fetch, `/auth/...`), its " +
      '`http://localhost:` URLs pointed at `127.0.0.1` like every other client (no localhost lookup, no ::1 attempt)',
    env: (target) => ({ TWURPLE_MOCK_API_PORT: String(target.port) }),
    async create(target) {
      useLoopbackAddress();
      const { getTokenInfo, refreshUserToken } = await import('@twurple/auth');
      return {
        async validate(accessToken) {
          const info = await getTokenInfo(accessToken);
          if (info.clientId !== target.clientId) unexpected('getTokenInfo', info);
        },
        async refresh(refreshToken) {
          const token = await refreshUserToken(target.clientId, target.clientSecret, refreshToken);
          if (token.accessToken === '') unexpected('refreshUserToken', token);
        },
      };
    },
  },
};

/**
 * twurple's mock-API mode builds `http://localhost:PORT/…` URLs; every other client here calls
 * `127.0.0.1`. Rewrites that prefix in the global `fetch` twurple calls (once per process), so that
 * no client pays for a name lookup or a refused ::1 connection the others skip.
 */
export function useLoopbackAddress() {
  const original = globalThis.fetch;
  if (/** @type {{ loopback?: boolean }} */ (original).loopback === true) return;
  /** @type {typeof fetch} */
  const rewritten = (input, init) =>
    original(typeof input === 'string' ? input.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:') : input, init);
  Object.assign(rewritten, { loopback: true });
  globalThis.fetch = rewritten;
}
