import { inspect } from 'node:util';
import { afterEach, beforeEach, expect } from 'vitest';
import type { HttpOptions } from '../../src/index.js';
import { startFakeTwitch, type FakeTwitch, type FakeTwitchOptions } from '../../src/testing/index.js';

/** A fresh fake Twitch per test, and the options that point the library at it. */
export interface FakeTwitchFixture {
  readonly fake: FakeTwitch;
  /** `authBaseUrl` of the fake, with retries that wait milliseconds instead of seconds. */
  readonly options: HttpOptions & { readonly authBaseUrl: string };
}

/** Starts a fake Twitch before each test of the file and closes it after. */
export function useFakeTwitch(fakeOptions?: FakeTwitchOptions): FakeTwitchFixture {
  let current: FakeTwitch | undefined;
  beforeEach(async () => {
    current = await startFakeTwitch(fakeOptions);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const running = (): FakeTwitch => {
    if (current === undefined) throw new Error('The fake Twitch runs only inside a test.');
    return current;
  };
  return {
    get fake() {
      return running();
    },
    get options() {
      return { authBaseUrl: running().authBaseUrl, retry: { baseDelayMs: 1, maxDelayMs: 2000 } };
    },
  };
}

/** Awaits a promise that must reject, and returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved.');
}

/** Asserts that none of the secrets appears in an error's message, stack or full `util.inspect` output. */
export function expectNoSecretsIn(error: unknown, secrets: readonly string[]): void {
  const views = [inspect(error, { depth: 20, showHidden: true }), String(error), JSON.stringify(error)];
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(4);
    for (const view of views) expect(view).not.toContain(secret);
  }
}
