import { z } from 'zod';
import { clampExpiresIn } from '../tokens/lifetime.js';
import { hasTokenCharacters, isSendable } from '../tokens/token-text.js';

/**
 * A lifetime in seconds: any number JSON can carry (`1e999` reads as `Infinity`), clamped to
 * 0 … `MAX_EXPIRES_IN_SECONDS`. A token is never refused over its lifetime: a negative one counts as
 * expired, an absurd one as the maximum.
 */
export const lifetimeField = z
  .custom<number>((value) => typeof value === 'number' && !Number.isNaN(value), {
    message: 'expected a number of seconds',
  })
  .transform(clampExpiresIn);

/** A token Twitch issued: visible ASCII, as all of Twitch's tokens are. */
export const tokenField = z.string().min(1).refine(hasTokenCharacters, {
  message:
    'contains characters no Twitch token has (spaces, line breaks, control or non-ASCII characters), so it was not accepted',
});

/**
 * A token in an answer that spent a refresh token: accepted unless it could not be sent at all
 * (line breaks, control characters, spaces, characters above U+00FF), since refusing the answer
 * loses the refresh token that was spent for it.
 */
export const sendableTokenField = z.string().min(1).refine(isSendable, {
  message:
    'contains characters that cannot be sent back to Twitch (line breaks, control characters, spaces or characters above U+00FF), so it was not accepted',
});
