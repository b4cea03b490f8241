import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/run-demo.js';
import { DEMO_APP } from '../src/testing/index.js';

describe('the offline demo (npm run demo)', () => {
  it('runs a browser login and every helper against the bundled fake, printing no whole secret', async () => {
    const lines: string[] = [];
    await runDemo((line) => lines.push(line));
    const text = lines.join('\n');
    expect(text).toMatch(/1\. UserAuthenticator listens on http:\/\/localhost:\d+/);
    expect(text).toMatch(/3\. Twitch: the user clicks Authorize/);
    expect(text).toMatch(/4\. The browser shows: 200 "You are logged in to Twitch"/);
    expect(text).toMatch(/5\. authenticate\(\) resolved: the listener checked the state and exchanged the code/);
    expect(text).toMatch(/6\. validateToken → valid for twitchdev/);
    expect(text).toMatch(/8\. revokeToken → true/);
    expect(text).toMatch(/9\. validateToken after revoking → invalid: invalid access token/);
    // The client id is public; nothing else that long (a token, a code, a state) may appear.
    expect(text.replaceAll(DEMO_APP.clientId, 'CLIENT_ID')).not.toMatch(/[A-Za-z0-9_-]{20,}/);
  });
});
