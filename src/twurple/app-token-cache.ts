import { getAppAccessToken } from '../helpers/get-app-access-token.js';
import type { HttpOptions } from '../http/options.js';
import type { AccessToken } from '../tokens/access-token.js';

/** A cached app token is replaced this long before it expires. */
const APP_TOKEN_MARGIN_MS = 300_000;

/**
 * The app access token (client credentials), fetched once and reused until shortly before it
 * expires. One fetch at a time, joined by every caller.
 */
export class AppTokenCache {
  readonly #appId: string;
  readonly #appSecret: string;
  readonly #http: HttpOptions;
  #token: AccessToken | undefined;
  /** The token last given out for use: the one a later 401 is most likely about. */
  #handedOut: string | undefined;
  #fetching: Promise<AccessToken> | undefined;

  constructor(appId: string, appSecret: string, http: HttpOptions) {
    this.#appId = appId;
    this.#appSecret = appSecret;
    this.#http = http;
  }

  /**
   * The cached token while it is fresh, else a new one.
   *
   * @param forceNew - After Helix refused the token: fetch a new one, unless the cache has already
   * replaced the token it last gave out (many calls refused with one token cause one fetch).
   */
  async get(forceNew = false): Promise<AccessToken> {
    const token = this.#token;
    if (token !== undefined && !token.isExpired(APP_TOKEN_MARGIN_MS)) {
      if (!forceNew) {
        this.#handedOut = token.accessToken;
        return token;
      }
      if (token.accessToken !== this.#handedOut) return token;
    }
    this.#fetching ??= getAppAccessToken(this.#appId, this.#appSecret, [], this.#http)
      .then((fresh) => {
        this.#token = fresh;
        return fresh;
      })
      .finally(() => {
        this.#fetching = undefined;
      });
    const fresh = await this.#fetching;
    if (!forceNew) this.#handedOut = fresh.accessToken;
    return fresh;
  }
}
