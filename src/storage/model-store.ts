// The model store: everything about models that is not a backend's business. Validation, the size
// limit, hashing, compression, version numbers, per-id serialisation, retention, and checking every
// load against its sha256. Knows nothing of GraphQL or HTTP; the backend (types.ts) only stores
// blobs and manifests.
//
// A save: (1) stage the upload into a local temp file while hashing it and enforcing
// MODEL_MAX_BYTES (a StagedFile from the multipart parser is hard-linked instead: it is already on
// disk and hashed); (2) gzip it when that saves at least 5% (sampled first, so incompressible
// models cost almost nothing); (3) under the id's lock: pick the next version number, putBlob,
// write the manifest (the commit point), apply retention. Steps 1-2 run outside the lock, so
// concurrent saves of one id upload in parallel and commit one after the other as distinct versions.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { normaliseSymbol } from '../services/market.js';
import { ensureDir, isCode, linkOrCopy, removeQuietly, tempName } from './fs-util.js';
import { StagedFile } from './staged-file.js';
import {
  BlobMissingError,
  invalidModelId,
  isModelId,
  type BackendKind,
  type BlobEncoding,
  type JsonObject,
  type ModelManifest,
  type StorageBackend,
  type VersionRecord,
} from './types.js';
import { digestOf, HashCounter, IO_CHUNK, LimitExceeded } from './digest.js';

export const MAX_METADATA_BYTES = 64 * 1024;
export const MAX_MODEL_TYPE_LENGTH = 64;
/**
 * gzip level 1: on float32 weights it keeps ~41% of the bytes (level 6: ~36%) at 3× the speed.
 * Models are compressed in GZIP_CHUNK pieces on all cores, as concatenated gzip members (one
 * valid gzip stream: `gunzip` and zlib read it whole).
 */
const GZIP_LEVEL = 1;
const GZIP_CHUNK = 4 * 1024 * 1024;
/** Keep the compressed form only when it is at most this fraction of the original. */
const KEEP_COMPRESSED_RATIO = 0.95;
/** Compress the whole model only when samples compress to at most this fraction. */
const SAMPLE_RATIO = 0.9;
const SAMPLE_WINDOW = 64 * 1024;

export interface ModelStoreOptions {
  /** Local directory for temp files (uploads being staged, compressed copies). Emptied by open(). */
  stagingDir: string;
  maxModelBytes: number;
  keepVersions: number;
  /**
   * Shared backends (other replicas write to the same bucket): reads refresh the index when it is
   * older than this. Default 10 s.
   */
  indexRefreshMs?: number;
  /**
   * Shared backends: called after every committed change of a model (save, deploy, rollback,
   * delete…), so other replicas can re-read it at once (see reload()) instead of at their next
   * index refresh.
   */
  onChanged?: (id: string) => void;
  logger?: Logger;
}

export interface SaveModelInput {
  id: string;
  /** Exactly one of file and contentBase64. */
  file?: Blob | null;
  contentBase64?: string | null;
  metadata?: unknown;
  symbol?: string | null;
  modelType?: string | null;
}

export interface ModelVersionInfo {
  version: number;
  sizeBytes: number;
  sha256: string;
  metadata: JsonObject;
  symbol: string | null;
  modelType: string | null;
  createdAt: Date;
  encoding: BlobEncoding;
  storedBytes: number;
  rolledBackFrom: number | null;
}

/**
 * A model as callers see it: the current (newest) version's fields plus the list of versions.
 * `createdAt` is the model's first save, not the current version's.
 */
export interface ModelInfo extends Pick<ModelVersionInfo, 'version' | 'sizeBytes' | 'sha256' | 'metadata' | 'symbol' | 'modelType'> {
  id: string;
  backend: BackendKind;
  deployedVersion: number | null;
  createdAt: Date;
  updatedAt: Date;
  /** Ascending. */
  versions: ModelVersionInfo[];
}

export interface ModelFilter {
  symbol?: string | null;
  modelType?: string | null;
  deployed?: boolean | null;
}

export interface StorageStatus {
  backend: BackendKind;
  savedModels: number;
  deployedModels: number;
  savedVersions: number;
  /** Bytes the backend holds for all kept versions (compressed where compressed). */
  totalBytes: number;
  /** The same versions' original sizes. */
  totalOriginalBytes: number;
  maxModelBytes: number;
  keepVersions: number;
}

