import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/run-demo.js';

describe('the offline demo (npm run demo)', () => {
  it('runs every step against the bundled fake and prints no whole token', async () => {
    const lines: string[] = [];
    await runDemo((line) => lines.push(line));
    const text = lines.join('\n');
    expect(text).toMatch(/2\. validateToken → valid for twitchdev/);
    expect(text).toMatch(/3\. refreshAccessToken → new access/);
    expect(text).toMatch(/4\. revokeToken → true/);
    expect(text).toMatch(/5\. validateToken after revoking → invalid: invalid access token/);
    expect(text).toMatch(/over 1 connection/);
    expect(text).not.toMatch(/[a-z0-9]{20,}/);
  });
});
