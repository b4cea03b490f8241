import { z } from 'zod';
import { lifetimeField } from './fields.js';

/**
 * `GET /validate` answer:
 * `{"client_id":"…","login":"twitchdev","scopes":["chat:read"],"user_id":"141981764","expires_in":5520838}`.
 * `login` and `user_id` are absent or null for app tokens.
 */
export const validateResponseSchema = z.object({
  client_id: z.string(),
  login: z.string().nullish(),
  user_id: z.string().nullish(),
  scopes: z.array(z.string()).nullish(),
  /** Clamped to 0 … `MAX_EXPIRES_IN_SECONDS`: a negative value must not end up in a stored token. */
  expires_in: lifetimeField,
});

/** The validation answer as it arrives (snake_case wire type). */
export type ValidateResponse = z.output<typeof validateResponseSchema>;
