// Model store benchmark: saves and loads a 100 MiB model through a real stockroom server (src/server.ts
// in a child process, 127.0.0.1, port 0, a fresh DATA_DIR) and compares the throughput with a plain
// file copy of the same bytes (read → write → fsync, the durability a save has) measured in the
// same run. Reports the server's peak RSS during the save (Linux: VmHWM, reset before the save;
// elsewhere: `ps` sampled every 20 ms).
//
//   npx tsx bench/models.ts        (or through `npm run bench`)
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet, request as httpRequest } from 'node:http';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { startServerChild, type ServerChild } from './server-child.js';

const MiB = 1024 * 1024;

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
        version = await upload(server.url, token, source, sizeMiB * MiB);
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

function mb(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
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

/**
 * A lean multipart client (node:http, the file streamed from disk, Content-Length known), so the
 * numbers are the server's rather than fetch's FormData encoder's.
 */
async function upload(url: string, token: string, path: string, size: number): Promise<number> {
  const boundary = `----stockroom${randomBytes(8).toString('hex')}`;
  const operations = JSON.stringify({
    query: 'mutation Save($file: File!) { saveModel(input: { id: "bench", file: $file, modelType: "bench" }) { version sizeBytes } }',
    variables: { file: null },
  });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${JSON.stringify({ 0: ['variables.file'] })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="model.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const text = await new Promise<string>((resolve, reject) => {
    const request = httpRequest(`${url}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'x-graphql-csrf': '1',
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
    });
    request.once('error', reject);
    request.once('response', async (response) => {
      let body = '';
      for await (const chunk of response) body += chunk;
      resolve(body);
    });
    request.write(head);
    const file = createReadStream(path, { highWaterMark: MiB });
    file.pipe(request, { end: false });
    file.once('error', reject);
    file.once('end', () => request.end(tail));
  });
  const body = JSON.parse(text) as { data?: { saveModel: { version: number; sizeBytes: number } }; errors?: unknown };
  if (!body.data || body.data.saveModel.sizeBytes !== size) throw new Error(`save failed: ${text}`);
  return body.data.saveModel.version;
}

/** Times a download (bytes discarded); `sha256` is checked when given (outside the timed runs). */
async function download(url: string, token: string, version: number, size: number, sha256?: string): Promise<number> {
  const started = performance.now();
  const hash = sha256 ? createHash('sha256') : undefined;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    httpGet(`${url}/models/bench/content?version=${version}`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`load failed: ${response.statusCode}`));
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash?.update(chunk);
      });
      response.once('end', resolve);
      response.once('error', reject);
    }).once('error', reject);
  });
  const ms = performance.now() - started;
  if (bytes !== size || (hash && hash.digest('hex') !== sha256)) throw new Error('load returned different bytes');
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
