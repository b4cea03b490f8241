import { refreshAccessToken } from '../helpers/refresh-access-token.js';
import { revokeToken } from '../helpers/revoke-token.js';
import { validateToken } from '../helpers/validate-token.js';
import { DEMO_APP } from '../testing/model.js';
import { startFakeTwitch } from '../testing/fake-twitch.js';

/** Where the demo writes its lines. */
export type DemoOutput = (line: string) => void;

/** Shows only the start and end of a token: the demo prints steps, not secrets. */
function abbreviate(token: string): string {
  return `${token.slice(0, 4)}…${token.slice(-4)}`;
}

/**
 * Runs the library against the bundled fake Twitch, offline, printing each step: a user's token
 * is validated, refreshed, validated again, and revoked. Resolves when done; the fake is closed.
 */
export async function runDemo(write: DemoOutput): Promise<void> {
  const fake = await startFakeTwitch();
  try {
    const options = { authBaseUrl: fake.authBaseUrl };
    write(`Fake Twitch identity service at ${fake.authBaseUrl} (no network, no Twitch account)`);
    const login = fake.issueUserToken({ scopes: ['chat:read', 'chat:edit'] });
    write(
      `1. A user logged in to "${DEMO_APP.name ?? DEMO_APP.clientId}": access ${abbreviate(login.accessToken)}, refresh ${abbreviate(login.refreshToken)}`,
    );

    const first = await validateToken(login.accessToken, options);
    write(
      `2. validateToken → ${first.valid ? `valid for ${first.login ?? '?'} (${first.scopes.join(', ')}), ${String(first.expiresIn)} s left` : 'invalid'}`,
    );

    const { accessToken, refreshToken } = await refreshAccessToken(
      login.refreshToken,
      DEMO_APP.clientId,
      DEMO_APP.clientSecret,
      options,
    );
    write(`3. refreshAccessToken → new access ${abbreviate(accessToken)}, refresh ${abbreviate(refreshToken)}`);

    const revoked = await revokeToken(DEMO_APP.clientId, accessToken, options);
    write(`4. revokeToken → ${String(revoked)}`);

    const after = await validateToken(accessToken, options);
    write(
      `5. validateToken after revoking → ${after.valid ? 'still valid (unexpected!)' : `invalid: ${after.message}`}`,
    );
    write(
      `Done: ${String(fake.requests.length)} requests to the fake over ${String(fake.connectionCount)} connection(s).`,
    );
  } finally {
    await fake.close();
  }
}
