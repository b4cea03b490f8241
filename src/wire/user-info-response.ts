import { z } from 'zod';

/**
 * `GET /userinfo` answer: OIDC claims. Only `sub` is certain; the others depend on the scopes and
 * the claims requested. Unknown claims are kept.
 */
export const userInfoResponseSchema = z.looseObject({
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  iss: z.string().optional(),
  exp: z.number().optional(),
  iat: z.number().optional(),
  preferred_username: z.string().optional(),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  picture: z.string().optional(),
  updated_at: z.string().optional(),
});

/** The user info answer as it arrives (snake_case wire type). */
export type UserInfoResponse = z.output<typeof userInfoResponseSchema>;
