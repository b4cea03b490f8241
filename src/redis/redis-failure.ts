import { TokenStoreError } from '../errors/token-store-error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable-error.js';

/** Node's codes for a TLS certificate it refused (the chain, the host name, the dates). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What a failure of Redis (or of the connection to it) means for the store. @internal */
export type RedisFailureKind = 'credentials' | 'acl' | 'tls' | 'unsupported' | 'wrong-type' | 'unavailable';

/**
 * A failure's kind and a message safe to show. ioredis attaches the command to its errors
 * (`command.args`: a token's JSON, a password in `HELLO … AUTH`), so nothing of the original
 * error is kept but its first line and its code. @internal
 */
export interface RedisFailure {
  readonly kind: RedisFailureKind;
  /** The first line of the error's message, without any of the values the store sent. */
  readonly text: string;
  /** Node's or Redis's code, e.g. `ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `NOPERM`. */
  readonly code: string | undefined;
}

/** Reads what went wrong, keeping only what is safe to show. @internal */
export function readFailure(error: unknown, sentValues: readonly string[] = []): RedisFailure {
  const message = error instanceof Error ? error.message : String(error);
  let text = (message.split('\n')[0] ?? '').slice(0, 300);
  for (const value of sentValues) if (value.length >= 8) text = text.split(value).join('[redacted]');
  const rawCode = (error as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' ? rawCode : /^([A-Z][A-Z_]+)\b/.exec(text)?.[1];
  return { kind: kindOf(text, code), text, code };
}

function kindOf(text: string, code: string | undefined): RedisFailureKind {
  if (code !== undefined && CERTIFICATE_CODES.has(code)) return 'tls';
  if (/^(WRONGPASS|NOAUTH)\b/.test(text) || /invalid (username-)?password/i.test(text)) return 'credentials';
  if (/^NOPERM\b/.test(text) || /can't (run|access)|no permissions/i.test(text)) return 'acl';
  if (/^ERR unknown command|^CROSSSLOT\b/.test(text)) return 'unsupported';
  if (/^WRONGTYPE\b/.test(text)) return 'wrong-type';
  return 'unavailable';
}

/** Whether no retry can cure the failure: the set-up must change. @internal */
export function isConfigFailure(failure: RedisFailure): boolean {
  return (
    failure.kind === 'credentials' || failure.kind === 'acl' || failure.kind === 'tls' || failure.kind === 'unsupported'
  );
}

/**
 * A plain error standing in for the original as `cause`: its name, code and safe first line, no
 * command, no arguments.
 */
function safeCause(failure: RedisFailure): Error {
  const cause = new Error(failure.text);
  if (failure.code !== undefined) Object.defineProperty(cause, 'code', { value: failure.code, enumerable: true });
  return cause;
}

/**
 * The commands the store's Redis user needs: the connection's (HELLO, AUTH, CLIENT SETNAME…),
 * ioredis's ready check (INFO), the store's own and those its scripts run. @internal
 */
export const ACL_COMMANDS =
  '+@connection +info +eval +get +set +hget +hmget +hset +pexpire +del +publish +scan +psubscribe +punsubscribe +wait';

/** Where the store's Redis settings are explained, for messages. */
const SEE_README = 'See the README section "RedisTokenStore: Redis set-ups".';

/**
 * The error the store raises for a failure: a permanent {@link TokenStoreError} (`reason:
 * 'config'`) that says what to fix when no retry can help, a `corrupt` one for a foreign value,
 * else a transient {@link TokenStoreUnavailableError}. `what` names the step, e.g. `writing
 * twitchapi-oauth:{bot}:token`. @internal
 */
export function storeErrorOf(
  failure: RedisFailure,
  context: { readonly what: string; readonly path: string; readonly prefix: string },
): TokenStoreError | TokenStoreUnavailableError {
  const cause = safeCause(failure);
  const said = `Redis said: ${failure.text}`;
  switch (failure.kind) {
    case 'credentials':
      return new TokenStoreError(
        { path: context.path, reason: 'config', cause },
        `Redis refused the client's credentials while ${context.what} (${said}). Give ioredis the right ` +
          'username and password (e.g. REDIS_URL=redis://user:password@host:6379, or the username/password ' +
          `options); the store cannot work until then. ${SEE_README}`,
      );
    case 'acl':
      return new TokenStoreError(
        { path: context.path, reason: 'config', cause },
        `Redis's ACL refused the store while ${context.what} (${said}). The store's Redis user needs the keys ` +
          `~${context.prefix}*, the channels &${context.prefix}* and the commands listed under "ACL permissions", ` +
          `e.g. ACL SETUSER <user> ~${context.prefix}* &${context.prefix}* ${ACL_COMMANDS} (and +cluster|slots ` +
          `+cluster|info on a cluster). ${SEE_README}`,
      );
    case 'tls':
      return new TokenStoreError(
        { path: context.path, reason: 'config', cause },
        `Redis's TLS certificate was refused while ${context.what} (${failure.code ?? 'certificate error'}: ` +
          `${failure.text}). Give ioredis the CA that signed it (tls: { ca: readFileSync('ca.pem') }) and connect ` +
          `by a host name the certificate names (tls: { servername }). ${SEE_README}`,
      );
    case 'unsupported':
      return new TokenStoreError(
        { path: context.path, reason: 'config', cause },
        `This Redis cannot run what the store needs while ${context.what} (${said}). The store needs Redis 6.2 or ` +
          `later (or Valkey) with Lua scripting (EVAL) and, with the replicas option, WAIT; a proxy in between ` +
          `must keep each token's keys (one hash tag) on one node. ${SEE_README}`,
      );
    case 'wrong-type':
      return new TokenStoreError(
        { path: context.path, reason: 'corrupt', cause },
        `The Redis key ${context.path} holds something that is not a token of twitchapi-oauth (${said}). Delete ` +
          `the key (the user then logs in again), or give the store another keyPrefix.`,
      );
    case 'unavailable':
      return new TokenStoreUnavailableError(
        `Redis failed while ${context.what} (${said}): the token is kept as it is and the store is tried again.`,
        cause,
      );
  }
}
