import { inspect } from 'node:util';

/**
 * Takes the secrets a call sent out of texts that came back: an answer's message, a failure's
 * `cause`. A server (or a fetch wrapper) that quotes the request in its errors would otherwise put
 * the client secret on a log. @internal
 */
export interface Redact {
  /** The text with every sent secret replaced by `[redacted]`. */
  (text: string): string;
  /** The error, or a copy of it (message, stack, code and causes) with every sent secret replaced. */
  cause(error: unknown): unknown;
}

/** The form and query fields that carry secrets; `client_id`, `grant_type`, `scope` do not. */
const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'client_secret',
  'code',
  'refresh_token',
  'token',
  'access_token',
  'device_code',
]);

/**
 * Shorter values are not searched for: Twitch's secrets and tokens have 30 characters or more, and
 * replacing a short word would mangle a message without protecting anything.
 */
const MIN_SECRET_LENGTH = 8;

/** What a call sends that may hold a secret. @internal */
export interface SentValues {
  readonly form?: Readonly<Record<string, string | undefined>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly authorization?: string;
}

/**
 * The redactor for what a call sends. Its list of secrets is built on first use: most calls
 * succeed and never need it. @internal
 */
export function redactorFor(call: SentValues): Redact {
  let secrets: readonly string[] | undefined;
  const ordered = (): readonly string[] => (secrets ??= secretsOf(call));
  const redact = (text: string): string => {
    let result = text;
    for (const secret of ordered()) if (result.includes(secret)) result = result.split(secret).join('[redacted]');
    return result;
  };
  return Object.assign(redact, {
    cause(error: unknown): unknown {
      if (ordered().length === 0 || error === undefined) return error;
      const shown = inspect(error, { depth: 8, showHidden: true, breakLength: Infinity });
      if (!ordered().some((secret) => shown.includes(secret))) return error;
      return redactedCopy(error, redact, 0);
    },
  });
}

/** The secret values a call sends, as sent and URL-encoded, longest first. */
function secretsOf(call: SentValues): string[] {
  const secrets = new Set<string>();
  const add = (value: string | undefined): void => {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) return;
    // As sent, and as a server might quote it back: URL-encoded either way.
    secrets.add(value);
    secrets.add(encodeURIComponent(value));
    secrets.add(new URLSearchParams({ v: value }).toString().slice(2));
  };
  for (const fields of [call.form, call.query]) {
    if (fields === undefined) continue;
    for (const [name, value] of Object.entries(fields)) if (SECRET_FIELDS.has(name)) add(value);
  }
  if (call.authorization !== undefined) add(call.authorization.replace(/^\S+\s+/, ''));
  // Longest first, so that a secret containing another is replaced whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** A copy of an error with the secrets replaced, keeping what helps debugging: name, code, causes. */
function redactedCopy(error: unknown, redact: (text: string) => string, depth: number): unknown {
  if (!(error instanceof Error)) return redact(inspect(error, { depth: 2, breakLength: Infinity }));
  const cause: unknown =
    depth < 5 && error.cause !== undefined ? redactedCopy(error.cause, redact, depth + 1) : undefined;
  const copy = new Error(redact(error.message), cause === undefined ? undefined : { cause });
  copy.name = error.name;
  copy.stack = redact(error.stack ?? '');
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
