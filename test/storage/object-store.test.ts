// What S3 and Azure Blob share beyond the conformance suite, run against both real servers
// (s3rver, Azurite): the bucket layout, recovery of everything from the bucket alone through a
// whole server, several replicas on one bucket, conflicting writes, a failed upload part-way,
// orphan sweeping that spares other replicas' saves in progress, and coded errors without secrets.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { createAzureBackend } from '../../src/storage/azure.js';
import { ModelStore } from '../../src/storage/model-store.js';
import { createS3Backend } from '../../src/storage/s3.js';
import type { BackendKind, StorageBackend } from '../../src/storage/types.js';
import { startFaultProxy, type FaultProxy } from '../services/fault-proxy.js';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  createBucket,
  createContainer,
  S3_TARGET,
  serviceAvailable,
  startAzurite,
  startS3rver,
  uniqueName,
  type RunningService,
} from '../services/object-stores.js';
import { blobOf, compressible, sha256 } from './helpers.js';

const MiB = 1024 * 1024;
const TOKEN = 'object-store-test-admin-token';

interface Location {
  kind: BackendKind;
  env: Record<string, string>;
  config: Config;
  /** A backend instance for this bucket (through `endpoint` when given, e.g. a fault proxy). */
  backend(options?: { orphanGraceMs?: number; endpoint?: string }): StorageBackend;
  /** Every key in the bucket/container, sorted. */
  keys(): Promise<string[]>;
}

interface Kit {
  kind: BackendKind;
  available: boolean;
  /** The server honours If-Match / If-None-Match on writes. */
  conditionalWrites: boolean;
  start(): Promise<RunningService>;
  location(endpoint: string): Promise<Location>;
}

const s3Env = (endpoint: string, bucket: string): Record<string, string> => ({
  // Real servers: the checksum mode they need; s3rver: the one a custom endpoint defaults to.
  STORAGE_BACKEND: 's3',
  S3_BUCKET: bucket,
  S3_PREFIX: 'models',
  AWS_ENDPOINT_URL_S3: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: S3_TARGET.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3_TARGET.secretAccessKey,
});

