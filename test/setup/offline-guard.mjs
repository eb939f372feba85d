// Keeps the tests offline: any TCP connection to a host other than this machine fails at once
// with an error naming the host, and is recorded. Loaded into every vitest worker (offline.ts) and,
// through NODE_OPTIONS, into every Node child process the tests start (servers, fakes), so a
// forgotten base-URL setting shows up as a failure instead of a request to a real upstream.
import net from 'node:net';

const LOCAL = /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|0\.0\.0\.0|::)$/i;

/** Connections refused so far ("host:port"); offline.ts fails the test file when any were. */
export const refusedConnections = (globalThis.__stockroomRefusedConnections ??= []);

/** The host a Socket#connect call targets; undefined for a local (IPC) path or node's default, localhost. */
function targetOf(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // net.connect() passes its normalized arguments
  if (first !== null && typeof first === 'object') return first.path ? undefined : { host: first.host, port: first.port };
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : undefined, port: first };
  }
  return undefined; // a path: IPC
}

if (!globalThis.__stockroomOfflineGuard) {
  globalThis.__stockroomOfflineGuard = true;
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const target = targetOf(args);
    const host = target?.host;
    if (host === undefined || host === '' || LOCAL.test(host.replace(/^\[|\]$/g, ''))) return connect.apply(this, args);
    const where = `${host}:${target.port}`;
    refusedConnections.push(where);
    process.stderr.write(`offline test guard: refused a connection to ${where}\n`);
    const error = Object.assign(new Error(`offline test guard: tests may connect only to this machine, not ${where}`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(error));
    return this;
  };
}
