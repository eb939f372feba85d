// The local-disk backend: the shared conformance suite, plus what only a disk has: paths that must
// never escape DATA_DIR, recovery of temp files, and crash safety under kill -9.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/storage/local.js';
import { ModelStore } from '../../src/storage/model-store.js';
import { backendSuite } from './backend-suite.js';
import { sha256 } from './helpers.js';

backendSuite('local', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-local-'));
  return {
    backend: () => new LocalBackend({ dir: join(dir, 'models') }),
    async corruptBlob(id, version) {
      const handle = await open(join(dir, 'models', id, `v${version}.blob`), 'r+');
      try {
        const { size } = await handle.stat();
        const at = Math.floor(size / 2);
        const byte = Buffer.alloc(1);
        await handle.read(byte, 0, 1, at);
        byte[0] ^= 0x5a;
        await handle.write(byte, 0, 1, at);
      } finally {
        await handle.close();
      }
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('local backend on disk', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockroom-local-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const storeAt = (dataDir: string) =>
    new ModelStore(new LocalBackend({ dir: join(dataDir, 'models') }), {
      stagingDir: join(dataDir, 'tmp'),
      maxModelBytes: 64 * 1024 * 1024,
      keepVersions: 1000,
    });

  it('lays models out as <id>/manifest.json and <id>/v<N>.blob and nothing else', async () => {
    const dataDir = tempDir();
    const store = storeAt(dataDir);
    await store.save({ id: 'layout', contentBase64: 'AAEC' });
    await store.save({ id: 'layout', contentBase64: 'AwQF' });
    expect(readdirSync(join(dataDir, 'models'))).toEqual(['layout']);
    expect(readdirSync(join(dataDir, 'models', 'layout')).sort()).toEqual(['manifest.json', 'v1.blob', 'v2.blob']);
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(dataDir, 'models', 'layout', 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ formatVersion: 1, id: 'layout', deployedVersion: null });
    expect(manifest.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  });

  it('never touches a path outside its directory, whatever the id', async () => {
    const dataDir = tempDir();
    const outside = join(dataDir, 'outside');
    mkdirSync(outside);
    const store = storeAt(join(dataDir, 'inside'));
    await store.ready();
    for (const id of ['../outside/x', '..', '%2e%2e', 'a/../../outside', '/etc/passwd', 'a\\b', 'x\u0000y']) {
      await expect(store.save({ id, contentBase64: 'AAEC' })).rejects.toMatchObject({ code: 'INVALID_MODEL_ID' });
      await expect(store.get(id)).rejects.toMatchObject({ code: 'INVALID_MODEL_ID' });
      await expect(store.delete(id)).rejects.toMatchObject({ code: 'INVALID_MODEL_ID' });
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(join(dataDir, 'inside', 'models'))).toEqual([]);
  });

  it('open() clears temp files, half-deleted models and uncommitted first saves, and keeps the rest', async () => {
    const dataDir = tempDir();
    const first = storeAt(dataDir);
    await first.save({ id: 'keep', contentBase64: 'AAEC' });
    const models = join(dataDir, 'models');
    writeFileSync(join(dataDir, 'tmp', '.upload-1-abc.tmp'), 'partial upload');
    writeFileSync(join(models, 'keep', '.write-1-abc.tmp'), '{"torn":');
    writeFileSync(join(models, 'keep', 'v2.blob'), 'orphan');
    mkdirSync(join(models, '.deleted-gone-1-abc.tmp'));
    mkdirSync(join(models, 'uncommitted'));
    writeFileSync(join(models, 'uncommitted', 'v1.blob'), 'never committed');
    writeFileSync(join(models, 'keep', 'NOTES.txt'), 'an operator file');

    const second = storeAt(dataDir);
    expect((await second.list()).map((m) => [m.id, m.version])).toEqual([['keep', 1]]);
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
    expect(readdirSync(models)).toEqual(['keep']);
    expect(readdirSync(join(models, 'keep')).sort()).toEqual(['NOTES.txt', 'manifest.json', 'v1.blob']);
    expect((await second.readContent('keep', 1, 100)).toString('base64')).toBe('AAEC');
  });

  it('refuses a model whose manifest is unreadable instead of overwriting it, and serves the others', async () => {
    const dataDir = tempDir();
    await storeAt(dataDir).save({ id: 'good', contentBase64: 'AAEC' });
    await storeAt(dataDir).save({ id: 'bad', contentBase64: 'AAEC' });
    writeFileSync(join(dataDir, 'models', 'bad', 'manifest.json'), '{"formatVersion": 99}');
    const store = storeAt(dataDir);
    expect((await store.list()).map((m) => m.id)).toEqual(['good']);
    await expect(store.save({ id: 'bad', contentBase64: 'AAEC' })).rejects.toMatchObject({ code: 'MODEL_CORRUPTED' });
    await expect(store.get('bad')).rejects.toMatchObject({ code: 'MODEL_CORRUPTED' });
    expect(readFileSync(join(dataDir, 'models', 'bad', 'manifest.json'), 'utf8')).toBe('{"formatVersion": 99}');
  });

  it(
    'survives kill -9 mid-save: the previous versions intact, no half-written version visible',
    async () => {
      const dataDir = tempDir();
      const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
      const committed = new Map<number, string>(); // version → sha256, as the child reported them
      let killedMidSave = 0;

      for (let round = 0; round < 6; round++) {
        const proc = fork(child, [dataDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
        let stderr = '';
        proc.stderr!.on('data', (d) => (stderr += d));
        let inFlight: string | undefined;
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        await new Promise<void>((resolve, reject) => {
          proc.once('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
          let saves = 0;
          // Kill at a different point of a save each round: after 1-3 saves, 0-120 ms into the next.
          const target = 1 + (round % 3);
          proc.on('message', (m: { ready?: true; saving?: string; saved?: number; sha256?: string }) => {
            if (m.saving) inFlight = m.saving;
            if (m.saved) {
              committed.set(m.saved, m.sha256!);
              inFlight = undefined;
              if (++saves === target) {
                setTimeout(() => {
                  if (inFlight) killedMidSave++;
                  proc.kill('SIGKILL');
                  resolve();
                }, (round * 37) % 120);
              }
            }
          });
        });
        await exited;

        // Before anything recovers: the committed manifest is whole JSON (never torn).
        const manifestPath = join(dataDir, 'models', 'crash', 'manifest.json');
        expect(() => JSON.parse(readFileSync(manifestPath, 'utf8'))).not.toThrow();

        const store = storeAt(dataDir);
        const model = (await store.get('crash'))!;
        const reported = Math.max(...committed.keys());
        // Everything reported as saved is there; at most the in-flight save also committed, whole.
        expect(model.version === reported || model.version === reported + 1).toBe(true);
        if (model.version === reported + 1) {
          expect(model.sha256).toBe(inFlight);
          committed.set(model.version, model.sha256);
        }
        expect(model.versions.map((v) => v.version)).toEqual(Array.from({ length: model.version }, (_, i) => i + 1));
        for (const v of model.versions) {
          expect(v.sha256).toBe(committed.get(v.version));
          const content = await store.openContent('crash', v.version);
          const chunks: Buffer[] = [];
          for await (const chunk of content.stream) chunks.push(chunk as Buffer);
          expect(sha256(Buffer.concat(chunks))).toBe(v.sha256);
        }
        // Nothing half-written is left anywhere once the store has opened.
        expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
        expect(readdirSync(join(dataDir, 'models', 'crash')).sort()).toEqual(
          ['manifest.json', ...model.versions.map((v) => `v${v.version}.blob`)].sort(),
        );
      }
      expect(killedMidSave).toBeGreaterThan(0);
      expect(existsSync(join(dataDir, 'models', 'crash'))).toBe(true);
    },
    120_000,
  );
});
