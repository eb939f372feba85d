// A stockroom server as a child process for the benchmarks (`dist/server.js`, what `npm start`
// runs, port 0), with its RSS and peak RSS readable from outside (so the numbers are the
// server's, not the load's).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerChild {
  url: string;
  rss(): number;
  resetPeak(): void;
  peak(): Promise<number>;
  stop(): Promise<void>;
}

let built = false;

/** `npm run build` once per benchmark process, so the servers measured run the current source. */
export function buildServer(): string {
  if (!built) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  return join(ROOT, 'dist/server.js');
}

export async function startServerChild(env: Record<string, string>): Promise<ServerChild> {
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', buildServer()], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', GRAPHIQL: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(buffered);
      if (match) resolve(match[1].replace('localhost', '127.0.0.1'));
    });
  });
  child.stdout!.resume();
  const pid = child.pid!;
  const procStatus = `/proc/${pid}/status`;
  const linux = existsSync(procStatus);
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(readFileSync(procStatus, 'utf8'))?.[1] ?? 0) * 1024;
  const psRss = () => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim()) * 1024;
  let sampled = 0;
  let sampler: NodeJS.Timeout | undefined;
  return {
    url,
    rss: () => (linux ? field('VmRSS') : psRss()),
    resetPeak() {
      if (linux) {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
          return;
        } catch {
          // not permitted: fall back to sampling
        }
      }
      clearInterval(sampler);
      sampled = 0;
      sampler = setInterval(() => (sampled = Math.max(sampled, linux ? field('VmRSS') : psRss())), 20);
    },
    async peak() {
      if (sampler) {
        clearInterval(sampler);
        sampler = undefined;
        return sampled;
      }
      return field('VmHWM');
    },
    async stop() {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}
