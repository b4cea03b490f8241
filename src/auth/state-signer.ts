import type * as NodeCrypto from 'node:crypto';

/** How long a server-mode state is valid after `returnAuthUrl()` issued it. */
export const STATE_LIFETIME_MS = 15 * 60 * 1000;
/** The shortest `stateSecret` accepted, in bytes. */
export const MIN_STATE_SECRET_BYTES = 32;

const VERSION = 1;
const NONCE_BYTES = 16;
const MAC_BYTES = 32;
/** version (1) + expiry in epoch ms (6) + nonce (16). */
const PAYLOAD_BYTES = 1 + 6 + NONCE_BYTES;
const STATE_BYTES = PAYLOAD_BYTES + MAC_BYTES;

/** What a received state turned out to be. */
export type StateReading =
  | { readonly kind: 'valid'; readonly nonce: string; readonly expiresAt: number }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'expired' };

/**
 * node:crypto, fetched on first use so that importing the library does not load it. Synchronously:
 * `returnAuthUrl()` is synchronous, as in the original.
 */
function nodeCrypto(): typeof NodeCrypto {
  return process.getBuiltinModule('node:crypto');
}

let processKey: NodeCrypto.KeyObject | undefined;

/** The key of servers that set no `stateSecret`: random, made once per process. */
function randomProcessKey(): NodeCrypto.KeyObject {
  processKey ??= nodeCrypto().createSecretKey(nodeCrypto().randomBytes(32));
  return processKey;
}

/**
 * Issues and checks self-verifying server-mode states: `base64url(version, expiry, nonce, HMAC)`,
 * the HMAC-SHA256 keyed with the secret and covering the app's client id and redirect URI too.
 * Nothing is stored per issued state, so no visitor can push another's pending login out, and any
 * replica holding the same secret can check a state another one issued.
 */
export class StateSigner {
  /** `undefined`: the random per-process secret, made on first use. */
  readonly #secret: Buffer | undefined;
  #key: NodeCrypto.KeyObject | undefined;
  /** What the HMAC covers besides the payload: the state is good for this app and redirect URI only. */
  readonly #context: string;

  constructor(secret: Buffer | undefined, clientId: string, redirectUri: string) {
    this.#secret = secret;
    this.#context = `twitchapi-oauth state v1 ${JSON.stringify([clientId, redirectUri])}`;
  }

  /** A fresh state, valid for {@link STATE_LIFETIME_MS} from `now`. */
  issue(now: number): string {
    const state = Buffer.alloc(STATE_BYTES);
    state.writeUInt8(VERSION, 0);
    state.writeUIntBE(now + STATE_LIFETIME_MS, 1, 6);
    nodeCrypto().randomFillSync(state, 7, NONCE_BYTES);
    this.#mac(state.subarray(0, PAYLOAD_BYTES)).copy(state, PAYLOAD_BYTES);
    return state.toString('base64url');
  }

  /** Checks a received state: its signature first (nothing in it is believed before), then its expiry. */
  read(received: string, now: number): StateReading {
    const state = Buffer.from(received, 'base64url');
    // Re-encoding must give the same text: no second spelling of one state (base64url's spare bits).
    if (state.length !== STATE_BYTES || state.toString('base64url') !== received || state.readUInt8(0) !== VERSION) {
      return { kind: 'invalid' };
    }
    const payload = state.subarray(0, PAYLOAD_BYTES);
    if (!nodeCrypto().timingSafeEqual(this.#mac(payload), state.subarray(PAYLOAD_BYTES))) return { kind: 'invalid' };
    const expiresAt = state.readUIntBE(1, 6);
    if (now >= expiresAt) return { kind: 'expired' };
    return { kind: 'valid', nonce: state.toString('base64url', 7, PAYLOAD_BYTES), expiresAt };
  }

  /** The secret as a key object, made on first use (and with it, the crypto module loaded). */
  #keyObject(): NodeCrypto.KeyObject {
    this.#key ??= this.#secret === undefined ? randomProcessKey() : nodeCrypto().createSecretKey(this.#secret);
    return this.#key;
  }

  #mac(payload: Buffer): Buffer {
    return nodeCrypto().createHmac('sha256', this.#keyObject()).update(this.#context).update(payload).digest();
  }
}
