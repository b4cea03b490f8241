/**
 * Child process entry of the cold-start suite: in a fresh `node`, how long the import takes, and the
 * import plus the first validation of a token (what a user's start-up waits for). Nothing else is
 * imported before it. Usage: `node first-call.js <client> <origin> <authBaseUrl> <accessToken>`;
 * prints `{ "importMs": …, "firstCallMs": … }` (both from before the import) and exits at once.
 */
const [client, origin, authBaseUrl, accessToken] = process.argv.slice(2);
if (client === undefined || origin === undefined || authBaseUrl === undefined || accessToken === undefined) {
  throw new Error('usage: node first-call.js <client> <origin> <authBaseUrl> <accessToken>');
}

/** One client's cold path: import what it needs, then validate once. */
const CLIENTS = {
  async library(/** @type {() => void} */ imported) {
    const { validateToken } = await import(new URL('../../../../dist/index.js', import.meta.url).href);
    imported();
    const info = await validateToken(accessToken, { authBaseUrl });
    if (!info.valid) throw new Error('not valid');
  },
  async twurple(/** @type {() => void} */ imported) {
    process.env['TWURPLE_MOCK_API_PORT'] = new URL(origin).port;
    const { useLoopbackAddress } = await import('../http-clients/clients.js');
    useLoopbackAddress();
    const { getTokenInfo } = await import('@twurple/auth');
    imported();
    await getTokenInfo(accessToken);
  },
  async 'undici-fetch'(/** @type {() => void} */ imported) {
    const { fetch } = await import('undici');
    imported();
    const response = await fetch(`${authBaseUrl}/validate`, { headers: { authorization: `OAuth ${accessToken}` } });
    if (response.status !== 200) throw new Error(String(response.status));
    await response.json();
  },
  async 'global-fetch'(/** @type {() => void} */ imported) {
    imported();
    const response = await fetch(`${authBaseUrl}/validate`, { headers: { authorization: `OAuth ${accessToken}` } });
    if (response.status !== 200) throw new Error(String(response.status));
    await response.json();
  },
};

const run = CLIENTS[/** @type {keyof typeof CLIENTS} */ (client)];
if (run === undefined) throw new Error(`unknown client ${client}`);
const started = performance.now();
let importMs = Number.NaN;
await run(() => {
  importMs = performance.now() - started;
});
const firstCallMs = performance.now() - started;
// Under first-call-probe.js (which counts the modules loaded), the probe reports instead.
if (process.env['COLD_START_PROBE'] !== '1') {
  process.stdout.write(`${JSON.stringify({ importMs, firstCallMs })}\n`);
  process.exit(0);
}
