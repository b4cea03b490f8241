import { randomBytes, randomInt } from 'node:crypto';
import { AuthScope } from '../scopes.js';
import type { AuthorizeMode, FakeApp, FakeUser } from './model.js';
import { activationPage, consentPage, messagePage } from './pages.js';

/** What the fake answers: JSON, a redirect, an HTML page, or an empty 200. */
export type Answer =
  | {
      /** The HTTP status. */
      readonly status: number;
      /** A JSON body. */
      readonly json: unknown;
    }
  | {
      /** A redirect. */
      readonly status: 302;
      /** Where to. */
      readonly location: string;
    }
  | {
      /** The HTTP status. */
      readonly status: number;
      /** An HTML page. */
      readonly html: string;
    }
  | {
      /** An empty 200. */
      readonly status: 200;
      /** Marks the empty answer. */
      readonly empty: true;
    };

/** How long the fake's tokens and codes live. */
export interface Lifetimes {
  /** User access tokens, in seconds. Default: 14124 (Twitch's example). */
  readonly userTokenSeconds: number;
  /** App access tokens, in seconds. Default: 5011271 (Twitch's example). */
  readonly appTokenSeconds: number;
  /** Device codes, in seconds. Default: 1800. */
  readonly deviceCodeSeconds: number;
  /** The device flow's polling interval, in seconds. Default: 5. */
  readonly deviceIntervalSeconds: number;
}

interface AccessGrant {
  readonly clientId: string;
  readonly userId: string | undefined;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  readonly refreshToken: string | undefined;
  revoked: boolean;
}

interface RefreshGrant {
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly oneTime: boolean;
  /** Access tokens backed by this refresh token, oldest first; Twitch keeps at most 50 valid. */
  readonly accessTokens: string[];
  spent: boolean;
  revoked: boolean;
}

interface CodeGrant {
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly redirectUri: string;
  readonly expiresAt: number;
}

interface DeviceGrant {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly userCode: string;
  readonly expiresAt: number;
  intervalMs: number;
  lastPollAt: number | undefined;
  decision: { readonly approved: true; readonly userId: string } | { readonly approved: false } | undefined;
}

/** Query or form fields, by name. */
export type Form = Readonly<Record<string, string>>;

const KNOWN_SCOPES: ReadonlySet<string> = new Set(Object.values(AuthScope));

/**
 * The scopes the twitch CLI mock-api grants to its `user_token` grant (read from the CLI's mock);
 * it answers any other with 400 `Invalid scopes requested`. Its list lacks e.g. `chat:read`,
 * `chat:edit`, `user:read:chat`, `user:bot` and `channel:bot`.
 */
const MOCK_API_USER_SCOPES: ReadonlySet<string> = new Set([
  'analytics:read:extensions',
  'analytics:read:games',
  'bits:read',
  'channel:edit:commercial',
  'channel:manage:broadcast',
  'channel:manage:moderators',
  'channel:manage:polls',
  'channel:manage:predictions',
  'channel:manage:raids',
  'channel:manage:redemptions',
  'channel:manage:schedule',
  'channel:manage:videos',
  'channel:manage:vips',
  'channel:read:charity',
  'channel:read:editors',
  'channel:read:goals',
  'channel:read:hype_train',
  'channel:read:polls',
  'channel:read:predictions',
  'channel:read:redemptions',
  'channel:read:stream_key',
  'channel:read:subscriptions',
  'channel:read:vips',
  'clips:edit',
  'moderation:read',
  'moderator:manage:announcements',
  'moderator:manage:automod',
  'moderator:manage:automod_settings',
  'moderator:manage:banned_users',
  'moderator:manage:blocked_terms',
  'moderator:manage:chat_messages',
  'moderator:manage:chat_settings',
  'moderator:manage:shoutouts',
  'moderator:manage:shield_mode',
  'moderator:read:automod_settings',
  'moderator:read:blocked_terms',
  'moderator:read:followers',
  'moderator:read:chatters',
  'moderator:read:shield_mode',
  'user:edit',
  'user:edit:broadcast',
  'user:manage:blocked_users',
  'user:manage:chat_color',
  'user:manage:whispers',
  'user:read:blocked_users',
  'user:read:broadcast',
  'user:read:email',
  'user:read:follows',
  'user:read:subscriptions',
]);
const MAX_ACCESS_TOKENS_PER_REFRESH_TOKEN = 50;
const CODE_LIFETIME_MS = 10 * 60 * 1000;

