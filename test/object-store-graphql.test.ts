// The S3 and Azure backends through the server (createApp, GraphQL, the content route), on real
// s3rver and Azurite and the fake GitHub: migration to and from every other backend
// (local, GitHub, S3, Azure), the backend choice surviving a wiped DATA_DIR through the bucket,
// unconfigured or unreachable targets, and with several replicas (Redis): model changes seen at
// once, a switch followed by the others, by replicas started later and by one that missed it.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App, type AppOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { BackendKind } from '../src/storage/types.js';
import { startFakeGitHub, type FakeGitHub } from './fakes/github.js';
import { REDIS_SERVER, startRedis, type RedisServer } from './redis-server.js';
import {
  azuriteConnectionString,
  createBucket,
  createContainer,
  IN_CI,
  S3_TARGET,
  serviceAvailable,
  startAzurite,
  startS3rver,
  uniqueName,
  type RunningService,
} from './services/object-stores.js';

const ADMIN = 'object-store-graphql-admin-token';
const GITHUB_TOKEN = 'ghp_ObjectStoreGraphqlTestToken000000000007';
const KEY = randomBytes(32);
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const available = serviceAvailable('s3rver') && serviceAvailable('azurite');
const redisAvailable = !!REDIS_SERVER || IN_CI;

let s3: RunningService;
let azure: RunningService;
const apps: App[] = [];
const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
const logLines: string[] = [];
const responses: string[] = [];

beforeAll(async () => {
  if (!available) return;
  [s3, azure] = await Promise.all([startS3rver(), startAzurite()]);
});
afterAll(async () => {
  await s3?.stop();
  await azure?.stop();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-osql-'));
  dirs.push(dir);
  return dir;
}

/** A fresh bucket and container, both configured; optionally the fake GitHub too. */
async function newStores(github?: FakeGitHub): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    S3_BUCKET: uniqueName('switch'),
    S3_PREFIX: 'models',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3_TARGET.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_TARGET.secretAccessKey,
    AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString(azure.endpoint),
    AZURE_STORAGE_CONTAINER: uniqueName('switch'),
    ...(github && { GITHUB_TOKEN, GITHUB_API_URL: github.url, STORAGE_ENCRYPTION_KEY: KEY.toString('base64') }),
  };
  const config = loadConfig(env);
  await createBucket(config.storage.s3!);
  await createContainer(config.storage.azure!);
  return env;
}

const tuning: AppOptions['storageTuning'] = {
  client: { writeSpacingMs: 0, retryBaseMs: 5 },
  gist: { chunkBytes: 256 * 1024, orphanGraceMs: 0 },
  objectStore: { orphanGraceMs: 0 },
};

function server(dataDir: string, env: Record<string, string>) {
  const app = createApp(
    loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'debug', MAX_REQUEST_BYTES: String(8 * MiB), ...env }),
    { logWrite: (line) => logLines.push(line), storageTuning: tuning },
  );
  apps.push(app);
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const body = JSON.stringify({ query, variables });
    const response = await app.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${ADMIN}` },
      body,
    });
    const text = await response.text();
    responses.push(text);
    return JSON.parse(text) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  };
  const save = async (id: string, bytes: Buffer, extra: Record<string, unknown> = {}) => {
    const r = await gql(`mutation($input: SaveModelInput!) { saveModel(input: $input) { version backend } }`, {
      input: { id, contentBase64: bytes.toString('base64'), ...extra },
    });
    expect(r.errors).toBeUndefined();
    return r.data!.saveModel as { version: number; backend: BackendKind };
  };
  const models = async () =>
    (
      await gql(`{ models { id version sha256 metadata symbol modelType deployedVersion backend createdAt updatedAt
        versions { version sha256 sizeBytes metadata createdAt rolledBackFrom deployed } } }`)
    ).data!.models as Array<Record<string, any>>;
  const status = async () => (await gql(`{ storageStatus { backend savedModels savedVersions deployedModels } }`)).data!.storageStatus;
  const switchTo = (backend: BackendKind, migrate = false) =>
    gql(`mutation($b: StorageBackend!, $m: Boolean) { setStorageBackend(backend: $b, migrate: $m) { backend savedModels savedVersions deployedModels } }`, {
      b: backend,
      m: migrate,
    });
  const download = async (id: string, version: number) => {
    const response = await app.yoga.fetch(`http://stockroom.test/models/${id}/content?version=${version}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  return { app, gql, save, models, status, switchTo, download };
}

type Server = ReturnType<typeof server>;

async function expectContent(s: Server, bytes: Record<string, Buffer[]>) {
  for (const [id, versions] of Object.entries(bytes)) {
    for (const [i, b] of versions.entries()) {
      const got = await s.download(id, i + 1);
      expect(got.status, `${id} v${i + 1}`).toBe(200);
      expect(sha256(got.bytes), `${id} v${i + 1}`).toBe(sha256(b));
    }
  }
}

const strip = (models: Array<Record<string, any>>) => models.map(({ backend: _b, ...rest }) => rest);