export interface ContentInfo {
  id: string;
  version: number;
  sizeBytes: number;
  sha256: string;
}

export interface ModelContent extends ContentInfo {
  /** The original bytes, checked against sha256 as they stream (errors with MODEL_CORRUPTED). */
  stream: Readable;
}

interface Staged {
  path: string;
  sizeBytes: number;
  sha256: string;
}

interface Encoded {
  path: string;
  encoding: BlobEncoding;
  storedBytes: number;
  storedSha256: string;
}

export class ModelStore {
  private readonly index = new Map<string, ModelManifest>();
  /** Models whose manifest could not be read at open: refused until an operator fixes them. */
  private readonly broken = new Map<string, string>();
  private readonly locks = new KeyedMutex();
  private opening?: Promise<void>;
  /** Shared backends: manifest tags as of the last refresh, when it started, and the one running. */
  private tags = new Map<string, string>();
  private refreshedAt = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly backend: StorageBackend,
    private readonly options: ModelStoreOptions,
  ) {}

  get backendKind(): BackendKind {
    return this.backend.kind;
  }

  get maxModelBytes(): number {
    return this.options.maxModelBytes;
  }

  /** Opens the store once (idempotent): empties the staging area, recovers the backend, loads the index. */
  ready(): Promise<void> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  /** The staging directory, ready for temp files (the multipart parser writes uploads there). */
  async stagingDir(): Promise<string> {
    await this.ready();
    return this.options.stagingDir;
  }

  async close(): Promise<void> {
    await this.backend.close();
  }

  // ---- queries ----------------------------------------------------------------------------

  async get(id: string): Promise<ModelInfo | null> {
    checkId(id);
    await this.fresh();
    this.assertReadable(id);
    const manifest = this.index.get(id);
    return manifest ? toInfo(manifest, this.backend.kind) : null;
  }

  async list(filter: ModelFilter = {}): Promise<ModelInfo[]> {
    await this.fresh();
    const symbol = filter.symbol == null ? null : normaliseSymbol(filter.symbol);
    const out: ModelInfo[] = [];
    for (const manifest of this.index.values()) {
      const current = last(manifest.versions);
      if (symbol !== null && current.symbol !== symbol) continue;
      if (filter.modelType != null && current.modelType !== filter.modelType) continue;
      if (filter.deployed != null && (manifest.deployedVersion !== null) !== filter.deployed) continue;
      out.push(toInfo(manifest, this.backend.kind));
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async status(): Promise<StorageStatus> {
    await this.fresh();
    let deployedModels = 0;
    let savedVersions = 0;
    let totalBytes = 0;
    let totalOriginalBytes = 0;
    for (const manifest of this.index.values()) {
      if (manifest.deployedVersion !== null) deployedModels++;
      for (const v of manifest.versions) {
        savedVersions++;
        totalBytes += v.storedBytes;
        totalOriginalBytes += v.sizeBytes;
      }
    }
    return {
      backend: this.backend.kind,
      savedModels: this.index.size,
      deployedModels,
      savedVersions,
      totalBytes,
      totalOriginalBytes,
      maxModelBytes: this.options.maxModelBytes,
      keepVersions: this.options.keepVersions,
    };
  }

  // ---- changes ----------------------------------------------------------------------------

  /** Saves a new version (1 for a new id). Validates everything before reading any bytes. */
  async save(input: SaveModelInput): Promise<ModelInfo> {
    const id = checkId(input.id);
    const metadata = checkMetadata(input.metadata);
    const symbol = input.symbol == null || input.symbol.trim() === '' ? null : normaliseSymbol(input.symbol);
    const modelType = checkModelType(input.modelType);
    const hasFile = input.file != null;
    const hasBase64 = input.contentBase64 != null;
    if (hasFile === hasBase64) {
      throw new AppError('BAD_USER_INPUT', 'Give exactly one of input.file (a multipart upload) and input.contentBase64.', {
        argument: 'input',
      });
    }
    await this.ready();
    this.assertReadable(id);

    const staged = hasFile ? await this.stageFile(input.file!) : await this.stageBase64(input.contentBase64!);
    let encoded: Encoded | undefined;
    try {
      encoded = await this.encode(staged);
      const blob = encoded;
      return await this.locks.run(id, async () => {
        const current = await this.current(id);
        const now = new Date().toISOString();
        const record: VersionRecord = {
          version: current ? last(current.versions).version + 1 : 1,
          sizeBytes: staged.sizeBytes,
          sha256: staged.sha256,
          encoding: blob.encoding,
          storedBytes: blob.storedBytes,
          storedSha256: blob.storedSha256,
          metadata,
          symbol,
          modelType,
          createdAt: now,
          blob: {},
        };
        return this.addVersion(current, id, record, blob);
      });
    } finally {
      await unlinkQuietly(staged.path);
      if (encoded && encoded.path !== staged.path) await unlinkQuietly(encoded.path);
    }
  }

  /** Makes `version` (the current one when omitted) the deployed version. */
  async deploy(id: string, version?: number | null): Promise<ModelInfo> {
    checkId(id);
    await this.ready();
    return this.locks.run(id, async () => {
      const manifest = await this.required(id);
      const target = version ?? last(manifest.versions).version;
      findVersion(manifest, target);
      return this.commit({ ...manifest, deployedVersion: target, updatedAt: new Date().toISOString() });
    });
  }

  async undeploy(id: string): Promise<ModelInfo> {
    checkId(id);
    await this.ready();
    return this.locks.run(id, async () => {
      const manifest = await this.required(id);
      if (manifest.deployedVersion === null) return toInfo(manifest, this.backend.kind);
      return this.commit({ ...manifest, deployedVersion: null, updatedAt: new Date().toISOString() });
    });
  }

  /**
   * Makes the bytes, metadata, symbol and model type of `version` current again as a new version
   * (history is never rewritten). The deployment does not change.
   */
  async rollback(id: string, version: number): Promise<ModelInfo> {
    checkId(id);
    await this.ready();
    return this.locks.run(id, async () => {
      const manifest = await this.required(id);
      const source = findVersion(manifest, version);
      // Copy the stored bytes as they are (no re-compression), checking them on the way.
      const path = join(this.options.stagingDir, tempName('rollback'));
      try {
        const copied = await this.withBlob(id, source, async (blob) => {
          const tap = new HashCounter(Number.MAX_SAFE_INTEGER);
          await pipeToFile(path, blob, tap);
          return tap;
        });
        if (copied.bytes !== source.storedBytes || copied.digest() !== source.storedSha256) {
          throw corrupted(id, source.version, 'its stored bytes do not match their sha256');
        }
        const record: VersionRecord = {
          ...source,
          version: last(manifest.versions).version + 1,
          createdAt: new Date().toISOString(),
          rolledBackFrom: source.version,
          blob: {},
        };
        return await this.addVersion(manifest, id, record, {
          path,
          encoding: source.encoding,
          storedBytes: source.storedBytes,
          storedSha256: source.storedSha256,
        });
      } finally {
        await unlinkQuietly(path);
      }
    });
  }

  /** Deletes the model and every version. */
  async delete(id: string): Promise<void> {
    checkId(id);
    await this.ready();
    await this.locks.run(id, async () => {
      await this.required(id);
      await this.backend.deleteModel(id);
      this.index.delete(id);
      this.changed(id);
      this.options.logger?.info('model deleted', { modelId: id });
    });
  }

  // ---- content ----------------------------------------------------------------------------

  /** Which bytes a load would return (no I/O): for ETags, HEAD and size checks. */
  async describeContent(id: string, version?: number | null): Promise<ContentInfo> {
    checkId(id);
    await this.fresh();
    const manifest = this.require(id);
    const record = version == null ? last(manifest.versions) : findVersion(manifest, version);
    return { id, version: record.version, sizeBytes: record.sizeBytes, sha256: record.sha256 };
  }

  /**
   * Opens the original bytes of a version (the current one when omitted). The stored bytes are
   * checked against their sha256 before this resolves (a mismatch is MODEL_CORRUPTED and nothing
   * is served); while they stream, their length is checked, and decoded (gunzipped) bytes are
   * checked against the original sha256 too.
   */
  async openContent(id: string, version?: number | null): Promise<ModelContent> {
    const info = await this.describeContent(id, version);
    const record = findVersion(this.require(id), info.version);
    let blob: Readable;
    if (this.backend.shared) {
      blob = await this.download(id, record);
    } else {
      const check = await this.withBlob(id, record, digestOf);
      if (check.bytes !== record.storedBytes || check.sha256 !== record.storedSha256) {
        throw corrupted(id, record.version, 'its stored bytes do not match their sha256');
      }
      blob = await this.withBlob(id, record, async (b) => b);
    }
    // `out` is outside the pipeline so that any failure reaches the reader as MODEL_CORRUPTED.
    const verify = new VerifyingPassThrough(id, record);
    const out = new PassThrough({ highWaterMark: IO_CHUNK });
    const done = record.encoding === 'gzip' ? pipeline(blob, createGunzip(), verify) : pipeline(blob, verify);
    verify.pipe(out);
    done.catch((error: unknown) => {
      out.destroy(isAppError(error) ? error : corrupted(id, record.version, 'its bytes cannot be read or decoded', error));
    });
    out.once('close', () => {
      if (!out.readableEnded) blob.destroy(); // the reader went away: stop reading
    });
    return { ...info, stream: out };
  }

  /** The whole original bytes in memory, for small models (GraphQL contentBase64). */
  async readContent(id: string, version: number | null | undefined, maxBytes: number): Promise<Buffer> {
    const info = await this.describeContent(id, version);
    if (info.sizeBytes > maxBytes) {
      throw new AppError(
        'BAD_USER_INPUT',
        `Model ${id} version ${info.version} has ${info.sizeBytes} bytes; contentBase64 returns at most ${maxBytes}. Download it from downloadUrl instead.`,
        { id, version: info.version, sizeBytes: info.sizeBytes, maxBytes },
      );
    }
    const content = await this.openContent(id, info.version);
    const chunks: Buffer[] = [];
    for await (const chunk of content.stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * Shared backends: brings the index up to date with the backend (models other replicas saved,
   * changed or deleted). Reads call it when the index is older than indexRefreshMs.
   */
  async refresh(): Promise<void> {
    await this.ready();
    if (!this.backend.shared) return;
    this.refreshing ??= this.refreshIndex().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Shared backends: re-reads these models from the backend now (another replica changed them).
   * Errors are logged, not thrown: the periodic refresh catches up.
   */
  async reloadModels(ids: readonly string[]): Promise<void> {
    if (!this.backend.shared || !this.opening) return;
    await this.ready();
    await forEachLimited(ids.filter(isModelId), 8, async (id) => {
      try {
        await this.locks.run(id, () => this.reload(id));
      } catch (error) {
        this.options.logger?.warn('could not re-read a model another replica changed', { modelId: id, err: error });
      }
    });
  }

  // ---- internals --------------------------------------------------------------------------

  private changed(id: string): void {
    if (!this.backend.shared || !this.options.onChanged) return;
    try {
      this.options.onChanged(id);
    } catch (error) {
      this.options.logger?.warn('model change listener failed', { modelId: id, err: error });
    }
  }

  /** ready(), and for shared backends an index no older than indexRefreshMs (a failed refresh keeps the old one). */
  private async fresh(): Promise<void> {
    await this.ready();
    if (!this.backend.shared || Date.now() - this.refreshedAt < (this.options.indexRefreshMs ?? 10_000)) return;
    try {
      await this.refresh();
    } catch (error) {
      this.options.logger?.warn('could not refresh the model index; serving the last one', { backend: this.backend.description, err: error });
    }
  }

  private async refreshIndex(): Promise<void> {
    const started = Date.now();
    try {
      const tags = this.backend.manifestTags
        ? await this.backend.manifestTags()
        : new Map((await this.backend.listModelIds()).map((id) => [id, `${started}`])); // unknown tags: re-read all
      const changed = [...tags].filter(([id, tag]) => this.tags.get(id) !== tag || !(this.index.has(id) || this.broken.has(id)));
      const gone = [...new Set([...this.index.keys(), ...this.broken.keys()])].filter((id) => !tags.has(id));
      await forEachLimited([...changed.map(([id]) => id), ...gone], 8, (id) => this.locks.run(id, () => this.reload(id).then(() => {})));
      this.tags = tags;
    } finally {
      this.refreshedAt = started; // after a failure too: retry after indexRefreshMs, not on every read
    }
  }

  /** Re-reads one manifest into the index (the caller holds the id's lock). */
  private async reload(id: string): Promise<ModelManifest | undefined> {
    let manifest: ModelManifest | null;
    try {
      manifest = await this.backend.readManifest(id);
    } catch (error) {
      if (isAppError(error)) throw error; // storage trouble: the index stays as it was
      this.index.delete(id);
      this.broken.set(id, error instanceof Error ? error.message : String(error));
      this.options.logger?.error('model manifest unreadable; the model is refused until it is fixed', {
        modelId: id,
        backend: this.backend.description,
        err: error,
      });
      return undefined;
    }
    this.broken.delete(id);
    if (manifest) this.index.set(id, manifest);
    else this.index.delete(id);
    return manifest ?? undefined;
  }

  /** The manifest a change of `id` starts from (the caller holds the lock): re-read when other processes may have changed it. */
  private async current(id: string): Promise<ModelManifest | undefined> {
    if (this.backend.shared) await this.reload(id);
    this.assertReadable(id);
    return this.index.get(id);
  }

  private async required(id: string): Promise<ModelManifest> {
    const manifest = await this.current(id);
    if (!manifest) throw modelNotFound(id);
    return manifest;
  }

  /**
   * Shared (remote) backends: downloads the stored bytes once into the staging area while hashing
   * them, checks them, and returns a stream of that local copy (already unlinked: nothing to clean
   * up), instead of downloading twice (once to check, once to serve).
   */
  private async download(id: string, record: VersionRecord): Promise<Readable> {
    const path = join(this.options.stagingDir, tempName('load'));
    try {
      const copied = await this.withBlob(id, record, async (blob) => {
        const tap = new HashCounter(record.storedBytes);
        try {
          await pipeToFile(path, blob, tap);
        } catch (error) {
          if (error instanceof LimitExceeded) throw corrupted(id, record.version, 'it is longer than recorded');
          if (isAppError(error)) throw error;
          throw new AppError(
            'STORAGE_UNAVAILABLE',
            `Reading model ${id} version ${record.version} from ${this.backend.description} failed part-way.`,
            { id, version: record.version, backend: this.backend.kind },
            undefined,
            { cause: error },
          );
        }
        return tap;
      });
      if (copied.bytes !== record.storedBytes || copied.digest() !== record.storedSha256) {
        throw corrupted(id, record.version, 'its stored bytes do not match their sha256');
      }
      const handle = await open(path, 'r');
      await unlinkQuietly(path);
      return handle.createReadStream({ highWaterMark: IO_CHUNK });
    } catch (error) {
      await unlinkQuietly(path);
      throw error;
    }
  }

  private async open(): Promise<void> {
    const { stagingDir } = this.options;
    await ensureDir(stagingDir);
    for (const name of await readdir(stagingDir)) await removeQuietly(join(stagingDir, name));
    await this.backend.open();
    this.index.clear();
    this.broken.clear();
    const started = Date.now();
    const tags = this.backend.shared && this.backend.manifestTags ? await this.backend.manifestTags() : undefined;
    const ids = tags ? [...tags.keys()] : await this.backend.listModelIds();
    this.tags = tags ?? new Map();
    this.refreshedAt = started;
    await forEachLimited(ids, 8, async (id) => {
      try {
        const manifest = await this.backend.readManifest(id);
        if (manifest) this.index.set(id, manifest);
      } catch (error) {
        this.broken.set(id, error instanceof Error ? error.message : String(error));
        this.options.logger?.error('model manifest unreadable; the model is refused until it is fixed', {
          modelId: id,
          backend: this.backend.description,
          err: error,
        });
      }
    });
    this.options.logger?.info('model store open', { backend: this.backend.description, models: this.index.size });
  }

  /** putBlob + manifest commit + retention, under the id's lock. */
  private async addVersion(
    current: ModelManifest | undefined,
    id: string,
    record: VersionRecord,
    blob: Encoded,
  ): Promise<ModelInfo> {
    const locator = await this.backend.putBlob(id, record.version, {
      path: blob.path,
      sizeBytes: blob.storedBytes,
      sha256: blob.storedSha256,
      encoding: blob.encoding,
    });
    const withBlob: VersionRecord = { ...record, blob: locator };
    const now = record.createdAt;
    const next: ModelManifest = current
      ? { ...current, updatedAt: now, versions: [...current.versions, withBlob] }
      : { formatVersion: 1, id, createdAt: now, updatedAt: now, deployedVersion: null, versions: [withBlob] };
    try {
      const info = await this.commit(next, true);
      this.options.logger?.info('model version saved', {
        modelId: id,
        version: record.version,
        sizeBytes: record.sizeBytes,
        storedBytes: record.storedBytes,
        encoding: record.encoding,
        ...(record.rolledBackFrom && { rolledBackFrom: record.rolledBackFrom }),
      });
      return info;
    } catch (error) {
      // Not committed: the blob is an orphan. Remove it now (open() would otherwise).
      await this.backend.deleteBlob(id, record.version, locator).catch(() => {});
      throw error;
    }
  }

  /** Writes the manifest (the commit point), updates the index, then deletes what retention dropped. */
  private async commit(next: ModelManifest, applyRetention = false): Promise<ModelInfo> {
    const removed = applyRetention ? retentionVictims(next, this.options.keepVersions) : [];
    const manifest = removed.length ? { ...next, versions: next.versions.filter((v) => !removed.includes(v)) } : next;
    await this.backend.writeManifest(manifest);
    this.index.set(manifest.id, manifest);
    this.changed(manifest.id);
    for (const victim of removed) {
      try {
        await this.backend.deleteBlob(manifest.id, victim.version, victim.blob);
      } catch (error) {
        // Unreferenced already; open() sweeps it next time.
        this.options.logger?.warn('could not delete an old model version', { modelId: manifest.id, version: victim.version, err: error });
      }
    }
    return toInfo(manifest, this.backend.kind);
  }

  /** Opens a blob and runs `use` on it; a blob gone missing is MODEL_CORRUPTED (or not found, if deleted meanwhile). */
  private async withBlob<T>(id: string, record: VersionRecord, use: (blob: Readable) => Promise<T>): Promise<T> {
    try {
      return await use(await this.backend.openBlob(id, record.version, record.blob));
    } catch (error) {
      if (!(error instanceof BlobMissingError)) throw error;
      // Another replica may have deleted the model or dropped the version meanwhile.
      const manifest = this.backend.shared ? await this.backend.readManifest(id).catch(() => this.index.get(id)) : this.index.get(id);
      if (!manifest) throw modelNotFound(id);
      if (!manifest.versions.some((v) => v.version === record.version)) throw versionNotFound(id, record.version);
      throw corrupted(id, record.version, 'its stored bytes are missing', error);
    }
  }

  private require(id: string): ModelManifest {
    this.assertReadable(id);
    const manifest = this.index.get(id);
    if (!manifest) throw modelNotFound(id);
    return manifest;
  }

  private assertReadable(id: string): void {
    const problem = this.broken.get(id);
    if (problem !== undefined) {
      throw new AppError('MODEL_CORRUPTED', `Model ${id} cannot be read from storage: ${problem}`, { id });
    }
  }

  private tooLarge(sizeBytes?: number): AppError {
    const max = this.options.maxModelBytes;
    return new AppError(
      'MODEL_TOO_LARGE',
      `The model is larger than MODEL_MAX_BYTES (${max} bytes)${sizeBytes === undefined ? '' : `: ${sizeBytes} bytes`}.`,
      { maxBytes: max, ...(sizeBytes !== undefined && { sizeBytes }) },
    );
  }

  private async stageFile(file: Blob): Promise<Staged> {
    if (file.size > this.options.maxModelBytes) throw this.tooLarge(file.size);
    const path = join(this.options.stagingDir, tempName('stage'));
    if (file instanceof StagedFile) {
      // Already on disk and hashed by the multipart parser: a second name costs nothing.
      await linkOrCopy(file.path, path);
      return { path, sizeBytes: file.size, sha256: file.sha256 };
    }
    // Web streams (native or @whatwg-node's) are async iterable.
    return this.stageStream(Readable.from(file.stream() as unknown as AsyncIterable<Uint8Array>), path);
  }

  private async stageBase64(contentBase64: string): Promise<Staged> {
    const compact = contentBase64.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
      throw new AppError('BAD_USER_INPUT', 'input.contentBase64 is not valid base64.', { argument: 'input.contentBase64' });
    }
    const decodedSize = Math.floor((compact.length * 3) / 4) - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);
    if (decodedSize > this.options.maxModelBytes) throw this.tooLarge(decodedSize);
    const path = join(this.options.stagingDir, tempName('stage'));
    return this.stageStream(Readable.from([Buffer.from(compact, 'base64')]), path);
  }

  /** Writes a stream to `path` while hashing it; refuses (and removes) it past MODEL_MAX_BYTES. */
  private async stageStream(source: Readable, path: string): Promise<Staged> {
    const tap = new HashCounter(this.options.maxModelBytes);
    try {
      await pipeToFile(path, source, tap);
    } catch (error) {
      await unlinkQuietly(path);
      if (error instanceof LimitExceeded) throw this.tooLarge();
      throw error;
    }
    return { path, sizeBytes: tap.bytes, sha256: tap.digest() };
  }

  /** Gzips the staged bytes when that saves enough; otherwise stores them as they are. */
  private async encode(staged: Staged): Promise<Encoded> {
    const identity: Encoded = { path: staged.path, encoding: 'identity', storedBytes: staged.sizeBytes, storedSha256: staged.sha256 };
    if (staged.sizeBytes === 0 || !(await samplesCompress(staged.path, staged.sizeBytes))) return identity;
    const path = join(this.options.stagingDir, tempName('gzip'));
    try {
      const compressed = await gzipFile(staged.path, path, staged.sizeBytes, Math.floor(staged.sizeBytes * KEEP_COMPRESSED_RATIO));
      if (compressed) return { path, encoding: 'gzip', storedBytes: compressed.bytes, storedSha256: compressed.sha256 };
    } catch (error) {
      await unlinkQuietly(path);
      throw error;
    }
    await unlinkQuietly(path);
    return identity;
  }
}

// ---- validation and errors --------------------------------------------------------------------

function checkId(id: unknown): string {
  if (!isModelId(id)) throw invalidModelId(id);
  return id;
}

function checkMetadata(metadata: unknown): JsonObject {
  if (metadata == null) return {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new AppError('BAD_USER_INPUT', 'input.metadata must be a JSON object.', { argument: 'input.metadata' });
  }
  const size = Buffer.byteLength(JSON.stringify(metadata));
  if (size > MAX_METADATA_BYTES) {
    throw new AppError('BAD_USER_INPUT', `input.metadata is ${size} bytes of JSON; at most ${MAX_METADATA_BYTES} are allowed.`, {
      argument: 'input.metadata',
      maxBytes: MAX_METADATA_BYTES,
    });
  }
  return metadata as JsonObject;
}

function checkModelType(modelType: string | null | undefined): string | null {
  const trimmed = modelType?.trim();
  if (!trimmed) return null;
  if (trimmed.length > MAX_MODEL_TYPE_LENGTH) {
    throw new AppError('BAD_USER_INPUT', `input.modelType is longer than ${MAX_MODEL_TYPE_LENGTH} characters.`, {
      argument: 'input.modelType',
    });
  }
  return trimmed;
}

function modelNotFound(id: string): AppError {
  return new AppError('MODEL_NOT_FOUND', `No model with id ${id}.`, { id });
}

function versionNotFound(id: string, version: number): AppError {
  return new AppError('VERSION_NOT_FOUND', `Model ${id} has no version ${version}.`, { id, version });
}

function corrupted(id: string, version: number, why: string, cause?: unknown): AppError {
  return new AppError('MODEL_CORRUPTED', `Model ${id} version ${version} is corrupted: ${why}. It is not served.`, { id, version }, undefined, {
    cause,
  });
}

function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

function findVersion(manifest: ModelManifest, version: number): VersionRecord {
  const record = manifest.versions.find((v) => v.version === version);
  if (!record) throw versionNotFound(manifest.id, version);
  return record;
}

/** Versions beyond the newest `keep`, except the current and the deployed one. */
export function retentionVictims(manifest: ModelManifest, keep: number): VersionRecord[] {
  const { versions, deployedVersion } = manifest;
  const current = last(versions).version;
  return versions
    .slice(0, Math.max(0, versions.length - keep))
    .filter((v) => v.version !== current && v.version !== deployedVersion);
}

function toInfo(manifest: ModelManifest, backend: BackendKind): ModelInfo {
  const current = last(manifest.versions);
  return {
    id: manifest.id,
    backend,
    version: current.version,
    sizeBytes: current.sizeBytes,
    sha256: current.sha256,
    metadata: current.metadata,
    symbol: current.symbol,
    modelType: current.modelType,
    deployedVersion: manifest.deployedVersion,
    createdAt: new Date(manifest.createdAt),
    updatedAt: new Date(manifest.updatedAt),
    versions: manifest.versions.map((v) => ({
      version: v.version,
      sizeBytes: v.sizeBytes,
      sha256: v.sha256,
      metadata: v.metadata,
      symbol: v.symbol,
      modelType: v.modelType,
      createdAt: new Date(v.createdAt),
      encoding: v.encoding,
      storedBytes: v.storedBytes,
      rolledBackFrom: v.rolledBackFrom ?? null,
    })),
  };
}

function last<T>(items: readonly T[]): T {
  return items[items.length - 1];
}

// ---- streams and helpers ----------------------------------------------------------------------

/**
 * Passes the decoded bytes through and fails the stream unless they match the record: always the
 * length; the sha256 too for decoded (gzip) blobs. Identity blobs were hashed whole just before
 * (openContent), and blob files are immutable, so hashing them twice would only cost time.
 */
class VerifyingPassThrough extends Transform {
  private bytes = 0;
  private readonly hash?: Hash;

  constructor(
    private readonly id: string,
    private readonly record: VersionRecord,
  ) {
    super({ highWaterMark: IO_CHUNK });
    if (record.encoding !== 'identity') this.hash = createHash('sha256');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.record.sizeBytes) return callback(corrupted(this.id, this.record.version, 'it is longer than recorded'));
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.record.sizeBytes || (this.hash && this.hash.digest('hex') !== this.record.sha256)) {
      return callback(corrupted(this.id, this.record.version, 'its bytes do not match their sha256'));
    }
    callback();
  }
}

