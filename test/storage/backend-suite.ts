// The conformance suite every storage backend passes: test/storage/<backend>.test.ts calls
// backendSuite() with a harness for its backend. It checks the backend contract directly
// (src/storage/types.ts) and, through a ModelStore on top, everything users rely on: round trips,
// versions, rollback, deploy, delete, concurrent saves, corruption detection, listing, retention
// and rebuilding the index from the backend alone.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { ModelStore, type ModelStoreOptions } from '../../src/storage/model-store.js';
import { BlobMissingError, type ModelManifest, type StorageBackend } from '../../src/storage/types.js';
import { blobOf, compressible, sha256 } from './helpers.js';

export interface BackendHarness {
  /**
   * A new backend instance over the same stored data, sharing no memory with earlier instances,
   * as after a restart (for remote backends: on a machine whose local disk was wiped).
   */
  backend(): StorageBackend;
  /** Changes stored bytes of a version without the backend noticing (bit rot, tampering). */
  corruptBlob(id: string, version: number): Promise<void>;
  /** Removes everything the harness created. */
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;



async function expectCode(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function backendSuite(name: string, createHarness: () => Promise<BackendHarness>): void {
  describe(`storage backend conformance: ${name}`, () => {
    let harness: BackendHarness;
    let staging: string[];

    beforeEach(async () => {
      harness = await createHarness();
      staging = [];
    });
    afterEach(async () => {
      await harness.cleanup();
      for (const dir of staging) rmSync(dir, { recursive: true, force: true });
    });

    /** A ModelStore over a fresh backend instance and a fresh local staging directory. */
    const openStore = async (options: Partial<ModelStoreOptions> = {}) => {
      const dir = mkdtempSync(join(tmpdir(), 'stockroom-staging-'));
      staging.push(dir);
      const store = new ModelStore(harness.backend(), { stagingDir: dir, maxModelBytes: 64 * MiB, keepVersions: 10, ...options });
      await store.ready();
      return store;
    };

    const content = async (store: ModelStore, id: string, version?: number) => readAll((await store.openContent(id, version)).stream);

    describe('backend contract', () => {
      const manifestFor = (id: string, bytes: Buffer, locator = {}): ModelManifest => ({
        formatVersion: 1,
        id,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        deployedVersion: null,
        versions: [
          {
            version: 1,
            sizeBytes: bytes.length,
            sha256: sha256(bytes),
            encoding: 'identity',
            storedBytes: bytes.length,
            storedSha256: sha256(bytes),
            metadata: { a: 1 },
            symbol: null,
            modelType: null,
            createdAt: '2026-01-01T00:00:00.000Z',
            blob: locator,
          },
        ],
      });
      const stage = (bytes: Buffer) => {
        const dir = mkdtempSync(join(tmpdir(), 'stockroom-blob-'));
        staging.push(dir);
        const path = join(dir, 'blob');
        writeFileSync(path, bytes);
        return { path, sizeBytes: bytes.length, sha256: sha256(bytes) };
      };

      it('starts empty', async () => {
        const backend = harness.backend();
        await backend.open();
        expect(await backend.listModelIds()).toEqual([]);
        expect(await backend.readManifest('nothing')).toBeNull();
        await expect(backend.openBlob('nothing', 1, {})).rejects.toBeInstanceOf(BlobMissingError);
      });

      it('stores blobs and manifests, replaces manifests, deletes blobs and models', async () => {
        const backend = harness.backend();
        await backend.open();
        const bytes = randomBytes(3 * MiB + 17);
        const locator = await backend.putBlob('m.1', 1, stage(bytes));
        const manifest = manifestFor('m.1', bytes, locator);
        await backend.writeManifest(manifest);
        expect(await backend.listModelIds()).toEqual(['m.1']);
        expect(await backend.readManifest('m.1')).toEqual(manifest);
        expect(sha256(await readAll(await backend.openBlob('m.1', 1, locator)))).toBe(sha256(bytes));

        const replaced = { ...manifest, updatedAt: '2026-02-02T00:00:00.000Z', deployedVersion: 1 };
        await backend.writeManifest(replaced);
        expect(await harness.backend().readManifest('m.1')).toEqual(replaced);

        await backend.deleteBlob('m.1', 1, locator);
        await backend.deleteBlob('m.1', 1, locator); // already gone: fine
        await expect(backend.openBlob('m.1', 1, locator)).rejects.toBeInstanceOf(BlobMissingError);

        await backend.deleteModel('m.1');
        await backend.deleteModel('m.1'); // already gone: fine
        expect(await backend.listModelIds()).toEqual([]);
        expect(await backend.readManifest('m.1')).toBeNull();
      });

      it('open() removes blobs no manifest references (what a crash between putBlob and writeManifest leaves)', async () => {
        const backend = harness.backend();
        await backend.open();
        const bytes = randomBytes(1000);
        const committed = await backend.putBlob('kept', 1, stage(bytes));
        await backend.writeManifest(manifestFor('kept', bytes, committed));
        const orphan = await backend.putBlob('kept', 2, stage(randomBytes(10)));
        const firstSave = await backend.putBlob('never-committed', 1, stage(randomBytes(10)));

        const reopened = harness.backend();
        await reopened.open();
        expect(await reopened.listModelIds()).toEqual(['kept']);
        expect(sha256(await readAll(await reopened.openBlob('kept', 1, committed)))).toBe(sha256(bytes));
        await expect(reopened.openBlob('kept', 2, orphan)).rejects.toBeInstanceOf(BlobMissingError);
        await expect(reopened.openBlob('never-committed', 1, firstSave)).rejects.toBeInstanceOf(BlobMissingError);
      });

      it('refuses ids that are not model ids', async () => {
        const backend = harness.backend();
        await backend.open();
        for (const id of ['../x', 'a/b', '.hidden', '', 'x'.repeat(129)]) {
          await expectCode(backend.readManifest(id), 'INVALID_MODEL_ID');
          await expectCode(backend.putBlob(id, 1, stage(randomBytes(1))), 'INVALID_MODEL_ID');
          await expectCode(backend.deleteModel(id), 'INVALID_MODEL_ID');
        }
      });
    });

    describe('through the ModelStore', () => {
      it('round-trips empty, 1-byte, multi-MiB random and compressible models exactly', async () => {
        const store = await openStore();
        const cases: Array<[string, Buffer]> = [
          ['empty', Buffer.alloc(0)],
          ['one-byte', Buffer.from([0xff])],
          ['random-5MiB', randomBytes(5 * MiB + 3)],
          ['compressible-3MiB', compressible(3 * MiB)],
        ];
        for (const [id, bytes] of cases) {
          const saved = await store.save({ id, file: blobOf(bytes), metadata: { name: id } });
          expect(saved).toMatchObject({ id, version: 1, sizeBytes: bytes.length, sha256: sha256(bytes), metadata: { name: id } });
          expect((await content(store, id)).equals(bytes)).toBe(true);
        }
        // Compression when it saves space; never when it does not. sizeBytes stays the original size.
        const compressed = (await store.get('compressible-3MiB'))!.versions[0];
        expect(compressed.encoding).toBe('gzip');
        expect(compressed.storedBytes).toBeLessThan(compressed.sizeBytes / 4);
        const random = (await store.get('random-5MiB'))!.versions[0];
        expect(random.encoding).toBe('identity');
        expect(random.storedBytes).toBe(random.sizeBytes);
      });

      it('gives every save a new version with its own bytes, sha256, metadata and time', async () => {
        const store = await openStore();
        const bytes = [randomBytes(100), randomBytes(200), compressible(300_000, 3)];
        for (const [i, b] of bytes.entries()) {
          const saved = await store.save({ id: 'v', contentBase64: b.toString('base64'), metadata: { i }, symbol: 'msft', modelType: `t${i}` });
          expect(saved.version).toBe(i + 1);
        }
        const model = (await store.get('v'))!;
        expect(model.versions.map((v) => [v.version, v.sha256, v.metadata, v.modelType])).toEqual(
          bytes.map((b, i) => [i + 1, sha256(b), { i }, `t${i}`]),
        );
        expect(model).toMatchObject({ version: 3, sha256: sha256(bytes[2]), metadata: { i: 2 }, symbol: 'MSFT', modelType: 't2' });
        for (const [i, b] of bytes.entries()) expect((await content(store, 'v', i + 1)).equals(b)).toBe(true);
        await expectCode(store.openContent('v', 4), 'VERSION_NOT_FOUND');
        await expectCode(store.openContent('nope'), 'MODEL_NOT_FOUND');
      });

      it('rolls back by copying an old version as a new one', async () => {
        const store = await openStore();
        const first = compressible(200_000, 5);
        await store.save({ id: 'r', file: blobOf(first), metadata: { good: true }, modelType: 'a' });
        await store.save({ id: 'r', file: blobOf(randomBytes(500)), metadata: { good: false }, modelType: 'b' });
        const rolled = await store.rollback('r', 1);
        expect(rolled).toMatchObject({ version: 3, sha256: sha256(first), metadata: { good: true }, modelType: 'a' });
        expect(rolled.versions.map((v) => v.rolledBackFrom)).toEqual([null, null, 1]);
        expect((await content(store, 'r')).equals(first)).toBe(true);
        await expectCode(store.rollback('r', 9), 'VERSION_NOT_FOUND');
        await expectCode(store.rollback('none', 1), 'MODEL_NOT_FOUND');
      });

      it('deploys, redeploys and undeploys versions', async () => {
        const store = await openStore();
        await store.save({ id: 'd', contentBase64: 'AAEC' });
        await store.save({ id: 'd', contentBase64: 'AwQF' });
        expect((await store.deploy('d')).deployedVersion).toBe(2);
        expect((await store.deploy('d', 1)).deployedVersion).toBe(1);
        expect((await store.save({ id: 'd', contentBase64: 'BgcI' })).deployedVersion).toBe(1); // saving does not deploy
        await expectCode(store.deploy('d', 7), 'VERSION_NOT_FOUND');
        await expectCode(store.deploy('none'), 'MODEL_NOT_FOUND');
        expect((await store.undeploy('d')).deployedVersion).toBeNull();
        expect((await (await openStore()).get('d'))?.deployedVersion).toBeNull(); // as stored, not just in memory
      });

      it('deletes a model with all its versions; the id can be used again', async () => {
        const store = await openStore();
        await store.save({ id: 'del', contentBase64: 'AAEC' });
        await store.save({ id: 'del', contentBase64: 'AwQF' });
        const manifest = (await harness.backend().readManifest('del'))!;
        await store.delete('del');
        expect(await store.get('del')).toBeNull();
        await expectCode(store.openContent('del'), 'MODEL_NOT_FOUND');
        await expectCode(store.delete('del'), 'MODEL_NOT_FOUND');
        const backend = harness.backend();
        await backend.open();
        expect(await backend.listModelIds()).toEqual([]);
        for (const v of manifest.versions) {
          await expect(backend.openBlob('del', v.version, v.blob)).rejects.toBeInstanceOf(BlobMissingError);
        }
        expect((await store.save({ id: 'del', contentBase64: 'CQoL' })).version).toBe(1);
      });

      it('serialises concurrent saves of one id into distinct versions, losing none', async () => {
        const store = await openStore({ keepVersions: 20 });
        const inputs = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? compressible(100_000 + i, i + 1) : randomBytes(50_000 + i)));
        const results = await Promise.all(inputs.map((b, i) => store.save({ id: 'c', file: blobOf(b), metadata: { i } })));
        expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(inputs.map((_, i) => i + 1));
        const model = (await store.get('c'))!;
        expect(model.versions).toHaveLength(inputs.length);
        for (const v of model.versions) {
          const i = v.metadata.i as number;
          expect(v.sha256).toBe(sha256(inputs[i]));
          expect((await content(store, 'c', v.version)).equals(inputs[i])).toBe(true);
        }
      });

      it('detects corrupted bytes on load and never serves them (identity and gzip blobs)', async () => {
        const store = await openStore();
        await store.save({ id: 'bad', file: blobOf(randomBytes(2 * MiB)) });
        await store.save({ id: 'bad', file: blobOf(compressible(2 * MiB, 9)) });
        await store.save({ id: 'bad', file: blobOf(randomBytes(1000)) });
        const model = (await store.get('bad'))!;
        expect(model.versions.map((v) => v.encoding)).toEqual(['identity', 'gzip', 'identity']);
        await harness.corruptBlob('bad', 1);
        await harness.corruptBlob('bad', 2);
        await expectCode(store.openContent('bad', 1), 'MODEL_CORRUPTED');
        await expectCode(store.openContent('bad', 2), 'MODEL_CORRUPTED');
        await expectCode(store.readContent('bad', 2, 10 * MiB), 'MODEL_CORRUPTED');
        await expectCode(store.rollback('bad', 1), 'MODEL_CORRUPTED');
        expect((await store.get('bad'))!.version).toBe(3); // the failed rollback added nothing
        expect((await content(store, 'bad', 3)).length).toBe(1000); // the healthy version still loads
      });

      it('lists and filters models and counts them in status', async () => {
        const store = await openStore();
        await store.save({ id: 'b-model', contentBase64: 'AAAA', symbol: 'AAPL', modelType: 'sklearn' });
        await store.save({ id: 'a-model', contentBase64: 'AAAAAAAA', symbol: 'aapl', modelType: 'onnx' });
        await store.save({ id: 'c-model', contentBase64: 'AAAA', symbol: 'MSFT', modelType: 'sklearn' });
        await store.save({ id: 'c-model', contentBase64: 'AAAA', symbol: 'MSFT', modelType: 'sklearn' });
        await store.deploy('c-model');
        const ids = async (filter: Parameters<ModelStore['list']>[0]) => (await store.list(filter)).map((m) => m.id);
        expect(await ids({})).toEqual(['a-model', 'b-model', 'c-model']);
        expect(await ids({ symbol: 'aapl' })).toEqual(['a-model', 'b-model']);
        expect(await ids({ modelType: 'sklearn' })).toEqual(['b-model', 'c-model']);
        expect(await ids({ deployed: true })).toEqual(['c-model']);
        expect(await ids({ deployed: false, symbol: 'AAPL', modelType: 'onnx' })).toEqual(['a-model']);
        expect(await store.status()).toMatchObject({ savedModels: 3, deployedModels: 1, savedVersions: 4, totalOriginalBytes: 3 + 6 + 3 + 3 });
      });

      it('keeps the newest MODEL_KEEP_VERSIONS versions, never the current or deployed one', async () => {
        const store = await openStore({ keepVersions: 3 });
        await store.save({ id: 'k', contentBase64: Buffer.from('v1').toString('base64') });
        await store.deploy('k', 1);
        for (let i = 2; i <= 6; i++) await store.save({ id: 'k', contentBase64: Buffer.from(`v${i}`).toString('base64') });
        const before = (await harness.backend().readManifest('k'))!;
        expect(before.versions.map((v) => v.version)).toEqual([1, 4, 5, 6]);
        expect((await content(store, 'k', 1)).toString()).toBe('v1');
        await expectCode(store.openContent('k', 2), 'VERSION_NOT_FOUND');

        // Undeploying keeps v1 until the next save, which drops it.
        await store.undeploy('k');
        expect((await store.get('k'))!.versions.map((v) => v.version)).toEqual([1, 4, 5, 6]);
        await store.save({ id: 'k', contentBase64: Buffer.from('v7').toString('base64') });
        expect((await store.get('k'))!.versions.map((v) => v.version)).toEqual([5, 6, 7]);
        const backend = harness.backend();
        await backend.open();
        for (const v of before.versions.filter((v) => v.version < 5)) {
          await expect(backend.openBlob('k', v.version, v.blob)).rejects.toBeInstanceOf(BlobMissingError);
        }
      });

      it('rebuilds the whole index from the backend alone', async () => {
        const store = await openStore();
        const bytes = randomBytes(1.5 * MiB);
        await store.save({ id: 'x1', file: blobOf(bytes), metadata: { n: 1 }, symbol: 'TSLA', modelType: 'xgb' });
        await store.save({ id: 'x1', file: blobOf(compressible(MiB)), metadata: { n: 2 } });
        await store.deploy('x1', 1);
        await store.save({ id: 'x2', contentBase64: 'AAEC' });
        const expected = await store.list();

        const rebuilt = await openStore(); // new backend instance, new staging dir, nothing in memory
        expect(await rebuilt.list()).toEqual(expected);
        expect(await rebuilt.status()).toEqual(await store.status());
        expect((await content(rebuilt, 'x1', 1)).equals(bytes)).toBe(true);
        expect((await rebuilt.save({ id: 'x1', contentBase64: 'AAEC' })).version).toBe(3);
      });

      it('refuses invalid input before storing anything', async () => {
        const store = await openStore({ maxModelBytes: 1000 });
        await expectCode(store.save({ id: '../x', contentBase64: 'AAEC' }), 'INVALID_MODEL_ID');
        await expectCode(store.save({ id: 'ok', contentBase64: 'AAEC', file: new Blob(['x']) }), 'BAD_USER_INPUT');
        await expectCode(store.save({ id: 'ok' }), 'BAD_USER_INPUT');
        await expectCode(store.save({ id: 'ok', contentBase64: 'AAEC', metadata: [1, 2] }), 'BAD_USER_INPUT');
        await expectCode(store.save({ id: 'ok', contentBase64: 'AAEC', metadata: { big: 'x'.repeat(64 * 1024) } }), 'BAD_USER_INPUT');
        await expectCode(store.save({ id: 'ok', contentBase64: 'not base64!' }), 'BAD_USER_INPUT');
        await expectCode(store.save({ id: 'ok', contentBase64: randomBytes(1001).toString('base64') }), 'MODEL_TOO_LARGE');
        await expectCode(store.save({ id: 'ok', file: blobOf(randomBytes(1001)) }), 'MODEL_TOO_LARGE');
        const stream = blobOf(randomBytes(1200)).stream();
        await expectCode(store.save({ id: 'ok', file: { size: 10, stream: () => stream } as unknown as Blob }), 'MODEL_TOO_LARGE');
        expect(await store.list()).toEqual([]);
        const backend = harness.backend();
        await backend.open();
        expect(await backend.listModelIds()).toEqual([]);
        expect(readdirSync(staging[staging.length - 1])).toEqual([]);
      });
    });
  });
}
