/**
 * `twitchapi-oauth/redis`: a token store shared by every process acting as the same Twitch
 * accounts, on standalone Redis, Sentinel or Redis Cluster (Valkey too). Needs `ioredis` (an
 * optional peer dependency: install it yourself).
 *
 * @packageDocumentation
 * @module twitchapi-oauth/redis
 */

export { RedisTokenStore } from './redis-token-store.js';
export type { RedisTokenStoreOptions, ReplicaAcknowledgement } from './redis-token-store-options.js';
export { TokenStoreError } from '../errors/token-store-error.js';
export { TokenStoreUnavailableError } from '../errors/token-store-unavailable-error.js';