const TWITCH_ERRORS = {
  invalidClient: { status: 400, message: 'invalid client' },
  invalidSecret: { status: 403, message: 'invalid client secret' },
  // Twitch answers a public client's code exchange with a 400; the exact message is not documented.
  publicClient: { status: 400, message: 'invalid client secret' },
  invalidCode: { status: 400, message: 'Invalid authorization code' },
  redirectMismatch: { status: 400, message: 'Parameter redirect_uri does not match registered URI' },
  invalidRefresh: { error: 'Bad Request', status: 400, message: 'Invalid refresh token' },
  missingToken: { status: 401, message: 'missing authorization token' },
  invalidToken: { status: 401, message: 'invalid access token' },
  revokeInvalid: { status: 400, message: 'Invalid token' },
  unknownClient: { status: 404, message: 'client does not exist' },
  pending: { status: 400, message: 'authorization_pending' },
  slowDown: { status: 400, message: 'slow_down' },
  invalidDevice: { status: 400, message: 'invalid device code' },
  denied: { status: 400, message: 'access_denied' },
} as const;

function twitchError(error: { readonly status: number }): Answer {
  return { status: error.status, json: error };
}

/** A random token in Twitch's alphabet (lowercase letters and digits). */
function randomToken(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let token = '';
  for (const byte of bytes) token += alphabet.charAt(byte % alphabet.length);
  return token;
}

/**
 * The fake's identity service: apps, users, codes and tokens, with Twitch's rules and bodies.
 * It knows nothing of HTTP; `FakeTwitch` routes requests here.
 */
export class FakeIdentity {
  /** The registered apps, by client id: add or replace apps here. */
  readonly apps = new Map<string, FakeApp>();
  /** The users, by id. */
  readonly users = new Map<string, FakeUser>();
  /** How `/authorize` decides. */
  authorizeMode: AuthorizeMode;
  /** The user who is "logged in" at the fake's consent and activation pages. */
  loggedInUserId: string;

  readonly #accessTokens = new Map<string, AccessGrant>();
  readonly #refreshTokens = new Map<string, RefreshGrant>();
  readonly #codes = new Map<string, CodeGrant>();
  readonly #devices = new Map<string, DeviceGrant>();
  readonly #lifetimes: Lifetimes;
  readonly #now: () => number;

  constructor(input: {
    apps: readonly FakeApp[];
    users: readonly FakeUser[];
    authorizeMode: AuthorizeMode;
    lifetimes: Lifetimes;
    now: () => number;
  }) {
    for (const app of input.apps) this.apps.set(app.clientId, app);
    for (const user of input.users) this.users.set(user.id, user);
    const [firstUser] = input.users;
    if (firstUser === undefined) throw new TypeError('The fake needs at least one user.');
    this.loggedInUserId = firstUser.id;
    this.authorizeMode = input.authorizeMode;
    this.#lifetimes = input.lifetimes;
    this.#now = input.now;
  }

  // ---- GET /authorize and the consent page -------------------------------------------------

