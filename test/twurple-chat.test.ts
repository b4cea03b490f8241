import { ChatClient } from '@twurple/chat';
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenPool, type UserToken } from '../src/index.js';
import { DEMO_APP, DEMO_USER, startFakeTwitch, type FakeTwitch } from '../src/testing/index.js';
import { createTwurpleAuthProvider } from '../src/twurple/index.js';
import { startHelixStub, type HelixStub } from './support/helix-stub.js';

const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
/** twurple's chat client connects to port 6667 (plain IRC) and takes no port option. */
const IRC_PORT = 6667;

/** What the IRC stub saw of one connection. */
interface IrcSession {
  password: string | undefined;
  nick: string | undefined;
  joined: string[];
}

/**
 * A Twitch chat server stand-in on node:net (plain IRC): capability negotiation, then a welcome
 * for a `PASS oauth:<token>` the fake Twitch calls valid, or Twitch's "Login authentication failed".
 */
async function startIrcStub(
  fake: FakeTwitch,
  host: string,
): Promise<{ host: string; sessions: IrcSession[]; close(): Promise<void> }> {
  const sessions: IrcSession[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const session: IrcSession = { password: undefined, nick: undefined, joined: [] };
    sessions.push(session);
    const send = (line: string): void => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    let buffered = '';
    socket.on('data', (data: Buffer) => {
      buffered += data.toString('utf8');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const [command = '', ...params] = line.split(' ');
        const nick = session.nick ?? '*';
        if (line === 'CAP LS 302')
          send(':tmi.twitch.tv CAP * LS :twitch.tv/membership twitch.tv/tags twitch.tv/commands');
        else if (line.startsWith('CAP REQ :')) send(`:tmi.twitch.tv CAP * ACK :${line.slice('CAP REQ :'.length)}`);
        else if (command === 'PASS') session.password = params[0];
        else if (command === 'NICK') session.nick = params[0];
        else if (command === 'USER') {
          const token = session.password?.startsWith('oauth:') === true ? session.password.slice(6) : '';
          if (fake.identity.validate(`OAuth ${token}`).status !== 200) {
            send(':tmi.twitch.tv NOTICE * :Login authentication failed');
            socket.end();
            continue;
          }
          for (const [code, text] of [
            ['001', 'Welcome, GLHF!'],
            ['002', 'Your host is tmi.twitch.tv'],
            ['003', 'This server is rather new'],
            ['004', '-'],
            ['375', '-'],
            ['372', 'You are in a maze of twisty passages, all alike.'],
            ['376', '>'],
          ] as const) {
            send(`:tmi.twitch.tv ${code} ${nick} :${text}`);
          }
        } else if (command === 'JOIN') {
          const channel = params[0] ?? '';
          session.joined.push(channel);
          send(`:${nick}!${nick}@${nick}.tmi.twitch.tv JOIN ${channel}`);
          send(
            `@emote-only=0;followers-only=-1;r9k=0;room-id=141981764;slow=0;subs-only=0 :tmi.twitch.tv ROOMSTATE ${channel}`,
          );
        } else if (command === 'PING') send(`:tmi.twitch.tv PONG tmi.twitch.tv ${params.join(' ')}`);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(IRC_PORT, host, () => {
      resolve();
    });
  });
  return {
    host,
    sessions,
    async close() {
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

let fake: FakeTwitch;
let helix: HelixStub;
let irc: Awaited<ReturnType<typeof startIrcStub>>;
let token: UserToken;
let pool: TokenPool;
/**
 * A loopback address of its own (all of 127/8 is loopback on Linux), so port 6667 is free there;
 * where only 127.0.0.1 exists (macOS), that one.
 */
async function startIrcStubOnLoopback(twitch: FakeTwitch): Promise<Awaited<ReturnType<typeof startIrcStub>>> {
  const own = `127.${String(randomInt(1, 255))}.${String(randomInt(1, 255))}.${String(randomInt(1, 255))}`;
  try {
    return await startIrcStub(twitch, own);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRNOTAVAIL') throw error;
    return startIrcStub(twitch, '127.0.0.1');
  }
}

beforeAll(() => {
  process.env['TWURPLE_MOCK_API_PORT'] = '1'; // never id.twitch.tv, whatever runs first
});
afterAll(() => {
  delete process.env['TWURPLE_MOCK_API_PORT'];
});
beforeEach(async () => {
  fake = await startFakeTwitch();
  helix = await startHelixStub(fake); // twurple's chat validates the token at <mock>/auth/validate
  process.env['TWURPLE_MOCK_API_PORT'] = String(helix.port);
  irc = await startIrcStubOnLoopback(fake);
  token = fake.issueUserToken({ scopes: ['chat:read', 'chat:edit'] });
  pool = new TokenPool(app, { authBaseUrl: fake.authBaseUrl, retry: { limit: 0 } });
  await pool.addUser(token, { userId: DEMO_USER.id, intents: ['chat'] });
});
afterEach(async () => {
  await pool.stop();
  await irc.close();
  await helix.close();
  await fake.close();
});

/** Connects a chat client on the adapter and resolves once it joined the channel. */
async function joinWith(chat: ChatClient): Promise<void> {
  const joined = new Promise<void>((resolve) => {
    chat.onJoin(() => {
      resolve();
    });
  });
  const disconnected = new Promise<void>((resolve) => {
    chat.onDisconnect(() => {
      resolve();
    });
  });
  chat.connect();
  try {
    await joined;
  } finally {
    chat.quit();
    await disconnected;
  }
}

function chatClient(): ChatClient {
  return new ChatClient({
    authProvider: createTwurpleAuthProvider(pool),
    channels: ['twitchdev'],
    webSocket: false,
    ssl: false,
    hostName: irc.host,
    logger: { minLevel: 'critical' },
  });
}

describe("twurple's ChatClient on the pool's tokens", () => {
  it("logs in with the 'chat' intent user's token as PASS oauth:…, under the login Twitch validated", async () => {
    await joinWith(chatClient());

    expect(irc.sessions).toEqual([
      { password: `oauth:${token.accessToken}`, nick: 'twitchdev', joined: ['#twitchdev'] },
    ]);
    expect(fake.requestsTo('/validate')).toHaveLength(1); // twurple's own check of the token
    expect(fake.requestsTo('/token')).toHaveLength(0);
  });

  it('a token Twitch no longer takes is refreshed once, and chat logs in with the new one', async () => {
    fake.identity.expireAccessToken(token.accessToken);
    await joinWith(chatClient());

    const renewed = pool.currentTokenForUser(DEMO_USER.id)?.accessToken;
    expect(renewed).not.toBe(token.accessToken);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    expect(irc.sessions).toEqual([{ password: `oauth:${renewed ?? ''}`, nick: 'twitchdev', joined: ['#twitchdev'] }]);
  });
});
