// Big models stream through the S3 and Azure backends: saving and loading a 160 MiB model must not
// hold it in memory. Measured in a child process of its own (test/storage/rss-child.ts). What is
// buffered: lib-storage's parts (queue 4 × 8 MiB, plus the one being filled) or the Azure SDK's
// blocks (4 × 8 MiB), 1 MiB stream chunks, and garbage the collector has not returned yet;
// measured here: +70-85 MiB for S3, +60 MiB for Azure, whatever the model's size.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  azuriteConnectionString,
  createBucket,
  createContainer,
  S3_TARGET,
  serviceAvailable,
  startAzurite,
  startS3rver,
  uniqueName,
  type RunningService,
} from '../services/object-stores.js';

const MiB = 1024 * 1024;
const SIZE = 160 * MiB;
/** Well under the model's size (holding it would cost at least SIZE). */
const MAX_RSS_GROWTH = 0.75 * SIZE;
const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));

const targets = [
  {
    kind: 'S3',
    available: serviceAvailable('s3rver'),
    start: startS3rver,
    async env(endpoint: string) {
      const env = { STORAGE_BACKEND: 's3', S3_BUCKET: uniqueName('rss'), AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: S3_TARGET.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TARGET.secretAccessKey };
      await createBucket(loadConfig(env).storage.s3!);
      return env;
    },
  },
  {
    kind: 'AZURE',
    available: serviceAvailable('azurite'),
    start: startAzurite,
    async env(endpoint: string) {
      const env = { STORAGE_BACKEND: 'azure', AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString(endpoint), AZURE_STORAGE_CONTAINER: uniqueName('rss') };
      await createContainer(loadConfig(env).storage.azure!);
      return env;
    },
  },
];

describe.each(targets)('$kind: a model of 160 MiB', (target) => {
  let server: RunningService;
  let dir: string;
  beforeAll(async () => {
    if (target.available) server = await target.start();
    dir = mkdtempSync(join(tmpdir(), 'stockroom-rss-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(target.available)(
    'saves and loads streaming, with the RSS growth bounded well under the model size',
    async () => {
      const env = await target.env(server.endpoint);
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', child, JSON.stringify(env), dir, String(SIZE)], {
        maxBuffer: 1024 * 1024,
      });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<'save' | 'load', { rssDeltaBytes: number; ms: number }>;
      console.log(`${target.kind} 160 MiB: save ${result.save.ms} ms, +${(result.save.rssDeltaBytes / MiB).toFixed(1)} MiB RSS; load ${result.load.ms} ms, +${(result.load.rssDeltaBytes / MiB).toFixed(1)} MiB RSS`);
      expect(result.save.rssDeltaBytes).toBeLessThan(MAX_RSS_GROWTH);
      expect(result.load.rssDeltaBytes).toBeLessThan(MAX_RSS_GROWTH);
    },
    120_000,
  );
});
