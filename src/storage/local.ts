// Local-disk backend. Layout under `dir` (DATA_DIR/models):
//   <id>/manifest.json     the commit point, replaced atomically (temp file, fsync, rename, fsync dir)
//   <id>/v<N>.blob         the bytes of version N as stored (identity or gzip), moved in durably
//   .<anything>            temp files and models being deleted; removed by open()
// One server process owns a DATA_DIR (the ModelStore keeps the index in memory).
import { access, mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { atomicWriteFile, durableMove, isCode, removeQuietly, syncDir, tempName } from './fs-util.js';
import {
  assertModelId,
  BlobMissingError,
  isModelId,
  parseManifest,
  type BlobLocator,
  type ModelManifest,
  type StagedBlob,
  type StorageBackend,
} from './types.js';

export const DRIVER_NAME = 'local';

export interface LocalBackendOptions {
  /** Absolute directory holding one sub-directory per model. Created when missing. */
  dir: string;
}

const MANIFEST = 'manifest.json';
const BLOB_NAME = /^v([1-9][0-9]*)\.blob$/;

export class LocalBackend implements StorageBackend {
  readonly kind = 'LOCAL' as const;
  readonly description: string;
  private readonly dir: string;

  constructor(options: LocalBackendOptions) {
    this.dir = options.dir;
    this.description = `${DRIVER_NAME}:${options.dir}`;
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      const path = join(this.dir, entry.name);
      if (entry.name.startsWith('.')) {
        await removeQuietly(path); // an interrupted delete or temp file
        continue;
      }
      if (!entry.isDirectory() || !isModelId(entry.name)) continue; // not ours: leave it alone
      const manifest = await this.readManifest(entry.name).catch(() => undefined);
      if (manifest === undefined) continue; // unreadable: keep everything for an operator to inspect
      if (manifest === null) {
        await removeQuietly(path); // the first save of this id crashed before committing
        continue;
      }
      const referenced = new Set(manifest.versions.map((v) => v.version));
      for (const name of await readdir(path)) {
        const blob = BLOB_NAME.exec(name);
        if (name.startsWith('.') || (blob && !referenced.has(Number(blob[1])))) {
          await removeQuietly(join(path, name));
        }
      }
    }
  }

  async listModelIds(): Promise<string[]> {
    const ids: string[] = [];
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !isModelId(entry.name)) continue;
      try {
        await access(join(this.dir, entry.name, MANIFEST));
        ids.push(entry.name);
      } catch (error) {
        if (!isCode(error, 'ENOENT')) throw error;
      }
    }
    return ids;
  }

  async readManifest(id: string): Promise<ModelManifest | null> {
    let text: string;
    try {
      text = await readFile(join(this.modelDir(id), MANIFEST), 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    }
    return parseManifest(JSON.parse(text), id);
  }

  async writeManifest(manifest: ModelManifest): Promise<void> {
    const dir = await this.ensureModelDir(manifest.id);
    await atomicWriteFile(join(dir, MANIFEST), JSON.stringify(manifest));
  }

  async putBlob(id: string, version: number, staged: StagedBlob): Promise<BlobLocator> {
    const dir = await this.ensureModelDir(id);
    await durableMove(staged.path, join(dir, blobName(version)));
    return {};
  }

  async openBlob(id: string, version: number): Promise<Readable> {
    const path = join(this.modelDir(id), blobName(version));
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) throw new BlobMissingError(id, version, { cause: error });
      throw error;
    }
    return handle.createReadStream({ highWaterMark: 1024 * 1024 });
  }

  async deleteBlob(id: string, version: number): Promise<void> {
    try {
      await unlink(join(this.modelDir(id), blobName(version)));
    } catch (error) {
      if (!isCode(error, 'ENOENT', 'ENOTDIR')) throw error;
    }
  }

  async deleteModel(id: string): Promise<void> {
    // Renaming the directory away is the commit point: the model disappears at once and whole.
    const trash = join(this.dir, tempName(`deleted-${id}`));
    try {
      await rename(this.modelDir(id), trash);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw error;
    }
    await syncDir(this.dir);
    await rm(trash, { recursive: true, force: true });
  }

  async close(): Promise<void> {}

  private modelDir(id: string): string {
    assertModelId(id); // never a path outside `dir`
    return join(this.dir, id);
  }

  private async ensureModelDir(id: string): Promise<string> {
    const dir = this.modelDir(id);
    const created = await mkdir(dir, { recursive: true });
    if (created) await syncDir(this.dir);
    return dir;
  }
}

function blobName(version: number): string {
  if (!Number.isInteger(version) || version < 1) throw new Error(`Invalid version ${version}`);
  return `v${version}.blob`;
}
