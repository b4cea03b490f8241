// Everything that needs zod, loaded together on the first call that reads a body (see load-wire.ts).
export { decodeReply } from './decode.js';
export { errorCodesOf, twitchMessageOf } from './error-body.js';
export {
  accessTokenResponseSchema,
  refreshTokenResponseSchema,
  toAccessToken,
  toUserToken,
  userTokenResponseSchema,
} from './token-response.js';
export { validateResponseSchema } from './validate-response.js';
export { userInfoResponseSchema } from './user-info-response.js';
export { deviceResponseSchema } from './device-response.js';
