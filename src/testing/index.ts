/**
 * `twitchapi-oauth/testing`: a fake Twitch identity service for your tests and for developing a
 * bot offline. It speaks Twitch's exact bodies, records every request, and injects faults.
 *
 * @example
 * ```ts
 * import { startFakeTwitch, DEMO_APP } from 'twitchapi-oauth/testing';
 *
 * const fake = await startFakeTwitch();
 * const { refreshToken } = fake.issueUserToken({ scopes: ['chat:read'] });
 * const token = await refreshAccessToken(refreshToken, DEMO_APP.clientId, DEMO_APP.clientSecret, {
 *   authBaseUrl: fake.authBaseUrl,
 * });
 * await fake.close();
 * ```
 *
 * @packageDocumentation
 * @module twitchapi-oauth/testing
 */

export { startFakeTwitch, FakeTwitch, type FakeTwitchOptions } from './fake-twitch.js';
export { FakeIdentity, type Answer, type Form, type Lifetimes } from './identity.js';
export { ManualClock } from './manual-clock.js';
export {
  DEMO_APP,
  DEMO_PUBLIC_APP,
  DEMO_USER,
  FAULT_BODIES,
  type AuthorizeMode,
  type FakeApp,
  type FakeFault,
  type FakeUser,
  type RecordedRequest,
} from './model.js';