const gzipAsync = promisify(gzip);

/**
 * Gzips `from` into `to` in GZIP_CHUNK members compressed in parallel (written in order). Gives up
 * (returns null) as soon as the output passes `maxBytes`: not worth keeping.
 */
async function gzipFile(from: string, to: string, size: number, maxBytes: number): Promise<{ bytes: number; sha256: string } | null> {
  const count = Math.ceil(size / GZIP_CHUNK);
  const parallel = Math.max(1, Math.min(availableParallelism(), 4));
  const input = await open(from, 'r');
  const output = await open(to, 'wx');
  const pending: Array<Promise<Buffer>> = [];
  const compress = async (index: number): Promise<Buffer> => {
    const chunk = Buffer.allocUnsafe(Math.min(GZIP_CHUNK, size - index * GZIP_CHUNK));
    const { bytesRead } = await input.read(chunk, 0, chunk.length, index * GZIP_CHUNK);
    if (bytesRead !== chunk.length) throw new Error(`${from} changed while being compressed`);
    return gzipAsync(chunk, { level: GZIP_LEVEL });
  };
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    let next = 0;
    while (next < Math.min(parallel, count)) pending.push(compress(next++));
    while (pending.length) {
      const member = await pending.shift()!;
      if (next < count) pending.push(compress(next++));
      bytes += member.length;
      if (bytes > maxBytes) return null;
      hash.update(member);
      await output.write(member);
    }
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    await Promise.allSettled(pending);
    await output.close();
    await input.close();
  }
}

