// The S3 backend against a real S3 implementation (s3rver, started here): the shared conformance
// suite, plus what only an object store shared by replicas has.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe } from 'vitest';
import { createS3Backend } from '../../src/storage/s3.js';
import { backendSuite } from './backend-suite.js';
import { createBucket, rawS3Client, S3_TARGET, s3Settings, serviceAvailable, startS3rver, uniqueName, type RunningService } from '../services/object-stores.js';

const available = serviceAvailable('s3rver');
let server: RunningService;

beforeAll(async () => {
  if (available) server = await startS3rver();
});
afterAll(async () => {
  await server?.stop();
});

describe.runIf(available)(`S3 backend (${S3_TARGET.name})`, () => {
  backendSuite('s3', async () => {
    const settings = s3Settings(server.endpoint, uniqueName('suite'));
    await createBucket(settings);
    const raw = rawS3Client(settings);
    const backends: Array<{ close(): Promise<void> }> = [];
    return {
      backend: () => {
        const backend = createS3Backend(settings, { orphanGraceMs: 0 });
        backends.push(backend);
        return backend;
      },
      async corruptBlob(id, version) {
        const manifest = JSON.parse(
          await (await raw.send(new GetObjectCommand({ Bucket: settings.bucket, Key: `models/${id}/manifest.json` }))).Body!.transformToString(),
        );
        const name = manifest.versions.find((v: { version: number }) => v.version === version).blob.name;
        const Key = `models/${id}/${name}`;
        const bytes = Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: settings.bucket, Key }))).Body!.transformToByteArray());
        bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
        await raw.send(new PutObjectCommand({ Bucket: settings.bucket, Key, Body: bytes }));
      },
      async cleanup() {
        for (const backend of backends) await backend.close();
        raw.destroy();
      },
    };
  });
});
