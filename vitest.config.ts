import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Tests talk to real local servers; a stuck one must fail, not hang CI.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
