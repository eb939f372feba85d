// Model store benchmark: saves and loads a 100 MiB model through a real stockroom server (dist/server.js
// in a child process, 127.0.0.1, port 0, a fresh DATA_DIR) and compares the throughput with a plain
// file copy of the same bytes (read → write → fsync, the durability a save has) measured in the
// same run. Reports the server's peak RSS during the save (Linux: VmHWM, reset before the save;
// elsewhere: `ps` sampled every 20 ms).
//
//   npx tsx bench/models.ts        (or through `npm run bench`)
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { download, MiB, mb, upload } from './model-client.js';
import { startServerChild, type ServerChild } from './server-child.js';

export interface ModelBenchOptions {
  sizeMiB?: number;
  /** Runs per measurement; the best is reported. */
  runs?: number;
}

interface Case {
  name: string;
  bytes: Buffer;
}

export async function benchModels(options: ModelBenchOptions = {}): Promise<string> {
  const sizeMiB = options.sizeMiB ?? 100;
  const runs = options.runs ?? 3;
  const work = mkdtempSync(join(tmpdir(), 'stockroom-bench-models-'));
  const token = randomBytes(24).toString('base64url');
  const server = await startServer(join(work, 'data'), token, sizeMiB);
  const lines: string[] = [];
  try {
    const cases: Case[] = [
      { name: 'random bytes (incompressible)', bytes: randomBytes(sizeMiB * MiB) },
      { name: 'float32 weights (compressible)', bytes: weights(sizeMiB * MiB) },
    ];
    lines.push(`model store: ${sizeMiB} MiB model through ${server.url} (best of ${runs}; server idle RSS ${mb(server.rss())})`);
    for (const c of cases) {
      const source = join(work, 'model.bin');
      writeFileSync(source, c.bytes);
      const sha256 = createHash('sha256').update(c.bytes).digest('hex');
      c.bytes = Buffer.alloc(0); // let it go: the client streams from the file

      const copy = await best(runs, () => timeFileCopy(source, join(work, 'copy.bin')));
      let peak = 0;
      let version = 0;
      const save = await best(runs, async () => {
        server.resetPeak();
        const started = performance.now();
        version = await upload(server.url, token, source, sizeMiB * MiB, 'bench');
        const ms = performance.now() - started;
        peak = Math.max(peak, await server.peak());
        return ms;
      });
      await download(server.url, token, version, sizeMiB * MiB, sha256); // correct bytes? (untimed)
      const load = await best(runs, () => download(server.url, token, version, sizeMiB * MiB));
      const rate = (ms: number) => (sizeMiB * 1000) / ms;
      lines.push(
        `  ${c.name}:`,
        `    file copy ${rate(copy).toFixed(0)} MiB/s | save ${rate(save).toFixed(0)} MiB/s (${(copy / save).toFixed(2)}× copy) | ` +
          `load ${rate(load).toFixed(0)} MiB/s (${(copy / load).toFixed(2)}× copy)`,
        `    server peak RSS during save ${mb(peak)}; stored ${mb(await storedBytes(server.url, token))} for ${runs} versions`,
      );
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return lines.join('\n');
}

async function best(runs: number, fn: () => Promise<number>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await fn());
  return min;
}

/** Float32 "weights": smooth-ish values with limited precision, like a trained layer's. */
function weights(size: number): Buffer {
  const values = new Float32Array(size / 4);
  let x = 0;
  for (let i = 0; i < values.length; i++) {
    x = 0.999 * x + (Math.random() - 0.5) * 0.01;
    values[i] = Math.round(x * 4096) / 4096;
  }
  return Buffer.from(values.buffer);
}

async function timeFileCopy(from: string, to: string): Promise<number> {
  const started = performance.now();
  await pipeline(createReadStream(from, { highWaterMark: MiB }), createWriteStream(to));
  const handle = await open(to, 'r+');
  await handle.sync();
  await handle.close();
  const ms = performance.now() - started;
  rmSync(to);
  return ms;
}

async function storedBytes(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ model(id: "bench") { versions { storedBytes } } }' }),
  });
  const body = (await response.json()) as { data: { model: { versions: Array<{ storedBytes: number }> } } };
  return body.data.model.versions.reduce((sum, v) => sum + v.storedBytes, 0);
}

async function startServer(dataDir: string, token: string, sizeMiB: number): Promise<ServerChild> {
  return startServerChild({
    DATA_DIR: dataDir,
    ADMIN_TOKEN: token,
    MODEL_MAX_BYTES: String(Math.max(sizeMiB, 100) * MiB),
    MODEL_KEEP_VERSIONS: '3',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchModels());
}
