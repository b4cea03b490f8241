/**
 * Counting Redis commands on the server, for the redis suite: `INFO commandstats` deltas (every
 * command the server ran, the ones a Lua script ran included), and a `MONITOR` recording that
 * tells which connection sent each command and which ones ran inside a script (source `lua`).
 */
import { Cluster, Redis } from 'ioredis';

/** @typedef {Record<string, number>} CommandCounts Calls by command name (`set`, `eval`, `client|setname`…). */

/**
 * A connected ioredis client (resolves once it is ready).
 * @param {string} url
 * @param {string} connectionName Shown by `CLIENT LIST`, which maps MONITOR's addresses to processes.
 * @returns {Promise<Redis>}
 */
export async function connectRedis(url, connectionName) {
  const client = new Redis(url, { connectionName, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined); // a failed command reports it
  if (client.status !== 'ready') {
    await new Promise((resolve, reject) => {
      client.once('ready', resolve);
      client.once('end', () => {
        reject(new Error(`could not connect to ${url}`));
      });
    });
  }
  return client;
}

/**
 * A connected ioredis Cluster client (resolves once it is ready).
 * @param {{ host: string, port: number }[]} nodes
 * @param {string} connectionName
 * @returns {Promise<Cluster>}
 */
export async function connectCluster(nodes, connectionName) {
  const client = new Cluster(nodes, { redisOptions: { connectionName } });
  client.on('error', () => undefined);
  if (client.status !== 'ready') {
    await new Promise((resolve, reject) => {
      client.once('ready', resolve);
      client.once('end', () => {
        reject(new Error('could not connect to the cluster'));
      });
    });
  }
  return client;
}

/**
 * @typedef {object} CommandStats The server's `INFO commandstats`.
 * @property {CommandCounts} calls Calls per command.
 * @property {CommandCounts} usec Microseconds the server spent running each command.
 */

/**
 * The server's `INFO commandstats`: calls and µs per command.
 * @param {Redis} client
 * @returns {Promise<CommandStats>}
 */
export async function commandStats(client) {
  const text = String(await client.info('commandstats'));
  /** @type {CommandStats} */
  const stats = { calls: {}, usec: {} };
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    const name = match[1] ?? '?';
    stats.calls[name] = Number(match[2]);
    stats.usec[name] = Number(match[3]);
  }
  return stats;
}

/**
 * The commands the server ran between two {@link commandStats} readings taken by the same
 * connection, without that connection's first `INFO` (an `INFO` is not counted in its own answer,
 * so the second one is not in the delta).
 * @param {CommandStats} before
 * @param {CommandStats} after
 * @returns {{ counts: CommandCounts, total: number, usec: number, otherInfo: number }} `usec`: the
 *   server's time running them (INFO excluded); `otherInfo`: INFO calls by anyone else.
 */
export function commandsBetween(before, after) {
  /** @type {CommandCounts} */
  const counts = {};
  let total = 0;
  let usec = 0;
  for (const [name, calls] of Object.entries(after.calls)) {
    const delta = calls - (before.calls[name] ?? 0) - (name === 'info' ? 1 : 0);
    if (delta !== 0) {
      counts[name] = delta;
      total += delta;
    }
    if (name !== 'info') usec += (after.usec[name] ?? 0) - (before.usec[name] ?? 0);
  }
  return { counts, total, usec, otherInfo: counts['info'] ?? 0 };
}

/**
 * What a script sent with EVAL does, told from its text (the store's scripts are not exported).
 * @param {string} script
 */
function scriptKind(script) {
  if (script.includes("'HMGET'")) return 'write-if-newer';
  if (script.includes("'HGET'")) return 'confirm';
  if (script.includes('PEXPIRE')) return 'renew';
  if (script.includes("'DEL'")) return 'release';
  return 'script';
}

/**
 * A readable name for a command as MONITOR shows it: `SET NX`, `EVAL write-if-newer`, `HMGET`, `CLIENT SETNAME`.
 * @param {string[]} args
 */
export function commandLabel(args) {
  const name = (args[0] ?? '?').toUpperCase();
  if (name === 'EVAL' || name === 'EVALSHA') return `${name} ${scriptKind(args[1] ?? '')}`;
  if (name === 'SET' && args.some((arg) => arg.toUpperCase() === 'NX')) return 'SET NX';
  if (name === 'CLIENT' || name === 'CONFIG') return `${name} ${(args[1] ?? '').toUpperCase()}`;
  return name;
}

/**
 * @typedef {object} MonitorEvent
 * @property {string[]} args
 * @property {string} source `ip:port` of the sending connection, or `lua` for a command a script ran.
 */

/**
 * @typedef {object} Monitor
 * @property {MonitorEvent[]} events Everything recorded so far, in the server's order.
 * @property {(label: string) => Promise<number>} mark Sends `ECHO <label>` on `probe` and waits until
 *   MONITOR has shown it: every command the server ran before is recorded. Resolves with its index in `events`.
 * @property {() => Promise<void>} stop
 */

