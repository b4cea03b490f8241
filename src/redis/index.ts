/**
 * `twitchapi-oauth/redis`: a token store shared by every process acting as the same Twitch
 * account, with a cluster-wide single-flight refresh. Needs `ioredis` (an optional peer
 * dependency: install it yourself).
 *
 * @packageDocumentation
 * @module twitchapi-oauth/redis
 */

export { RedisTokenStore, type RedisTokenStoreOptions } from './redis-token-store.js';
export { TokenStoreUnavailableError } from '../errors/token-store-unavailable-error.js';
