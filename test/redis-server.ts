// A real redis-server (Debian's, /usr/bin/redis-server) for tests: 127.0.0.1, a free port, no
// persistence, stopped by pid. Tests can kill it, freeze it (SIGSTOP) and start it again on the
// same port. Without the binary the suites that need it are skipped — except under CI=true,
// where they run and fail, so a missing install step cannot hide behind a green run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';

function findRedisServer(): string | undefined {
  // An explicit binary (or a missing one, to check that CI=true fails without it).
  const given = process.env.REDIS_SERVER_BIN;
  if (given !== undefined) return existsSync(given) ? given : undefined;
  const dirs = ['/usr/bin', '/usr/local/bin', ...(process.env.PATH ?? '').split(delimiter)];
  return dirs.map((d) => join(d, 'redis-server')).find((p) => existsSync(p));
}

export const REDIS_SERVER = findRedisServer();

/** `describe`, or `describe.skip` when redis-server is missing and this is not CI. */
export const describeWithRedis = REDIS_SERVER || process.env.CI === 'true' ? describe : describe.skip;

export interface RedisServer {
  port: number;
  url: string;
  readonly pid: number | undefined;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, and wait for the exit (a crash: connections drop at once). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that accepts nothing and answers nothing. */
  freeze(): void;
  thaw(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True once a raw PING gets +PONG (log lines are not a reliable readiness signal). */
async function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRedis(): Promise<RedisServer> {
  if (!REDIS_SERVER) throw new Error('redis-server not found: install it (apt-get install -y redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;

  const launch = async (onPort: number): Promise<boolean> => {
    const output: string[] = [];
    child = spawn(
      REDIS_SERVER!,
      ['--bind', '127.0.0.1', '--port', String(onPort), '--save', '', '--appendonly', 'no', '--dir', dir,
        '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', '--logfile', ''],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const proc = child;
    running.add(proc);
    proc.stdout!.on('data', (c) => output.push(String(c)));
    proc.stderr!.on('data', (c) => output.push(String(c)));
    let gone = false;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        gone = true;
        running.delete(proc);
        resolve();
      }),
    );
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (gone) {
        if (/Address already in use/i.test(output.join(''))) return false;
        throw new Error(`redis-server exited: ${output.join('')}`);
      }
      if (await pong(onPort)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not answer PING within 5 s: ${output.join('')}`);
  };

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    if (await launch(port)) break;
    if (attempt >= 4) throw new Error('no free port for redis-server after 5 attempts');
  }

  const signal = async (sig: NodeJS.Signals) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    await exited;
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async stop() {
      child?.kill('SIGCONT');
      await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => signal('SIGKILL'),
    async restart() {
      await signal('SIGKILL');
      if (!(await launch(port))) throw new Error(`port ${port} was taken while redis-server was down`);
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
  };
}
