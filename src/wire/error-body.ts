import { z } from 'zod';
import type { ParsedBody } from '../http/parse-body.js';

/**
 * Twitch's error body: `{"status":400,"message":"Invalid refresh token"}`, sometimes with
 * `"error":"Bad Request"`. Only `message` is used; a long one is not a message from Twitch.
 */
const errorBodySchema = z.object({ message: z.string().max(200) });

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

/** Twitch's `message` from an error answer, or `undefined` when the body has none (empty, HTML, other JSON). */
export function twitchMessageOf(body: ParsedBody): string | undefined {
  if (body.kind !== 'json') return undefined;
  const parsed = errorBodySchema.safeParse(body.value);
  return parsed.success ? parsed.data.message : undefined;
}