/**
 * Starts recording every command the server runs (MONITOR). MONITOR makes the server slower, so it
 * runs only while nothing is timed that matters.
 * @param {string} url
 * @param {Redis} probe The connection that sends the markers.
 * @returns {Promise<Monitor>}
 */
export async function startMonitor(url, probe) {
  const base = await connectRedis(url, 'bench-monitor');
  const monitor = await base.monitor();
  /** @type {MonitorEvent[]} */
  const events = [];
  /** @type {Map<string, () => void>} */
  const awaited = new Map();
  monitor.on('monitor', (/** @type {string} */ _time, /** @type {string[]} */ args, /** @type {string} */ source) => {
    events.push({ args: args.map(String), source });
    if (args[0]?.toLowerCase() === 'echo') awaited.get(String(args[1]))?.();
  });
  let nextMark = 0;
  return {
    events,
    async mark(label) {
      const text = `bench:mark:${String(nextMark++)}:${label}`;
      const seen = new Promise((resolve) => {
        awaited.set(text, () => {
          resolve(undefined);
        });
      });
      await probe.echo(text);
      await seen;
      awaited.delete(text);
      return events.findLastIndex((event) => event.args[0]?.toLowerCase() === 'echo' && event.args[1] === text);
    },
    async stop() {
      monitor.disconnect();
      base.disconnect();
      await Promise.resolve();
    },
  };
}

/**
 * Who each connected client is, from `CLIENT LIST`: its name, and `(pub/sub)` for a subscriber.
 * @param {Redis} client
 * @returns {Promise<Map<string, string>>} `ip:port` → role.
 */
export async function clientRoles(client) {
  const text = String(await client.client('LIST'));
  /** @type {Map<string, string>} */
  const roles = new Map();
  for (const line of text.split('\n')) {
    const fields = Object.fromEntries(
      line
        .trim()
        .split(' ')
        .map((field) => {
          const at = field.indexOf('=');
          return [field.slice(0, at), field.slice(at + 1)];
        }),
    );
    const addr = fields['addr'];
    if (addr === undefined || addr === '') continue;
    const subscriber = Number(fields['psub'] ?? 0) > 0 || Number(fields['sub'] ?? 0) > 0;
    roles.set(addr, `${fields['name'] || 'unnamed'}${subscriber ? ' (pub/sub)' : ''}`);
  }
  return roles;
}

/**
 * @typedef {object} Attribution The commands of a MONITOR window, by the connection that sent them.
 * @property {Record<string, Record<string, number>>} sent Role → command label → count (round trips).
 * @property {Record<string, Record<string, number>>} inScripts Role → command → count, run by that role's scripts.
 * @property {number} total Every command in the window (scripts' included), the markers excluded.
 */

/**
 * Splits the events between two marks by connection. A script's commands follow its EVAL in the
 * recording (scripts run atomically), so they are counted for the connection that sent it.
 * @param {MonitorEvent[]} events
 * @param {number} from Index of the opening mark.
 * @param {number} to Index of the closing mark.
 * @param {Map<string, string>} roles From {@link clientRoles}.
 * @param {readonly string[]} ignore Roles left out (the probe: markers and INFO).
 * @returns {Attribution}
 */
export function attribute(events, from, to, roles, ignore) {
  /** @type {Attribution} */
  const result = { sent: {}, inScripts: {}, total: 0 };
  let lastSender = 'unknown';
  for (let index = from + 1; index < to; index++) {
    const event = events[index];
    if (event === undefined) continue;
    if (event.source === 'lua') {
      if (ignore.includes(lastSender)) continue;
      const bucket = (result.inScripts[lastSender] ??= {});
      const name = (event.args[0] ?? '?').toUpperCase();
      bucket[name] = (bucket[name] ?? 0) + 1;
      result.total += 1;
      continue;
    }
    const role = roles.get(event.source) ?? `gone ${event.source}`;
    lastSender = role;
    if (ignore.includes(role)) continue;
    const bucket = (result.sent[role] ??= {});
    const label = commandLabel(event.args);
    bucket[label] = (bucket[label] ?? 0) + 1;
    result.total += 1;
  }
  return result;
}

/**
 * The commands of a MONITOR window sent by connections (not scripts), in the server's order.
 * @param {MonitorEvent[]} events
 * @param {number} from Index of the opening mark.
 * @param {number} to Index of the closing mark.
 * @param {Map<string, string>} roles From {@link clientRoles}.
 * @param {readonly string[]} ignore Roles left out.
 * @returns {{ role: string, label: string }[]}
 */
export function sequence(events, from, to, roles, ignore) {
  /** @type {{ role: string, label: string }[]} */
  const sent = [];
  for (const event of events.slice(from + 1, to)) {
    if (event.source === 'lua') continue;
    const role = roles.get(event.source) ?? `gone ${event.source}`;
    if (!ignore.includes(role)) sent.push({ role, label: commandLabel(event.args) });
  }
  return sent;
}