/** Compresses up to three 64 KiB windows (start, middle, end): worth compressing the whole file? */
async function samplesCompress(path: string, size: number): Promise<boolean> {
  const offsets = size <= 3 * SAMPLE_WINDOW ? [0] : [0, Math.floor(size / 2 - SAMPLE_WINDOW / 2), size - SAMPLE_WINDOW];
  const handle = await open(path, 'r');
  try {
    const parts: Buffer[] = [];
    for (const offset of offsets) {
      const buffer = Buffer.alloc(Math.min(size, size <= 3 * SAMPLE_WINDOW ? size : SAMPLE_WINDOW));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      parts.push(buffer.subarray(0, bytesRead));
    }
    const sample = Buffer.concat(parts);
    const compressed = await gzipAsync(sample, { level: GZIP_LEVEL });
    return compressed.length <= sample.length * SAMPLE_RATIO;
  } finally {
    await handle.close();
  }
}

/**
 * pipeline(source, tap, new file at `path`). On failure it settles only once the file is closed:
 * a write stream destroyed while still opening creates its file afterwards, which would survive
 * the caller's cleanup.
 */
async function pipeToFile(path: string, source: Readable, tap: Transform): Promise<void> {
  const out = createWriteStream(path, { flags: 'wx' });
  const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
  try {
    await pipeline(source, tap, out);
  } catch (error) {
    await closed;
    throw error;
  }
}

async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Runs functions one at a time per key, in call order. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