const azureEnv = (endpoint: string, container: string, key = AZURITE_KEY): Record<string, string> => ({
  STORAGE_BACKEND: 'azure',
  AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${key};BlobEndpoint=${endpoint}/${AZURITE_ACCOUNT};`,
  AZURE_STORAGE_CONTAINER: container,
  AZURE_STORAGE_PREFIX: 'models',
});

const kits: Kit[] = [
  {
    kind: 'S3',
    available: serviceAvailable('s3rver'),
    conditionalWrites: S3_TARGET.conditionalWrites,
    start: startS3rver,
    async location(endpoint) {
      const env = s3Env(endpoint, uniqueName('objects'));
      const config = loadConfig(env);
      await createBucket(config.storage.s3!);
      const raw = new S3Client({
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        credentials: config.storage.s3!.credentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return {
        kind: 'S3',
        env,
        config,
        backend: (options = {}) =>
          createS3Backend(options.endpoint ? loadConfig(s3Env(options.endpoint, env.S3_BUCKET)).storage.s3! : config.storage.s3!, options),
        async keys() {
          const listed = await raw.send(new ListObjectsV2Command({ Bucket: env.S3_BUCKET }));
          return (listed.Contents ?? []).map((o) => o.Key!).sort();
        },
      };
    },
  },
  {
    kind: 'AZURE',
    available: serviceAvailable('azurite'),
    conditionalWrites: true,
    start: startAzurite,
    async location(endpoint) {
      const env = azureEnv(endpoint, uniqueName('objects'));
      const config = loadConfig(env);
      await createContainer(config.storage.azure!);
      const container = BlobServiceClient.fromConnectionString(config.storage.azure!.connectionString).getContainerClient(env.AZURE_STORAGE_CONTAINER);
      return {
        kind: 'AZURE',
        env,
        config,
        backend: (options = {}) =>
          createAzureBackend(
            options.endpoint ? loadConfig(azureEnv(options.endpoint, env.AZURE_STORAGE_CONTAINER)).storage.azure! : config.storage.azure!,
            { ...options, pipeline: { retryOptions: { maxTries: 2, retryDelayInMs: 50, maxRetryDelayInMs: 100 } } },
          ),
        async keys() {
          const keys: string[] = [];
          for await (const blob of container.listBlobsFlat()) keys.push(blob.name);
          return keys.sort();
        },
      };
    },
  },
];

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe.each(kits)('$kind object store', (kit) => {
  let server: RunningService;
  const dirs: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockroom-objects-'));
    dirs.push(dir);
    return dir;
  };
  const storeOn = (backend: StorageBackend, options: { indexRefreshMs?: number; keepVersions?: number } = {}) => {
    const store = new ModelStore(backend, { stagingDir: tempDir(), maxModelBytes: 64 * MiB, keepVersions: 10, ...options });
    closers.push(() => store.close());
    return store;
  };

  beforeAll(async () => {
    if (kit.available) server = await kit.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close().catch(() => {});
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe.runIf(kit.available)('', () => {
    it('lays a model out as <prefix>/<id>/manifest.json and <prefix>/<id>/v<N>-<nonce>.<encoding>', async () => {
      const at = await kit.location(server.endpoint);
      const store = storeOn(at.backend());
      await store.save({ id: 'layout', file: blobOf(randomBytes(1000)) });
      await store.save({ id: 'layout', file: blobOf(compressible(200_000)) });
      const keys = await at.keys();
      expect(keys).toHaveLength(3);
      expect(keys[0]).toBe('models/layout/manifest.json');
      expect(keys[1]).toMatch(/^models\/layout\/v1-[0-9a-f]{8}\.identity$/);
      expect(keys[2]).toMatch(/^models\/layout\/v2-[0-9a-f]{8}\.gzip$/);
    });

    it('brings every model back from the bucket alone after DATA_DIR is wiped (a whole server, configured from the environment)', async () => {
      const at = await kit.location(server.endpoint);
      const gql = async (app: ReturnType<typeof createApp>, query: string, variables: Record<string, unknown> = {}) => {
        const response = await app.yoga.fetch('http://stockroom.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
        expect(body.errors).toBeUndefined();
        return body.data!;
      };
      const save = `mutation($input: SaveModelInput!) { saveModel(input: $input) { id version backend } }`;
      const listing = `{ models { id version deployedVersion backend symbol modelType metadata sha256 sizeBytes versions { version sha256 metadata } } storageStatus { backend savedModels deployedModels savedVersions } }`;
      const big = randomBytes(3 * MiB);
      const env = { ...at.env, ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent', MAX_REQUEST_BYTES: String(8 * MiB) };
      const first = createApp(loadConfig({ ...env, DATA_DIR: tempDir() }));
      try {
        for (const [i, b] of [randomBytes(10), big].entries()) {
          const saved = await gql(first, save, { input: { id: 'alpha', contentBase64: b.toString('base64'), metadata: { i }, symbol: 'aapl', modelType: 'sklearn' } });
          expect(saved.saveModel).toMatchObject({ id: 'alpha', version: i + 1, backend: kit.kind });
        }
        await gql(first, save, { input: { id: 'beta', contentBase64: compressible(50_000).toString('base64') } });
        await gql(first, `mutation { deployModel(id: "alpha", version: 1) { id } rollbackModel(id: "beta", version: 1) { version } }`);
      } finally {
        await first.close();
      }
      const check = createApp(loadConfig({ ...env, DATA_DIR: tempDir() }));
      closers.push(() => check.close());
      const before = await gql(check, listing);

      // A new machine: an empty DATA_DIR, nothing but the bucket.
      const second = createApp(loadConfig({ ...env, DATA_DIR: tempDir() }));
      closers.push(() => second.close());
      const after = await gql(second, listing);
      expect(after).toEqual(before);
      expect(after.storageStatus).toEqual({ backend: kit.kind, savedModels: 2, deployedModels: 1, savedVersions: 4 });
      const models = after.models as Array<{ id: string; deployedVersion: number | null; versions: unknown[] }>;
      expect(models.map((m) => [m.id, m.deployedVersion, m.versions.length])).toEqual([
        ['alpha', 1, 2],
        ['beta', null, 2],
      ]);
      const download = await second.yoga.fetch('http://stockroom.test/models/alpha/content?version=2', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(download.status).toBe(200);
      expect(download.headers.get('etag')).toBe(`"${sha256(big)}"`);
      expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(big));
    });

    it('keeps replicas on one bucket consistent: refreshed reads, version numbers from the bucket, deletes seen as deletes', async () => {
      const at = await kit.location(server.endpoint);
      const a = storeOn(at.backend(), { indexRefreshMs: 60_000 });
      const b = storeOn(at.backend(), { indexRefreshMs: 60_000 });
      await a.ready();
      await b.ready();

      const v1 = randomBytes(5000);
      await a.save({ id: 'shared', file: blobOf(v1), metadata: { by: 'a' } });
      expect(await b.get('shared')).toBeNull(); // b's index is younger than indexRefreshMs
      await b.refresh();
      expect((await b.get('shared'))?.version).toBe(1);

      // b's save numbers from the bucket's manifest, not from its own (possibly stale) index.
      await a.save({ id: 'shared', file: blobOf(randomBytes(10)) }); // v2, b has not refreshed
      const v3 = await b.save({ id: 'shared', file: blobOf(randomBytes(20)), metadata: { by: 'b' } });
      expect(v3.version).toBe(3);
      expect(v3.versions.map((v) => v.version)).toEqual([1, 2, 3]);
      expect((await b.deploy('shared', 1)).deployedVersion).toBe(1);
      await a.refresh();
      expect((await a.get('shared'))).toMatchObject({ version: 3, deployedVersion: 1, metadata: { by: 'b' } });

      // Reads refresh by themselves once the index is older than indexRefreshMs.
      const c = storeOn(at.backend(), { indexRefreshMs: 1 });
      await c.ready();
      await a.save({ id: 'other', contentBase64: 'AAEC' });
      await new Promise((r) => setTimeout(r, 5));
      expect((await c.list()).map((m) => m.id)).toEqual(['other', 'shared']);

      // a deletes; b has not refreshed: loading answers MODEL_NOT_FOUND, never MODEL_CORRUPTED.
      await a.delete('shared');
      expect((await rejection(b.openContent('shared', 1))).code).toBe('MODEL_NOT_FOUND');
      expect((await rejection(b.deploy('shared', 1))).code).toBe('MODEL_NOT_FOUND');
      await b.refresh();
      expect(await b.get('shared')).toBeNull();
      expect((await b.readContent('other', 1, 100)).toString('base64')).toBe('AAEC');
    });

    it('refuses a manifest write based on a stale read (MODEL_CONFLICT) and never loses a committed version', async () => {
      const at = await kit.location(server.endpoint);
      let proxy: FaultProxy | undefined;
      if (!kit.conditionalWrites) {
        // s3rver ignores If-Match / If-None-Match (AWS S3, Azure and Ceph RGW honour them): check
        // that they are sent, and answer 412 through the proxy where S3 would.
        proxy = await startFaultProxy(server.endpoint);
        closers.push(() => proxy!.close());
      }
      const backend = () => at.backend({ endpoint: proxy?.endpoint });
      const store = storeOn(backend());
      await store.save({ id: 'race', contentBase64: 'AAEC' });
      const first = backend();
      const second = backend();
      const manifest = (await first.readManifest('race'))!;
      await second.readManifest('race');
      await first.writeManifest({ ...manifest, deployedVersion: 1, updatedAt: new Date().toISOString() });
      if (proxy) {
        proxy.rules.push({ match: (r) => r.method === 'PUT' && r.url.includes('manifest.json') && !!r.headers['if-match'], respond: { status: 412, body: '<Error><Code>PreconditionFailed</Code></Error>' }, times: 1 });
      }
      const conflict = await rejection(second.writeManifest({ ...manifest, updatedAt: new Date().toISOString() }));
      expect(conflict).toMatchObject({ code: 'MODEL_CONFLICT', httpStatus: 409 });
      expect((await backend().readManifest('race'))!.deployedVersion).toBe(1); // the first write stands

      // Creating: If-None-Match: * — the second creator of one id loses.
      await first.readManifest('fresh');
      await second.readManifest('fresh');
      await first.writeManifest({ ...manifest, id: 'fresh' });
      if (proxy) {
        proxy.rules.push({ match: (r) => r.method === 'PUT' && r.url.includes('fresh/manifest.json') && r.headers['if-none-match'] === '*', respond: { status: 412 }, times: 1 });
      }
      expect((await rejection(second.writeManifest({ ...manifest, id: 'fresh', deployedVersion: 1 }))).code).toBe('MODEL_CONFLICT');
      if (proxy) {
        const manifestPuts = proxy.seen.filter((r) => r.method === 'PUT' && r.url.includes('manifest.json'));
        expect(manifestPuts.some((r) => r.headers['if-match'])).toBe(true);
        expect(manifestPuts.some((r) => r.headers['if-none-match'] === '*')).toBe(true);
      }

      // Two replicas saving one id at once: each save either commits its own version or fails
      // with MODEL_CONFLICT, and every committed version loads with its own bytes. Needs a store
      // that honours conditional writes (s3rver does not: there the last writer wins).
      if (!kit.conditionalWrites) return;
      const a = storeOn(backend());
      const b = storeOn(backend());
      const sent = new Map<string, Buffer>();
      for (let round = 0; round < 4; round++) {
        const bytes = [randomBytes(40_000), randomBytes(40_000)];
        bytes.forEach((x) => sent.set(sha256(x), x));
        const results = await Promise.allSettled([a.save({ id: 'race', file: blobOf(bytes[0]) }), b.save({ id: 'race', file: blobOf(bytes[1]) })]);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'MODEL_CONFLICT' });
        expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      }
      const final = storeOn(backend());
      const model = (await final.get('race'))!;
      expect(model.versions.map((v) => v.version)).toEqual(Array.from({ length: model.version }, (_, i) => i + 1));
      for (const v of model.versions.slice(1)) {
        expect(sent.has(v.sha256)).toBe(true);
        expect(sha256(await readAll((await final.openContent('race', v.version)).stream))).toBe(v.sha256);
      }
      // Losers removed their own blobs: every blob in the bucket is referenced.
      const referenced = (await backend().readManifest('race'))!.versions.map((v) => `models/race/${v.blob.name}`);
      expect((await at.keys()).filter((k) => k.startsWith('models/race/v')).sort()).toEqual(referenced.sort());
    });

    it.runIf(kit.kind === 'S3')('adapts to a server that compares If-Match with the unquoted ETag (Ceph RGW 16)', async () => {
      const at = await kit.location(server.endpoint);
      const proxy = await startFaultProxy(server.endpoint);
      closers.push(() => proxy.close());
      const store = storeOn(at.backend({ endpoint: proxy.endpoint }));
      await store.save({ id: 'quotes', contentBase64: 'AAEC' });
      // What RGW 16 does: a quoted If-Match never matches.
      proxy.rules.push({
        match: (r) => r.method === 'PUT' && r.url.includes('manifest.json') && String(r.headers['if-match'] ?? '').startsWith('"'),
        respond: { status: 412, body: '<Error><Code>PreconditionFailed</Code></Error>' },
      });
      expect((await store.deploy('quotes', 1)).deployedVersion).toBe(1);
      expect((await store.save({ id: 'quotes', contentBase64: 'AwQF' })).version).toBe(2);
      const ifMatches = proxy.seen.filter((r) => r.method === 'PUT' && r.headers['if-match']).map((r) => String(r.headers['if-match']));
      expect(ifMatches[0]).toMatch(/^"[0-9a-f]{32}"$/); // tried as the standard says, refused,
      expect(ifMatches.slice(1).every((tag) => /^[0-9a-f]{32}$/.test(tag))).toBe(true); // then unquoted only
      expect(ifMatches).toHaveLength(3);
    });

    it('leaves the previous version current when an upload fails part-way (connection cut through a proxy)', async () => {
      const at = await kit.location(server.endpoint);
      const proxy = await startFaultProxy(server.endpoint);
      closers.push(() => proxy.close());
      const store = storeOn(at.backend({ endpoint: proxy.endpoint }));
      const v1 = randomBytes(100_000);
      await store.save({ id: 'cut', file: blobOf(v1), metadata: { v: 1 } });

      // S3: the second part of a multipart upload; Azure: the second block. Every retry is cut too.
      const blockOrPart = kit.kind === 'S3' ? /[?&]partNumber=2(&|$)/ : /[?&]comp=block(&|$)/;
      let blockRequests = 0;
      proxy.rules.push({
        match: (r) => r.method === 'PUT' && blockOrPart.test(r.url) && (kit.kind === 'S3' || ++blockRequests >= 2),
        cutAfterBytes: 1 * MiB,
      });
      const failed = await rejection(store.save({ id: 'cut', file: blobOf(randomBytes(20 * MiB)), metadata: { v: 2 } }));
      expect(failed.code).toBe('STORAGE_UNAVAILABLE');
      expect(proxy.applied).toBeGreaterThan(0);
      proxy.rules.length = 0;

      expect((await store.get('cut'))).toMatchObject({ version: 1, metadata: { v: 1 }, sha256: sha256(v1) });
      const fresh = storeOn(at.backend());
      expect((await fresh.get('cut'))).toMatchObject({ version: 1, metadata: { v: 1 } });
      expect(sha256(await readAll((await fresh.openContent('cut')).stream))).toBe(sha256(v1));
      const keys = await at.keys();
      expect(keys).toHaveLength(2); // the manifest and v1: no half-written object
      expect(keys[1]).toMatch(/^models\/cut\/v1-[0-9a-f]{8}\.identity$/);

      // Nothing was consumed: the next save is version 2.
      expect((await store.save({ id: 'cut', contentBase64: 'AAEC' })).version).toBe(2);
    });

    it('sweeps orphans only once they are older than the grace period (a save in progress on another replica is spared)', async () => {
      const at = await kit.location(server.endpoint);
      const writer = at.backend();
      const staged = join(tempDir(), 'blob');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(staged, 'in flight');
      await writer.putBlob('pending', 1, { path: staged, sizeBytes: 9, sha256: sha256(Buffer.from('in flight')) });
      const blobKey = (await at.keys())[0];

      const replica = at.backend(); // default grace: one hour
      await replica.open();
      expect(await at.keys()).toEqual([blobKey]);
      expect(await replica.listModelIds()).toEqual([]);

      const janitor = at.backend({ orphanGraceMs: 0 });
      await janitor.open();
      expect(await at.keys()).toEqual([]);
    });

    it('reports an unreachable store, a missing bucket and refused credentials as coded errors without secrets', async () => {
      const at = await kit.location(server.endpoint);
      const secret = kit.kind === 'S3' ? 'wrong-secret-key-123' : randomBytes(64).toString('base64');
      const variants: Array<[string, Record<string, string>]> =
        kit.kind === 'S3'
          ? [
              ['STORAGE_UNAVAILABLE', { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' }],
              ['STORAGE_NOT_FOUND', { S3_BUCKET: 'no-such-bucket' }],
              ['STORAGE_AUTH_FAILED', { AWS_ACCESS_KEY_ID: 'UNKNOWNKEY', AWS_SECRET_ACCESS_KEY: secret }],
            ]
          : [
              ['STORAGE_UNAVAILABLE', azureEnv('http://127.0.0.1:9', at.env.AZURE_STORAGE_CONTAINER)],
              ['STORAGE_NOT_FOUND', { AZURE_STORAGE_CONTAINER: 'no-such-container' }],
              ['STORAGE_AUTH_FAILED', azureEnv(server.endpoint, at.env.AZURE_STORAGE_CONTAINER, secret)],
            ];
      for (const [code, env] of variants) {
        const lines: string[] = [];
        const app = createApp(loadConfig({ ...at.env, ...env, DATA_DIR: tempDir(), ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'debug' }), {
          logWrite: (line) => lines.push(line),
        });
        closers.push(() => app.close());
        const started = Date.now();
        const response = await app.yoga.fetch('http://stockroom.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ storageStatus { backend savedModels } }' }),
        });
        const text = await response.text();
        const answered = JSON.parse(text).errors[0].extensions.code;
        // Azure answers a wrong key with AuthenticationFailed; Azurite with AuthorizationFailure.
        if (kit.kind === 'AZURE' && code === 'STORAGE_AUTH_FAILED') expect(['STORAGE_AUTH_FAILED', 'STORAGE_PERMISSION_DENIED'], text).toContain(answered);
        else expect(answered, text).toBe(code);
        expect(Date.now() - started).toBeLessThan(20_000);
        for (const output of [text, ...lines]) {
          expect(output).not.toContain(secret);
          expect(output).not.toContain(AZURITE_KEY);
        }
      }
    });
  });
});
