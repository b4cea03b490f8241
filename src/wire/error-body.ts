import { z } from 'zod';
import type { ParsedBody } from '../http/parse-body.js';

/**
 * Twitch's error body: `{"status":400,"message":"Invalid refresh token"}`, sometimes with
 * `"error":"Bad Request"`. Only `message` is used; a long one is not a message from Twitch.
 */
const errorBodySchema = z.object({ message: z.string().max(200) });

/** Twitch's error body as it arrives (snake_case wire type). */
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Twitch's `message` from an error answer, or `undefined` when the body has none (empty, HTML, other JSON). */
export function twitchMessageOf(body: ParsedBody): string | undefined {
  if (body.kind !== 'json') return undefined;
  const parsed = errorBodySchema.safeParse(body.value);
  return parsed.success ? parsed.data.message : undefined;
}
