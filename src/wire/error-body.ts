import { z } from 'zod';
import type { ParsedBody } from '../http/parse-body.js';

/**
 * Twitch's error body: `{"status":400,"message":"Invalid refresh token"}`, sometimes with
 * `"error":"Bad Request"`. Only `message` is used.
 */
const errorBodySchema = z.object({ message: z.string() });

/** Twitch's messages are a few words; a longer one is cut here, with `…`. */
const MAX_MESSAGE_LENGTH = 200;

/** Twitch's error body as it arrives (snake_case wire type). */
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** An error body's codes: Twitch's `message`, and RFC 8628's `error` where a server uses it. */
const errorCodesSchema = z.object({ message: z.string().max(200).optional(), error: z.string().max(200).optional() });

/**
 * The codes an error answer carries, `message` first: Twitch's device flow says
 * `{"status":400,"message":"authorization_pending"}`, RFC 8628 says `{"error":"authorization_pending"}`.
 */
export function errorCodesOf(body: ParsedBody): string[] {
  if (body.kind !== 'json') return [];
  const parsed = errorCodesSchema.safeParse(body.value);
  if (!parsed.success) return [];
  return [parsed.data.message, parsed.data.error].filter((code) => code !== undefined);
}

/**
 * Twitch's `message` from an error answer, or `undefined` when the body has none (empty, HTML,
 * other JSON), made safe to quote: every secret the call sent is replaced by `[redacted]` (a server
 * may quote the request back), control characters become spaces (no terminal escapes on stderr),
 * and it is cut to 200 characters.
 */
export function twitchMessageOf(body: ParsedBody, redact: (text: string) => string): string | undefined {
  if (body.kind !== 'json') return undefined;
  const parsed = errorBodySchema.safeParse(body.value);
  if (!parsed.success) return undefined;
  // eslint-disable-next-line no-control-regex
  const message = redact(parsed.data.message).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}
