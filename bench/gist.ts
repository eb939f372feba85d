// GitHub Gist backend benchmark: saves and loads a 100 MiB model through a real stockroom server
// (dist/server.js in a child process, STORAGE_BACKEND=github, encrypted) whose GITHUB_API_URL is the
// fake GitHub (test/fakes/github.ts, 127.0.0.1). Reports throughput and the
// server's peak RSS (Linux: VmHWM, reset before each phase; elsewhere `ps` sampled every 20 ms).
// The fake runs in a third process (bench/gist-fake-child.ts), so neither its CPU nor its heap
// (every chunk kept as a string) weighs on the server or the client measured here.
//   - save with GitHub's write spacing (GITHUB_WRITE_INTERVAL_MS=1000, the default: one chunk PATCH
//     per second at most), and with none (what the pipeline itself costs: read, seal, base64, upload);
//   - load from GitHub (local cache emptied: every chunk downloaded from the raw host, opened,
//     checked) and load from the local cache.
// The fake answers on loopback with no latency, so the numbers are an upper bound for github.com
// and show where time and memory go on our side.
//
//   npx tsx bench/gist.ts        (or through `npm run bench`)
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { download, MiB, mb, upload } from './model-client.js';
import { startServerChild, type ServerChild } from './server-child.js';
import type { FakeGitHub } from '../test/fakes/github.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GITHUB_TOKEN = 'ghp_benchStockroomToken000000000000000000001';

export interface GistBenchOptions {
  sizeMiB?: number;
}

export async function benchGist(options: GistBenchOptions = {}): Promise<string> {
  const sizeMiB = options.sizeMiB ?? 100;
  const size = sizeMiB * MiB;
  const work = mkdtempSync(join(tmpdir(), 'stockroom-bench-gist-'));
  const fake = await startFake();
  const adminToken = randomBytes(24).toString('base64url');
  const encryptionKey = randomBytes(32).toString('base64');
  const source = join(work, 'model.bin');
  const bytes = randomBytes(size); // incompressible: stored as is, the worst case for upload size
  writeFileSync(source, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const lines = [`gist backend: ${sizeMiB} MiB model (random bytes) through a server child process → fake GitHub on 127.0.0.1 (encrypted)`];
  try {
    for (const spacing of [1000, 0]) {
      const dataDir = join(work, `data-${spacing}`);
      const server = await startServer(dataDir, adminToken, encryptionKey, fake.url, spacing, sizeMiB);
      try {
        const idle = server.rss();
        const writes = async () => (await fake.count({ host: 'api' })) - (await fake.count({ host: 'api', method: 'GET' }));
        const writesBefore = await writes();
        server.resetPeak();
        let started = performance.now();
        const version = await upload(server.url, adminToken, source, size);
        const saveMs = performance.now() - started;
        const savePeak = await server.peak();
        const written = (await writes()) - writesBefore;
        const rate = (ms: number) => `${((sizeMiB * 1000) / ms).toFixed(1)} MiB/s (${(ms / 1000).toFixed(1)} s)`;
        lines.push(
          `  write spacing ${spacing} ms${spacing === 1000 ? ' (default, as GitHub asks)' : ' (pipeline only)'}: ` +
            `save ${rate(saveMs)}, ${written} write requests; server peak RSS ${mb(savePeak)} (idle ${mb(idle)})`,
        );
        if (spacing !== 0) continue;

        rmSync(join(dataDir, 'github', 'cache'), { recursive: true, force: true }); // force downloads from GitHub
        const rawBefore = await fake.count({ host: 'raw' });
        server.resetPeak();
        started = performance.now();
        await download(server.url, adminToken, version, size, sha256);
        const coldMs = performance.now() - started;
        const coldPeak = await server.peak();
        const chunks = (await fake.count({ host: 'raw' })) - rawBefore;
        server.resetPeak();
        started = performance.now();
        await download(server.url, adminToken, version, size, sha256);
        const warmMs = performance.now() - started;
        const warmPeak = await server.peak();
        lines.push(
          `  load from GitHub (cache empty, ${chunks} raw downloads): ${rate(coldMs)}; server peak RSS ${mb(coldPeak)}`,
          `  load from the local cache (sha256-checked): ${rate(warmMs)}; server peak RSS ${mb(warmPeak)}`,
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    await fake.close();
    rmSync(work, { recursive: true, force: true });
  }
  return lines.join('\n');
}

interface FakeProcess {
  url: string;
  count(filter: Parameters<FakeGitHub['count']>[0]): Promise<number>;
  close(): Promise<void>;
}

async function startFake(): Promise<FakeProcess> {
  const child = fork(join(ROOT, 'bench/gist-fake-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, FAKE_GITHUB_TOKENS: JSON.stringify({ [GITHUB_TOKEN]: { login: 'bench', scopes: ['gist'] } }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (value: number) => void>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake GitHub exited with ${code}`)));
    child.on('message', (m: { url?: string; id?: number; value?: number }) => {
      if (m.url) resolve(m.url);
      else if (m.id !== undefined) pending.get(m.id)?.(m.value!);
    });
  });
  return {
    url,
    count: (filter) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        child.send({ id, count: filter });
      }),
    close: async () => {
      child.send({ close: true });
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}

async function startServer(dataDir: string, adminToken: string, encryptionKey: string, githubUrl: string, writeIntervalMs: number, sizeMiB: number): Promise<ServerChild> {
  return startServerChild({
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    MODEL_MAX_BYTES: String(Math.max(sizeMiB, 100) * MiB),
    STORAGE_BACKEND: 'github',
    GITHUB_TOKEN,
    GITHUB_API_URL: githubUrl,
    GITHUB_WRITE_INTERVAL_MS: String(writeIntervalMs),
    STORAGE_ENCRYPTION_KEY: encryptionKey,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchGist());
}
