import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a received `state` with the expected one in constant time. Both are hashed first, so
 * that neither the content nor the length of the expected value leaks through timing.
 */
export function statesMatch(received: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(received), digest(expected));
}
