import { runDemo } from '../../demo/run-demo.js';
import { startFakeTwitch } from '../../testing/fake-twitch.js';
import { DEMO_APP, DEMO_PUBLIC_APP, DEMO_USER, type AuthorizeMode } from '../../testing/model.js';
import type { Command, OptionValue } from '../command.js';
import { text } from '../credentials.js';
import { EXIT, UsageError } from '../exit-codes.js';

const MODES: readonly AuthorizeMode[] = ['auto', 'approve', 'deny', 'consent'];

/** `twitchapi-oauth fake-twitch`. */
export const fakeTwitchCommand: Command = {
  name: 'fake-twitch',
  summary: 'run the bundled fake Twitch identity service, to test a bot offline',
  usage: 'fake-twitch [--port 8080] [--redirect-uri URI]…',
  description: [
    'Starts the fake Twitch identity service on 127.0.0.1 and prints its authBaseUrl and demo apps. It runs',
    'until Ctrl+C. Point your bot at it with authBaseUrl; its demo apps are registered for http://localhost:17563',
    'and every --redirect-uri (or, with --any-loopback-redirect, any http://localhost, 127.0.0.1 or [::1] URI).',
  ],
  options: {
    port: { type: 'string' },
    authorize: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'any-loopback-redirect': { type: 'boolean' },
  },
  optionHelp: {
    port: 'the port (default: a free one)',
    authorize: `how /authorize decides: ${MODES.join(', ')} (default auto: a consent page with force_verify)`,
    'redirect-uri': 'also register this redirect URI for the demo apps (repeatable), e.g. your bot’s',
    'any-loopback-redirect': 'accept any http://localhost (127.0.0.1, [::1]) redirect URI, any port or path',
  },
  common: ['json', 'help'],
  async run(input, io) {
    const mode = text(input.values['authorize']) ?? 'auto';
    if (!MODES.includes(mode as AuthorizeMode)) {
      throw new UsageError(`--authorize takes one of ${MODES.join(', ')}; got ${JSON.stringify(mode)}.`);
    }
    const port = Number(text(input.values['port']) ?? '0');
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port takes a port number.');
    const redirectUris = list(input.values['redirect-uri']);
    for (const uri of redirectUris) {
      if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) {
        throw new UsageError(
          `--redirect-uri takes an absolute http(s) URL, e.g. http://localhost:3000/callback; got ${JSON.stringify(uri)}.`,
        );
      }
    }
    const anyLoopback = input.values['any-loopback-redirect'] === true;
    const fake = await startFakeTwitch({
      port,
      authorize: mode as AuthorizeMode,
      redirectUris,
      acceptAnyLoopbackRedirect: anyLoopback,
    }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException | null)?.code !== 'EADDRINUSE') throw error;
      throw new UsageError(
        `Port ${String(port)} on 127.0.0.1 is in use: choose another with --port, or leave --port out for a free one.`,
      );
    });
    const registered = fake.identity.apps.get(DEMO_APP.clientId)?.redirectUris ?? DEMO_APP.redirectUris;
    const description = {
      authBaseUrl: fake.authBaseUrl,
      confidentialApp: {
        clientId: DEMO_APP.clientId,
        clientSecret: DEMO_APP.clientSecret,
        redirectUris: registered,
      },
      publicApp: { clientId: DEMO_PUBLIC_APP.clientId },
      user: DEMO_USER,
      anyLoopbackRedirect: anyLoopback,
    };
    if (input.values['json'] === true) {
      io.stdout(`${JSON.stringify(description)}\n`);
    } else {
      io.stdout(
        [
          `authBaseUrl          ${fake.authBaseUrl}`,
          `demo app             client id ${DEMO_APP.clientId}, secret ${String(DEMO_APP.clientSecret)}`,
          `demo public app      client id ${DEMO_PUBLIC_APP.clientId}`,
          `redirect URIs        ${registered.join(' ')}${anyLoopback ? ', and any loopback one' : ''}`,
          `logged-in user       ${DEMO_USER.login} (${DEMO_USER.id})`,
          '',
        ].join('\n'),
      );
    }
    io.stderr('Fake Twitch running (these are demo credentials, not real ones). Ctrl+C stops it.\n');
    await io.interrupted;
    await fake.close();
    return EXIT.ok;
  },
};

/** `twitchapi-oauth demo`. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a whole login and every helper offline against the bundled fake Twitch',
  usage: 'demo',
  description: ['Needs no Twitch account and no network: everything runs against the bundled fake.'],
  options: {},
  optionHelp: {},
  common: ['help'],
  async run(_input, io) {
    await runDemo((line) => {
      io.stdout(`${line}\n`);
    });
    return EXIT.ok;
  },
};

/** A repeatable option's values. */
function list(value: OptionValue): readonly string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}
