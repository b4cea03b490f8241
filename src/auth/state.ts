/**
 * A fresh `state` for one authorization: 256 random bits, URL-safe. Web Crypto is a global in
 * Node, so making one needs no import (this runs in the synchronous `returnAuthUrl()`).
 */
export function createState(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}
