// Child process of object-store-rss.test.ts: saves and loads one big model through a ModelStore on
// an S3 or Azure backend and reports its own peak RSS above the baseline for each phase. A process
// of its own, so the numbers are this work's and not the test runner's.
import { createHash, randomFillSync } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { BACKEND_KIND, createObjectStoreBackend } from '../../src/storage/backends.js';
import { ModelStore } from '../../src/storage/model-store.js';

const [envJson, workDir, sizeText] = process.argv.slice(2);
const size = Number(sizeText);
const config = loadConfig(JSON.parse(envJson) as Record<string, string>);

// The model, written in 1 MiB pieces (never whole in memory).
const source = join(workDir, 'model.bin');
const hash = createHash('sha256');
const handle = await open(source, 'w');
const piece = Buffer.alloc(1024 * 1024);
for (let written = 0; written < size; written += piece.length) {
  randomFillSync(piece);
  const part = piece.subarray(0, Math.min(piece.length, size - written));
  hash.update(part);
  await handle.write(part);
}
await handle.close();
const expected = hash.digest('hex');

const store = new ModelStore(createObjectStoreBackend(BACKEND_KIND[config.storage.backend] as 'S3' | 'AZURE', config.storage), {
  stagingDir: join(workDir, 'staging'),
  maxModelBytes: size + 1,
  keepVersions: 10,
});
await store.save({ id: 'warm-up', contentBase64: 'AAEC' }); // SDKs loaded, connections open
global.gc?.();

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
const timer = setInterval(sample, 5);
const phase = async (fn: () => Promise<void>) => {
  global.gc?.();
  const baseline = process.memoryUsage.rss();
  peak = baseline;
  const started = Date.now();
  await fn();
  sample();
  return { rssDeltaBytes: peak - baseline, ms: Date.now() - started };
};

const save = await phase(async () => {
  const saved = await store.save({ id: 'big', file: await openAsBlob(source) });
  if (saved.sha256 !== expected) throw new Error('saved sha256 differs');
});
const load = await phase(async () => {
  const content = await store.openContent('big');
  const check = createHash('sha256');
  for await (const chunk of content.stream) check.update(chunk as Buffer);
  if (check.digest('hex') !== expected) throw new Error('loaded bytes differ');
});
clearInterval(timer);
await store.close();
process.stdout.write(`${JSON.stringify({ save, load })}\n`);
