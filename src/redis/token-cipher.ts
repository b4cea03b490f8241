import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Marks an encrypted value, and the format's version. */
const PREFIX = 'aes-256-gcm:v1:';

/** Whether a stored value is encrypted. */
export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX);
}

/**
 * A 32-byte key from a Buffer/Uint8Array, or from a base64 string of 32 bytes.
 *
 * @throws TypeError when it is not 32 bytes, saying how to make one.
 */
export function readKey(key: Uint8Array | string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
  if (bytes.length !== 32) {
    throw new TypeError(
      `encryptionKey must be 32 bytes (AES-256), or their base64; got ${String(bytes.length)} bytes. ` +
        `Make one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  return bytes;
}

/**
 * Encrypts with AES-256-GCM: a fresh 96-bit IV per value, and `context` (the Redis key and the
 * record's generation) as associated data, so that a value copied to another key, or put back
 * under a higher generation than it was written with, does not decrypt.
 */
export function encrypt(plaintext: string, key: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Decrypts what {@link encrypt} wrote. @throws Error when the key, the context or the value is wrong. */
export function decrypt(value: string, key: Buffer, context: string): string {
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