  /** `GET /authorize`: redirect with a code or an error, or show the consent page. */
  authorize(query: Form, formAction: string): Answer {
    const checked = this.#checkAuthorizeRequest(query);
    if ('status' in checked) return checked;
    const { app, redirectUri, scopes } = checked;
    const mode =
      this.authorizeMode === 'auto' ? (query['force_verify'] === 'true' ? 'consent' : 'approve') : this.authorizeMode;
    if (mode === 'consent') {
      const user = this.#loggedInUser();
      const fields: Record<string, string> = {};
      for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'state'] as const) {
        const value = query[name];
        if (value !== undefined) fields[name] = value;
      }
      return {
        status: 200,
        html: consentPage({ appName: app.name ?? app.clientId, login: user.login, scopes, action: formAction, fields }),
      };
    }
    return this.#decide(mode === 'approve', redirectUri, scopes, app, query['state']);
  }

  /** The consent page's form: `decision=approve|deny` plus the original query's fields. */
  decideConsent(form: Form): Answer {
    const checked = this.#checkAuthorizeRequest(form);
    if ('status' in checked) return checked;
    return this.#decide(
      form['decision'] === 'approve',
      checked.redirectUri,
      checked.scopes,
      checked.app,
      form['state'],
    );
  }

  #checkAuthorizeRequest(query: Form): Answer | { app: FakeApp; redirectUri: string; scopes: string[] } {
    const app = this.apps.get(query['client_id'] ?? '');
    if (app === undefined) return twitchError(TWITCH_ERRORS.invalidClient);
    const redirectUri = query['redirect_uri'] ?? '';
    const [firstUri] = app.redirectUris;
    if (!app.redirectUris.includes(redirectUri)) {
      if (firstUri === undefined) return twitchError(TWITCH_ERRORS.redirectMismatch);
      // Twitch sends the browser to the FIRST registered URI, without state.
      return redirectTo(firstUri, {
        error: 'redirect_mismatch',
        error_description: 'Parameter redirect_uri does not match registered URI',
      });
    }
    const state = query['state'];
    const withState = state === undefined ? {} : { state };
    if (query['response_type'] !== 'code') {
      return redirectTo(redirectUri, {
        error: 'unsupported_response_type',
        error_description: 'This fake supports the authorization code flow only (response_type=code)',
        ...withState,
      });
    }
    const scopes = splitScopes(query['scope']);
    const unknown = scopes.find((scope) => !KNOWN_SCOPES.has(scope));
    if (unknown !== undefined) {
      return redirectTo(redirectUri, {
        error: 'invalid_scope',
        error_description: `Invalid scope: ${unknown}`,
        ...withState,
      });
    }
    return { app, redirectUri, scopes };
  }

  #decide(
    approved: boolean,
    redirectUri: string,
    scopes: readonly string[],
    app: FakeApp,
    state: string | undefined,
  ): Answer {
    const withState = state === undefined ? {} : { state };
    if (!approved) {
      return redirectTo(redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied you access',
        ...withState,
      });
    }
    const code = randomToken(30);
    this.#codes.set(code, {
      clientId: app.clientId,
      userId: this.loggedInUserId,
      scopes,
      redirectUri,
      expiresAt: this.#now() + CODE_LIFETIME_MS,
    });
    return redirectTo(redirectUri, { code, scope: scopes.join(' '), ...withState });
  }

  // ---- POST /token -----------------------------------------------------------------------------

  /** `POST /token`, every grant. */
  token(form: Form): Answer {
    const app = this.apps.get(form['client_id'] ?? '');
    if (app === undefined) return twitchError(TWITCH_ERRORS.invalidClient);
    const grant = form['grant_type'];
    if (grant === 'urn:ietf:params:oauth:grant-type:device_code') return this.#deviceToken(app, form);
    if (grant === 'refresh_token' && app.clientSecret === undefined) return this.#refresh(app, form);
    if (app.clientSecret === undefined) return twitchError(TWITCH_ERRORS.publicClient);
    if (form['client_secret'] !== app.clientSecret) return twitchError(TWITCH_ERRORS.invalidSecret);
    switch (grant) {
      case 'authorization_code':
        return this.#exchangeCode(app, form);
      case 'refresh_token':
        return this.#refresh(app, form);
      case 'client_credentials':
        return this.#clientCredentials(app, form);
      default:
        return { status: 400, json: { status: 400, message: 'unsupported_grant_type' } };
    }
  }

  #exchangeCode(app: FakeApp, form: Form): Answer {
    const code = form['code'] ?? '';
    const grant = this.#codes.get(code);
    if (grant?.clientId !== app.clientId || grant.expiresAt <= this.#now()) {
      return twitchError(TWITCH_ERRORS.invalidCode);
    }
    // A code works once, whatever happens next.
    this.#codes.delete(code);
    if (form['redirect_uri'] !== grant.redirectUri) return twitchError(TWITCH_ERRORS.redirectMismatch);
    return { status: 200, json: this.#issueUserToken(app, grant.userId, grant.scopes) };
  }

  #refresh(app: FakeApp, form: Form): Answer {
    const refreshToken = form['refresh_token'] ?? '';
    const grant = this.#refreshTokens.get(refreshToken);
    if (grant?.clientId !== app.clientId || grant.revoked || grant.spent) {
      return twitchError(TWITCH_ERRORS.invalidRefresh);
    }
    if (!grant.oneTime) {
      const accessToken = this.#issueAccessToken(app.clientId, grant.userId, grant.scopes, refreshToken);
      this.#limitAccessTokens(grant, accessToken);
      return {
        status: 200,
        json: tokenBody(accessToken, refreshToken, this.#lifetimes.userTokenSeconds, grant.scopes),
      };
    }
    grant.spent = true;
    return { status: 200, json: this.#issueUserToken(app, grant.userId, grant.scopes) };
  }

  #clientCredentials(app: FakeApp, form: Form): Answer {
    const scopes = splitScopes(form['scope']);
    const accessToken = randomToken(30);
    this.#accessTokens.set(accessToken, {
      clientId: app.clientId,
      userId: undefined,
      scopes,
      expiresAt: this.#now() + this.#lifetimes.appTokenSeconds * 1000,
      refreshToken: undefined,
      revoked: false,
    });
    const body: Record<string, unknown> = {
      access_token: accessToken,
      expires_in: this.#lifetimes.appTokenSeconds,
      token_type: 'bearer',
    };
    if (scopes.length > 0) body['scope'] = scopes;
    return { status: 200, json: body };
  }

  /** Issues a user token as Twitch does after a login: public clients get one-time refresh tokens. */
  #issueUserToken(app: FakeApp, userId: string, scopes: readonly string[]): Record<string, unknown> {
    const refreshToken = randomToken(50);
    const grant: RefreshGrant = {
      clientId: app.clientId,
      userId,
      scopes,
      oneTime: app.clientSecret === undefined,
      accessTokens: [],
      spent: false,
      revoked: false,
    };
    this.#refreshTokens.set(refreshToken, grant);
    const accessToken = this.#issueAccessToken(app.clientId, userId, scopes, refreshToken);
    grant.accessTokens.push(accessToken);
    return tokenBody(accessToken, refreshToken, this.#lifetimes.userTokenSeconds, scopes);
  }

  #issueAccessToken(clientId: string, userId: string, scopes: readonly string[], refreshToken: string): string {
    const accessToken = randomToken(30);
    this.#accessTokens.set(accessToken, {
      clientId,
      userId,
      scopes,
      expiresAt: this.#now() + this.#lifetimes.userTokenSeconds * 1000,
      refreshToken,
      revoked: false,
    });
    return accessToken;
  }

  #limitAccessTokens(grant: RefreshGrant, accessToken: string): void {
    grant.accessTokens.push(accessToken);
    while (grant.accessTokens.length > MAX_ACCESS_TOKENS_PER_REFRESH_TOKEN) {
      const oldest = grant.accessTokens.shift();
      // Forgotten, not just marked: a long benchmark must not grow the fake's memory.
      if (oldest !== undefined) this.#accessTokens.delete(oldest);
    }
  }

  /**
   * Mints a user token directly, as if the user had logged in, for tests that start with a token.
   * Returns Twitch's token body.
   */
  mintUserToken(clientId: string, userId: string, scopes: readonly string[]): Record<string, unknown> {
    const app = this.apps.get(clientId);
    if (app === undefined) throw new TypeError(`No app with client id ${clientId} is registered with the fake.`);
    if (!this.users.has(userId)) throw new TypeError(`No user with id ${userId} is registered with the fake.`);
    return this.#issueUserToken(app, userId, scopes);
  }

  /**
   * The twitch CLI mock API's `user_token` grant (`POST /authorize?grant_type=user_token&…`): a
   * user token without a browser, with the mock's body (an empty `refresh_token`). Checked in the
   * mock's order: a missing field, a scope outside the mock's list (`chat:read` is one), the client
   * id and secret, the user.
   */
  mockUserToken(query: Form): Answer {
    const missing = ['client_id', 'client_secret', 'user_id'].some((name) => (query[name] ?? '') === '');
    if (missing || query['grant_type'] !== 'user_token')
      return { status: 400, json: { error: 'Bad Request', status: 400, message: 'missing required parameter' } };
    if (splitScopes(query['scope']).some((scope) => !MOCK_API_USER_SCOPES.has(scope)))
      return { status: 400, json: { error: 'Bad Request', status: 400, message: 'Invalid scopes requested' } };
    const app = this.apps.get(query['client_id'] ?? '');
    if (app?.clientSecret === undefined || app.clientSecret !== query['client_secret']) {
      return { status: 400, json: { error: 'Bad Request', status: 400, message: 'Client ID/Secret invalid' } };
    }
    const userId = query['user_id'] ?? '';
    if (!this.users.has(userId))
      return { status: 400, json: { error: 'Bad Request', status: 400, message: 'User ID invalid' } };
    const scopes = splitScopes(query['scope']);
    const accessToken = randomToken(30);
    const lifetimeSeconds = 24 * 60 * 60;
    this.#accessTokens.set(accessToken, {
      clientId: app.clientId,
      userId,
      scopes,
      expiresAt: this.#now() + lifetimeSeconds * 1000,
      refreshToken: undefined,
      revoked: false,
    });
    return {
      status: 200,
      json: {
        access_token: accessToken,
        refresh_token: '',
        expires_in: lifetimeSeconds - 1,
        scope: scopes,
        token_type: 'bearer',
      },
    };
  }

  /** Marks an access token as expired now, keeping its refresh token valid. */
  expireAccessToken(accessToken: string): void {
    const grant = this.#accessTokens.get(accessToken);
    if (grant !== undefined) this.#accessTokens.set(accessToken, { ...grant, expiresAt: this.#now() });
  }

  /** Revokes a refresh token, as when the user disconnects the app. */
  revokeRefreshToken(refreshToken: string): void {
    const grant = this.#refreshTokens.get(refreshToken);
    if (grant !== undefined) grant.revoked = true;
  }

  // ---- GET /validate, POST /revoke, GET /userinfo ------------------------------------------------

  /** `GET /validate`. */
  validate(authorization: string | undefined): Answer {
    const token = bearerToken(authorization, ['oauth', 'bearer']);
    if (token === undefined) return twitchError(TWITCH_ERRORS.missingToken);
    const grant = this.#liveAccessToken(token);
    if (grant === undefined) return twitchError(TWITCH_ERRORS.invalidToken);
    const expiresIn = Math.max(0, Math.floor((grant.expiresAt - this.#now()) / 1000));
    const user = grant.userId === undefined ? undefined : this.users.get(grant.userId);
    return {
      status: 200,
      json:
        user === undefined
          ? { client_id: grant.clientId, scopes: grant.scopes, expires_in: expiresIn }
          : {
              client_id: grant.clientId,
              login: user.login,
              scopes: grant.scopes,
              user_id: user.id,
              expires_in: expiresIn,
            },
    };
  }

  /** `POST /revoke`: revoking an access token ends its refresh token too. */
  revoke(form: Form): Answer {
    if (!this.apps.has(form['client_id'] ?? '')) return twitchError(TWITCH_ERRORS.unknownClient);
    const grant = this.#accessTokens.get(form['token'] ?? '');
    if (grant === undefined || grant.revoked || grant.clientId !== form['client_id']) {
      return twitchError(TWITCH_ERRORS.revokeInvalid);
    }
    grant.revoked = true;
    if (grant.refreshToken !== undefined) this.revokeRefreshToken(grant.refreshToken);
    return { status: 200, empty: true };
  }

  /** `GET /userinfo`: OIDC claims; the token needs the `openid` scope. */
  userInfo(authorization: string | undefined, issuer: string): Answer {
    const token = bearerToken(authorization, ['bearer']);
    const grant = token === undefined ? undefined : this.#liveAccessToken(token);
    const user = grant?.userId === undefined ? undefined : this.users.get(grant.userId);
    if (grant === undefined || user === undefined) return twitchError(TWITCH_ERRORS.invalidToken);
    if (!grant.scopes.includes('openid'))
      return { status: 401, json: { status: 401, message: 'missing scope: openid' } };
    const now = Math.floor(this.#now() / 1000);
    const claims: Record<string, unknown> = {
      aud: grant.clientId,
      exp: now + 900,
      iat: now,
      iss: issuer,
      sub: user.id,
      preferred_username: user.login,
      picture: `https://static-cdn.jtvnw.net/user-default-pictures-uv/${user.id}-profile_image-300x300.png`,
      updated_at: '2024-01-01T00:00:00Z',
    };
    if (grant.scopes.includes('user:read:email') && user.email !== undefined) {
      claims['email'] = user.email;
      claims['email_verified'] = true;
    }
    return { status: 200, json: claims };
  }

  #liveAccessToken(token: string): AccessGrant | undefined {
    const grant = this.#accessTokens.get(token);
    return grant === undefined || grant.revoked || grant.expiresAt <= this.#now() ? undefined : grant;
  }

  // ---- Device code flow ----------------------------------------------------------------------------

  /** `POST /device`: starts a device authorization. */
  device(form: Form, activationUrl: string): Answer {
    const app = this.apps.get(form['client_id'] ?? '');
    if (app === undefined) return twitchError(TWITCH_ERRORS.invalidClient);
    const deviceCode = randomToken(40);
    const userCode = Array.from({ length: 8 }, () => 'ABCDEFGHJKLMNPQRSTUVWXYZ'[randomInt(24)]).join('');
    const { deviceCodeSeconds, deviceIntervalSeconds } = this.#lifetimes;
    this.#devices.set(deviceCode, {
      clientId: app.clientId,
      scopes: splitScopes(form['scopes']),
      userCode,
      expiresAt: this.#now() + deviceCodeSeconds * 1000,
      intervalMs: deviceIntervalSeconds * 1000,
      lastPollAt: undefined,
      decision: undefined,
    });
    return {
      status: 200,
      json: {
        device_code: deviceCode,
        expires_in: deviceCodeSeconds,
        interval: deviceIntervalSeconds,
        user_code: userCode,
        verification_uri: `${activationUrl}?device-code=${userCode}`,
      },
    };
  }

  #deviceToken(app: FakeApp, form: Form): Answer {
    if (app.clientSecret !== undefined && form['client_secret'] !== app.clientSecret) {
      return twitchError(TWITCH_ERRORS.invalidSecret);
    }
    const deviceCode = form['device_code'] ?? '';
    const grant = this.#devices.get(deviceCode);
    const now = this.#now();
    if (grant?.clientId !== app.clientId || grant.expiresAt <= now) {
      return twitchError(TWITCH_ERRORS.invalidDevice);
    }
    const tooSoon = grant.lastPollAt !== undefined && now - grant.lastPollAt < grant.intervalMs;
    grant.lastPollAt = now;
    if (tooSoon) {
      // RFC 8628 §3.5: the client must add 5 s to its interval from now on.
      grant.intervalMs += 5000;
      return twitchError(TWITCH_ERRORS.slowDown);
    }
    if (grant.decision === undefined) return twitchError(TWITCH_ERRORS.pending);
    this.#devices.delete(deviceCode);
    if (!grant.decision.approved) return twitchError(TWITCH_ERRORS.denied);
    return { status: 200, json: this.#issueUserToken(app, grant.decision.userId, grant.scopes) };
  }

  /** Approves or denies a pending device authorization by its user code; `false` if there is none. */
  decideDevice(userCode: string, approved: boolean, userId: string = this.loggedInUserId): boolean {
    for (const grant of this.#devices.values()) {
      if (grant.userCode === userCode.toUpperCase() && grant.decision === undefined && grant.expiresAt > this.#now()) {
        grant.decision = approved ? { approved: true, userId } : { approved: false };
        return true;
      }
    }
    return false;
  }

  /** The activation page behind `verification_uri`. */
  activation(userCode: string, action: string): Answer {
    return { status: 200, html: activationPage({ userCode, login: this.#loggedInUser().login, action }) };
  }

  /** The activation page's form. */
  decideActivation(form: Form): Answer {
    const approved = form['decision'] === 'approve';
    if (!this.decideDevice(form['user_code'] ?? '', approved)) {
      return { status: 400, html: messagePage('Code not found', 'This code is unknown, expired or already used.') };
    }
    return {
      status: 200,
      html: approved
        ? messagePage('Device activated', 'You can go back to your device.')
        : messagePage('Activation cancelled', 'The device was not given access.'),
    };
  }

  #loggedInUser(): FakeUser {
    const user = this.users.get(this.loggedInUserId);
    if (user === undefined)
      throw new TypeError(`The logged-in user ${this.loggedInUserId} is not registered with the fake.`);
    return user;
  }
}

function tokenBody(
  accessToken: string,
  refreshToken: string,
  expiresIn: number,
  scopes: readonly string[],
): Record<string, unknown> {
  return {
    access_token: accessToken,
    expires_in: expiresIn,
    refresh_token: refreshToken,
    scope: scopes,
    token_type: 'bearer',
  };
}

function splitScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(' ').filter(Boolean);
}

/** The token of an `Authorization: <scheme> <token>` header, if the scheme is one of `schemes`. */
function bearerToken(header: string | undefined, schemes: readonly string[]): string | undefined {
  const match = /^(\S+)\s+(\S+)$/.exec(header?.trim() ?? '');
  if (match === null) return undefined;
  const [, scheme = '', token] = match;
  return schemes.includes(scheme.toLowerCase()) ? token : undefined;
}

/** A 302 to `uri` with `params` added to its query, as Twitch's redirects are built. */
function redirectTo(uri: string, params: Readonly<Record<string, string>>): Answer {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value);
  // new URL() adds a "/" to a bare origin; Twitch redirects to the URI exactly as registered.
  const base = uri.includes('?') ? uri.slice(0, uri.indexOf('?')) : uri.replace(/#.*$/, '');
  return { status: 302, location: `${base}?${url.searchParams.toString()}` };
}
