/**
 * A whole program that validates one token and exits by itself, as a user's script or cron job
 * would: the cold-start suite times this process from spawn to exit.
 * Usage: `node one-shot.mjs <client> <origin> <authBaseUrl> <accessToken>`.
 */
const [client, origin, authBaseUrl, accessToken] = process.argv.slice(2);
if (client === 'library') {
  const { validateToken } = await import(new URL('../../../../dist/index.js', import.meta.url).href);
  const info = await validateToken(accessToken ?? '', { authBaseUrl });
  process.stdout.write(`${String(info.valid)}\n`);
} else if (client === 'twurple') {
  process.env['TWURPLE_MOCK_API_PORT'] = new URL(origin ?? '').port;
  const { useLoopbackAddress } = await import('../http-clients/clients.js');
  useLoopbackAddress();
  const { getTokenInfo } = await import('@twurple/auth');
  const info = await getTokenInfo(accessToken ?? '');
  process.stdout.write(`${String(info.userId !== null)}\n`);
} else {
  throw new Error(`unknown client ${String(client)}`);
}