/** What a bucket or container holds (keys and ETags): to show a migration's source untouched. */
async function objectSnapshot(env: Record<string, string>, kind: 'S3' | 'AZURE'): Promise<string[]> {
  if (kind === 'S3') {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: env.S3_BUCKET, Prefix: 'models/' }));
      return (listed.Contents ?? []).filter((o) => !o.Key!.includes('/.stockroom/')).map((o) => `${o.Key} ${o.ETag}`).sort();
    } finally {
      client.destroy();
    }
  }
  const container = BlobServiceClient.fromConnectionString(env.AZURE_STORAGE_CONNECTION_STRING).getContainerClient(env.AZURE_STORAGE_CONTAINER);
  const out: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: 'stockroom/' })) {
    if (!blob.name.includes('/.stockroom/')) out.push(`${blob.name} ${blob.properties.etag}`);
  }
  return out.sort();
}

describe.runIf(available)('S3 and Azure through the server', () => {
  it(
    'migrates to and from every other backend: local → S3 → Azure → GitHub → S3 → local → Azure → S3 → GitHub → Azure → local',
    async () => {
      const github = await startFakeGitHub({ inlineLimitBytes: 16 * 1024, tokens: { [GITHUB_TOKEN]: { login: 'owner', scopes: ['gist'] } } });
      closers.push(() => github.close());
      const env = await newStores(github);
      const dataDir = newDataDir();
      const s = server(dataDir, env);

      const bytes: Record<string, Buffer[]> = { alpha: [randomBytes(1000), randomBytes(3 * MiB)], beta: [Buffer.alloc(200_000, 7)] };
      await s.save('alpha', bytes.alpha[0], { metadata: { lr: 0.1 }, symbol: 'AAPL', modelType: 'sklearn' });
      await s.save('alpha', bytes.alpha[1], { metadata: { lr: 0.2 } });
      await s.gql(`mutation { deployModel(id: "alpha", version: 1) { id } }`);
      await s.save('beta', bytes.beta[0]); // compressible: stored gzip'd

      const hops: BackendKind[] = ['S3', 'AZURE', 'GITHUB', 'S3', 'LOCAL', 'AZURE', 'S3', 'GITHUB', 'AZURE', 'LOCAL'];
      let from: BackendKind = 'LOCAL';
      for (const [i, target] of hops.entries()) {
        const before = await s.models();
        const source = from === 'S3' || from === 'AZURE' ? await objectSnapshot(env, from) : null;
        const result = await s.switchTo(target, true);
        expect(result.errors, `${from} → ${target}`).toBeUndefined();
        const versions = Object.values(bytes).reduce((n, v) => n + v.length, 0);
        expect(result.data!.setStorageBackend).toEqual({ backend: target, savedModels: Object.keys(bytes).length, savedVersions: versions, deployedModels: 1 });
        const after = await s.models();
        expect(after.every((m) => m.backend === target), `${from} → ${target}`).toBe(true);
        expect(strip(after), `${from} → ${target}`).toEqual(strip(before));
        if (source) expect(await objectSnapshot(env, from as 'S3' | 'AZURE'), `${from} untouched`).toEqual(source);
        await expectContent(s, bytes);
        // A change on the new backend travels with the next hop.
        const id = `hop-${i}`;
        bytes[id] = [randomBytes(10_000 + i)];
        expect((await s.save(id, bytes[id][0])).backend).toBe(target);
        from = target;
      }
    },
    180_000,
  );

  it('the choice survives a redeploy that wipes DATA_DIR through the bucket itself, without GitHub; STORAGE_BACKEND only starts it', async () => {
    const env = await newStores();
    const dataDir = newDataDir();
    const first = server(dataDir, { ...env, STORAGE_BACKEND: 'local' });
    await first.save('kept', Buffer.from('moved to s3'));
    expect((await first.switchTo('S3', true)).data!.setStorageBackend.backend).toBe('S3');
    await first.app.close();

    rmSync(dataDir, { recursive: true, force: true }); // a redeploy: STORAGE_BACKEND still says local
    const redeployed = server(dataDir, { ...env, STORAGE_BACKEND: 'local' });
    expect((await redeployed.status()).backend).toBe('S3');
    expect((await redeployed.models()).map((m) => [m.id, m.backend])).toEqual([['kept', 'S3']]);

    // Switching away is recorded in the bucket too, so STORAGE_BACKEND=s3 does not bring back a stale S3.
    expect((await redeployed.switchTo('AZURE', true)).data!.setStorageBackend.backend).toBe('AZURE');
    await redeployed.app.close();
    rmSync(dataDir, { recursive: true, force: true });
    const again = server(dataDir, { ...env, STORAGE_BACKEND: 's3' });
    expect((await again.status()).backend).toBe('AZURE');
    expect(logLines.some((l) => l.includes('STORAGE_BACKEND=s3 is not used'))).toBe(true);
  });

  it('a target that is not configured or cannot be reached fails with a coded error and changes nothing', async () => {
    const env = await newStores();
    const dataDir = newDataDir();
    const bare = server(dataDir, {});
    await bare.save('m', Buffer.from('x'));
    for (const target of ['S3', 'AZURE'] as const) {
      const r = await bare.switchTo(target, true);
      expect(r.errors![0].extensions!.code).toBe('STORAGE_NOT_CONFIGURED');
      expect(r.errors![0].message).toMatch(target === 'S3' ? /S3_BUCKET/ : /AZURE_STORAGE_CONNECTION_STRING/);
    }
    const unreachable = server(newDataDir(), { ...env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', S3_MAX_ATTEMPTS: '1' });
    await unreachable.save('m', Buffer.from('x'));
    const r = await unreachable.switchTo('S3', true);
    expect(r.errors![0].extensions!.code).toBe('STORAGE_UNAVAILABLE');
    const missing = server(newDataDir(), { ...env, AZURE_STORAGE_CONTAINER: 'no-such-container' });
    await missing.save('m', Buffer.from('x'));
    expect((await missing.switchTo('AZURE')).errors![0].extensions!.code).toBe('STORAGE_NOT_FOUND');
    for (const s of [bare, unreachable, missing]) {
      expect((await s.status()).backend).toBe('LOCAL');
      expect((await s.models()).map((m) => m.id)).toEqual(['m']);
    }
    expect(existsSync(join(dataDir, 'storage-backend.json'))).toBe(false);
  });

  it('/ready is 503 while the active object store cannot be reached', async () => {
    const env = await newStores();
    const s = server(newDataDir(), { ...env, STORAGE_BACKEND: 'azure' });
    expect((await s.app.yoga.fetch('http://stockroom.test/ready')).status).toBe(200);
    const down = server(newDataDir(), { ...env, STORAGE_BACKEND: 's3', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', S3_MAX_ATTEMPTS: '1' });
    expect((await down.app.yoga.fetch('http://stockroom.test/ready')).status).toBe(503);
  });

  describe.runIf(redisAvailable)('several replicas (Redis)', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it('model changes and a switch on one replica reach every replica; replicas started later, or that missed it, start on it', async () => {
      // An index refresh that never comes during the test: what b learns, it learns from a's messages.
      const env = { ...(await newStores()), STORAGE_BACKEND: 's3', REDIS_URL: redis.url, REDIS_PREFIX: `${uniqueName('switch')}:`, MODEL_INDEX_REFRESH_S: '3600' };
      const a = server(newDataDir(), env);
      const b = server(newDataDir(), env);
      await waitFor(async () => (await fetchReady(a.app)) === 200 && (await fetchReady(b.app)) === 200);
      expect(await b.models()).toEqual([]);
      const bytes = randomBytes(100_000);
      await a.save('shared', bytes, { metadata: { by: 'a' } });
      await a.save('gone', Buffer.from('soon deleted'));
      await waitFor(async () => (await b.models()).length === 2);
      expect((await b.models()).map((m) => [m.id, m.backend])).toEqual([['gone', 'S3'], ['shared', 'S3']]);
      await a.gql(`mutation { deployModel(id: "shared") { id } deleteModel(id: "gone") }`);
      await waitFor(async () => (await b.models()).length === 1);
      expect((await b.models())[0]).toMatchObject({ id: 'shared', deployedVersion: 1 });

      const switched = await a.switchTo('AZURE', true);
      expect(switched.errors).toBeUndefined();
      await waitFor(async () => (await b.status()).backend === 'AZURE');
      expect((await b.models()).map((m) => [m.id, m.backend, m.metadata])).toEqual([['shared', 'AZURE', { by: 'a' }]]);
      expect(sha256((await b.download('shared', 1)).bytes)).toBe(sha256(bytes));
      expect((await b.save('shared', Buffer.from('from b'))).backend).toBe('AZURE');

      // Started later on a fresh disk (STORAGE_BACKEND=s3): the choice recorded in the bucket wins.
      const later = server(newDataDir(), env);
      expect((await later.status()).backend).toBe('AZURE');
      expect((await later.models())[0]).toMatchObject({ id: 'shared', version: 2, backend: 'AZURE' });

      // Down during the switch (it missed the message), restarted with its old state file: the
      // newer choice recorded in the bucket wins.
      const missedDir = newDataDir();
      writeFileSync(join(missedDir, 'storage-backend.json'), JSON.stringify({ backend: 'S3', switchedAt: '2020-01-01T00:00:00.000Z' }));
      const missed = server(missedDir, env);
      expect((await missed.status()).backend).toBe('AZURE');
    });
  });
});

async function fetchReady(app: App): Promise<number> {
  return (await app.yoga.fetch('http://stockroom.test/ready')).status;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(available)('secrets', () => {
  it('no S3 secret key or Azure account key in any response or log line of these tests', () => {
    expect(logLines.length).toBeGreaterThan(50);
    for (const secret of [S3_TARGET.secretAccessKey.length >= 8 ? S3_TARGET.secretAccessKey : 'never-matches', azuriteConnectionString('x').match(/AccountKey=([^;]+)/)![1], GITHUB_TOKEN]) {
      for (const line of [...logLines, ...responses]) expect(line.includes(secret), line.slice(0, 200)).toBe(false);
    }
  });
});
