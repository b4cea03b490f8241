/**
 * Suite "hostile-peers": what one call costs against a server that is not Twitch. A compression
 * bomb (gzip inside gzip: 256 MiB of zeros in about 3.4 KB, sent although the library asks for
 * identity) must not grow the process's memory; a server that sends its headers and then drips the
 * body must not keep connections open once the attempts give up. Each measurement runs in a fresh
 * child process on the built package; the servers run here.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createGzip, gzipSync } from 'node:zlib';
import { runChild, startWorker } from '../lib/child.js';
import { markdownTable, mib, num } from '../lib/format.js';

const WORKER = new URL('./hostile-peers/worker.js', import.meta.url);
const DRIP_WORKER = new URL('./hostile-peers/drip-worker.js', import.meta.url);

/** Decoded size of the bomb. */
const BOMB_MIB = 256;

/** Fresh processes per route; the figure is their median (RSS readings are noisy). */
const ROUNDS = 3;

const TARGETS = {
  /** Peak RSS growth of one call against the bomb. */
  bombRssBytes: 8 * 1024 * 1024,
  /** Connections that carried a given-up attempt and are still open after the calls. */
  openSockets: 0,
};

/** @returns {Promise<Buffer>} */
async function compressionBomb() {
  const gzip = createGzip({ level: 1 });
  /** @type {Buffer[]} */
  const parts = [];
  gzip.on('data', (/** @type {Buffer} */ chunk) => parts.push(chunk));
  const zeros = Buffer.alloc(1 << 20);
  for (let mebibyte = 0; mebibyte < BOMB_MIB; mebibyte++) {
    if (!gzip.write(zeros)) await once(gzip, 'drain');
  }
  gzip.end();
  await once(gzip, 'end');
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

/**
 * A server on 127.0.0.1 counting the connections that carried a request and are still open.
 * @param {(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void} answer
 */
async function startServer(answer) {
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  /** @type {Set<import('node:net').Socket>} */
  const requestSockets = new Set();
  const server = createServer((request, response) => {
    requestSockets.add(request.socket);
    request.resume();
    request.on('end', () => answer(request, response));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      requestSockets.delete(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${String(port)}`,
    /** Open connections that carried a request, once closing ones have had a moment. */
    async openRequestSockets() {
      for (let wait = 0; wait < 100 && requestSockets.size > 0; wait++) await new Promise((r) => setTimeout(r, 20));
      return requestSockets.size;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** @type {import('./index.js').Suite} */
export default {
  name: 'hostile-peers',
  title: 'Hostile peers: a compression bomb and a dripping server',
  async run({ log }) {
    const bomb = await compressionBomb();
    const small = gzipSync('{"status":401,"message":"invalid access token"}');
    const bombServer = await startServer((request, response) => {
      if (request.url?.startsWith('/warm/') === true) {
        // The same code paths as the bomb (a gzip answer, refused), on a few bytes.
        response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(small.length) }).end(small);
        return;
      }
      response.writeHead(200, { 'content-encoding': 'gzip, gzip', 'content-length': String(bomb.length) }).end(bomb);
    });
    /** @type {Record<string, import('./hostile-peers/worker.js').BombResult & { rounds: number[] }>} */
    const bombs = {};
    try {
      for (const route of /** @type {const} */ (['agent', 'signal', 'fetch'])) {
        log(`hostile-peers: bomb, ${route}`);
        /** @type {import('./hostile-peers/worker.js').BombResult[]} */
        const rounds = [];
        for (let round = 0; round < ROUNDS; round++) {
          rounds.push(
            await runChild({
              script: WORKER,
              job: { bombBaseUrl: `${bombServer.origin}/oauth2`, warmBaseUrl: `${bombServer.origin}/warm`, route },
            }),
          );
        }
        rounds.sort((a, b) => a.rssGrowth - b.rssGrowth);
        const middle = rounds[Math.floor(rounds.length / 2)] ?? rounds[0];
        if (middle === undefined) throw new Error('no round ran');
        bombs[route] = { ...middle, rounds: rounds.map((result) => result.rssGrowth) };
      }
    } finally {
      await bombServer.close();
    }

    const dripServer = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000' });
      const timer = setInterval(() => {
        if (response.destroyed) clearInterval(timer);
        else response.write(' ');
      }, 50);
      response.once('close', () => clearInterval(timer));
    });
    /** @type {{ calls: number, attempts: number, errors: string[] }} */
    let drip;
    let openAfter;
    try {
      log('hostile-peers: drip');
      // Counted while the child still runs: its exit would close whatever it left open.
      const worker = await startWorker({ script: DRIP_WORKER });
      try {
        drip = await worker.run({ authBaseUrl: `${dripServer.origin}/oauth2` });
        openAfter = await dripServer.openRequestSockets();
      } finally {
        await worker.close();
      }
    } finally {
      await dripServer.close();
    }

    const worstRss = Math.max(...Object.values(bombs).map((result) => result.rssGrowth));
    const routeNames = { agent: 'shared Agent (default)', signal: 'caller `signal`', fetch: 'caller `fetch` (global)' };
    const markdown = [
      `One \`validateToken()\` against a server answering \`200\` with \`Content-Encoding: gzip, gzip\`: ` +
        `${num(bomb.length)} bytes that decode to ${String(BOMB_MIB)} MiB. Peak growth during the call, ` +
        `in a fresh process after a warm-up call (a small gzip answer); median of ${String(ROUNDS)} processes.`,
      '',
      markdownTable(
        ['Route', 'Error', 'Peak RSS growth', 'Peak heap growth', 'RSS growth, each process'],
        Object.entries(bombs).map(([route, result]) => [
          routeNames[/** @type {keyof typeof routeNames} */ (route)],
          `\`${result.error}\``,
          mib(result.rssGrowth),
          mib(result.heapGrowth),
          result.rounds.map(mib).join(', '),
        ]),
        'llrrr',
      ),
      '',
      `A server that sends its headers, then one byte every 50 ms: ${String(drip.calls)} calls with ` +
        `\`timeoutMs: 200\` (${String(drip.attempts)} attempts) ended with ${drip.errors.map((e) => `\`${e}\``).join(', ')}; ` +
        `connections that carried an attempt and were still open afterwards: **${String(openAfter)}**.`,
    ].join('\n');
    return {
      title: this.title,
      markdown,
      targets: [
        {
          name: `peak RSS growth of one call against a compression bomb under ${mib(TARGETS.bombRssBytes)}`,
          met: worstRss < TARGETS.bombRssBytes,
          detail: `worst route: ${mib(worstRss)}`,
        },
        {
          name: 'no connection of a given-up attempt left open (dripping server)',
          met: openAfter <= TARGETS.openSockets,
          detail: `${String(openAfter)} open after ${String(drip.attempts)} timed-out attempts`,
        },
      ],
      data: { bombBytes: bomb.length, bombDecodedMiB: BOMB_MIB, bombs, drip, openAfter },
    };
  },
};
