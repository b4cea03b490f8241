/** An application registered with the fake, as in Twitch's developer console. */
export interface FakeApp {
  /** The client id. */
  readonly clientId: string;
  /** The client secret; leave it out for a public client (device code flow only). */
  readonly clientSecret?: string | undefined;
  /** The OAuth redirect URLs registered for the app; Twitch compares them exactly. */
  readonly redirectUris: readonly string[];
  /** Shown on the consent page. Default: the client id. */
  readonly name?: string | undefined;
}

/** A Twitch user of the fake. */
export interface FakeUser {
  /** The user id, e.g. `141981764`. */
  readonly id: string;
  /** The login name. */
  readonly login: string;
  /** The email, shown with `user:read:email`. */
  readonly email?: string | undefined;
}

/** A confidential demo app registered for the default redirect URL `http://localhost:17563`. */
export const DEMO_APP: FakeApp = Object.freeze({
  clientId: 'hof5gwx0su6owfnys0yan9c87zr6t',
  clientSecret: '41vpdji4e9gif29md0ouet6fktd2',
  redirectUris: Object.freeze(['http://localhost:17563']),
  name: 'Demo Bot',
});

/** A public demo app (no secret): device code flow only, one-time refresh tokens. */
export const DEMO_PUBLIC_APP: FakeApp = Object.freeze({
  clientId: 'ijwm1hd6mc3rr3bxm9m6ldzaec7y',
  redirectUris: Object.freeze(['http://localhost:17563']),
  name: 'Demo Public Client',
});

/** The demo user who logs in by default. */
export const DEMO_USER: FakeUser = Object.freeze({
  id: '141981764',
  login: 'twitchdev',
  email: 'twitchdev@example.com',
});

/** One request the fake received, for assertions. */
export interface RecordedRequest {
  /** `GET`, `POST`, … */
  readonly method: string;
  /** The endpoint below the base path (`/oauth2` or `/auth`), e.g. `/token`; outside them (a 404), the whole path. */
  readonly endpoint: string;
  /** The request target as received, path and query string. */
  readonly url: string;
  /** The query parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The form fields of an `application/x-www-form-urlencoded` body. */
  readonly form: Readonly<Record<string, string>>;
  /** The raw body. */
  readonly body: string;
  /**
   * Which connection carried it, numbered from 1 in the order they opened. `clearRecords()` does
   * not renumber, so two connections never share a number.
   */
  readonly connection: number;
  /** When it arrived, by the fake's clock. */
  readonly receivedAt: number;
}

/**
 * A fault to inject: every matching request, up to `times`, gets it instead of the normal answer
 * (a pure `delayMs` comes before the normal answer; pure `headers` are added to it).
 */
export interface FakeFault {
  /** Which endpoint it applies to, e.g. `/token`. Default: every endpoint. */
  readonly endpoint?: string;
  /** Which method it applies to. Default: any. */
  readonly method?: 'GET' | 'POST';
  /** Answer with this status. With no `body`, the body is Twitch's `{"status":…,"message":…}`. */
  readonly status?: number;
  /** Answer with this raw body; see {@link FAULT_BODIES} for the usual broken ones. */
  readonly body?: string;
  /** Extra response headers, e.g. `{ 'retry-after': '1' }`. Alone, they are added to the normal answer. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long first. Alone, the normal answer follows the wait. */
  readonly delayMs?: number;
  /** Destroy the connection without answering, before processing the request. */
  readonly reset?: boolean;
  /**
   * Process the request (spending a code or one-time refresh token), then destroy the connection
   * without answering: the answer is lost on the way back.
   */
  readonly dropAnswer?: boolean;
  /** Send the answer one byte every `dripMs` milliseconds (a server that never goes quite silent). */
  readonly dripMs?: number;
  /** Send a 2 MiB body, larger than any answer Twitch sends. */
  readonly oversizeBody?: boolean;
  /** How many matching requests get the fault. Default: 1. `Infinity` for all. */
  readonly times?: number;
}

/** Broken bodies seen from id.twitch.tv and the proxies in front of it. */
export const FAULT_BODIES = Object.freeze({
  /** No body at all. */
  empty: '',
  /** A proxy's 502 page. */
  html: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
  /** JSON cut short. */
  malformed: '{"access_token":"x","expires_in":',
});

/** How the fake's `/authorize` decides, like a user at Twitch's consent page. */
export type AuthorizeMode =
  /** Show the consent page when `force_verify=true`; otherwise approve at once, as Twitch does for a returning user. */
  | 'auto'
  /** Approve at once (redirect with a code). */
  | 'approve'
  /** Deny at once (redirect with `error=access_denied`). */
  | 'deny'
  /** Always show the consent page with Authorize and Cancel buttons. */
  | 'consent';
