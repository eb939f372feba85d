// What the S3 and Azure Blob backends have in common: the layout of models in a bucket (container),
// recovery from a listing alone, orphan sweeping that is safe with several replicas, and conditional
// manifest writes. s3.ts and azure.ts only adapt their SDK to the small ObjectClient below.
//
// Layout under <prefix>/ (the prefix may be empty: the bucket's root):
//   <id>/manifest.json             the commit point; one PUT replaces it atomically
//   <id>/v<N>-<nonce>.<encoding>   the bytes of version N as stored; <encoding> is identity or gzip
//   .stockroom/backend-choice.json the active backend as last switched (StorageManager)
// The nonce (8 hex digits) keeps two replicas saving version N of one id at the same moment from
// overwriting each other's bytes: the loser's manifest write fails (MODEL_CONFLICT) and its blob,
// under its own name, is removed without touching the winner's. Manifests store the blob's name
// (not its full key), so a bucket copied under another prefix or into another bucket still works.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import {
  assertModelId,
  BlobMissingError,
  isModelId,
  parseManifest,
  type BackendKind,
  type BlobEncoding,
  type BlobLocator,
  type ModelManifest,
  type StagedBlob,
  type StorageBackend,
} from './types.js';

export interface ObjectInfo {
  key: string;
  etag: string;
  lastModified: Date;
  size: number;
}

/** Conditions for writing a small object: replace only this version, or create only. */
export interface WriteCondition {
  ifMatch?: string;
  ifNoneMatch?: '*';
}

/** The few object-store operations the backend needs. Errors are coded AppErrors (STORAGE_*). */
export interface ObjectClient {
  /** e.g. "s3://bucket", "azure:account/container"; never secrets. */
  readonly description: string;
  /** Every object whose key starts with `prefix`, in any order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** A small object's text and ETag, or null when there is none. */
  getText(key: string): Promise<{ text: string; etag: string } | null>;
  /** Writes a small object in one request; rejects with ConditionFailedError when `condition` does not hold. Returns the new ETag. */
  putText(key: string, text: string, contentType: string, condition?: WriteCondition): Promise<string>;
  /** Streams a local file into an object (multipart/blocks as needed; never the whole file in memory). */
  putFile(key: string, path: string, sizeBytes: number, metadata: Record<string, string>): Promise<void>;
  /** The stored size, or null when there is no such object. */
  sizeOf(key: string): Promise<number | null>;
  /** A stream of the object's bytes, or null when there is none. */
  openRead(key: string): Promise<Readable | null>;
  /** Removes objects; missing ones are not an error. */
  delete(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

export class ConditionFailedError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The object changed since it was read', options);
    this.name = 'ConditionFailedError';
  }
}

export interface ObjectStoreBackendOptions {
  kind: BackendKind;
  client: ObjectClient;
  /** Key prefix without leading or trailing "/"; "" for the root. */
  prefix: string;
  /**
   * open() removes blobs no manifest references only once they are this old: younger ones may be
   * a save in progress on another replica. Default one hour.
   */
  orphanGraceMs?: number;
  /** Send If-Match / If-None-Match with manifest writes (default true). */
  conditionalWrites?: boolean;
}

const MANIFEST = 'manifest.json';
/** Not under a model id (ids never start with "."), so scans never mistake it for a model. */
const CHOICE = '.stockroom/backend-choice.json';
const BLOB_NAME = /^v([1-9][0-9]{0,9})-([0-9a-f]{8})\.(identity|gzip)$/;
const DEFAULT_ORPHAN_GRACE_MS = 60 * 60 * 1000;
const READ_CONCURRENCY = 8;
const OPENED_TTL_MS = 60_000;

export class ObjectStoreBackend implements StorageBackend {
  readonly kind: BackendKind;
  readonly description: string;
  readonly shared = true;
  private readonly client: ObjectClient;
  private readonly base: string;
  private readonly orphanGraceMs: number;
  private readonly conditionalWrites: boolean;
  /** ETag of each manifest as last read or written here; null: known not to exist. */
  private readonly etags = new Map<string, string | null>();
  /**
   * Manifests open() read, handed to the ModelStore's first readManifest right after (instead of a
   * second GET of every manifest at start). Kept for OPENED_TTL_MS at most.
   */
  private readonly opened = new Map<string, ModelManifest>();
  private openedUntil = 0;

  constructor(options: ObjectStoreBackendOptions) {
    this.kind = options.kind;
    this.client = options.client;
    this.base = options.prefix ? `${options.prefix}/` : '';
    this.orphanGraceMs = options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
    this.conditionalWrites = options.conditionalWrites ?? true;
    this.description = `${options.client.description}/${options.prefix}`;
  }

  async open(): Promise<void> {
    this.opened.clear();
    this.openedUntil = 0;
    const models = await this.scan();
    const cutoff = Date.now() - this.orphanGraceMs;
    await forEachLimited([...models], READ_CONCURRENCY, async ([id, found]) => {
      const old = found.blobs.filter((b) => b.lastModified.getTime() <= cutoff);
      let referenced = new Set<string>();
      if (found.manifest) {
        let manifest: ModelManifest | null;
        try {
          manifest = await this.readManifest(id);
        } catch {
          return; // unreadable: keep everything for an operator to inspect (the ModelStore reports it)
        }
        if (!manifest) return; // deleted meanwhile by another replica, which removes its blobs itself
        this.opened.set(id, manifest);
        referenced = new Set(manifest.versions.map((v) => blobNameOf(v.blob)).filter((n): n is string => n !== null));
      }
      // Without a manifest: a first save that never committed, or a delete interrupted after its commit point.
      const orphans = old.filter((b) => !referenced.has(b.name)).map((b) => b.key);
      if (orphans.length) await this.client.delete(orphans);
    });
    this.openedUntil = Date.now() + OPENED_TTL_MS;
  }

  async listModelIds(): Promise<string[]> {
    return [...(await this.manifestTags()).keys()];
  }

  async manifestTags(): Promise<Map<string, string>> {
    const tags = new Map<string, string>();
    for (const [id, found] of await this.scan()) if (found.manifest) tags.set(id, found.manifest.etag);
    return tags;
  }

  async readManifest(id: string): Promise<ModelManifest | null> {
    const key = this.manifestKey(id);
    const early = this.opened.get(id);
    if (early) {
      this.opened.delete(id);
      if (Date.now() < this.openedUntil) return early;
    }
    const found = await this.client.getText(key);
    if (!found) {
      this.etags.set(id, null);
      return null;
    }
    this.etags.set(id, found.etag);
    let raw: unknown;
    try {
      raw = JSON.parse(found.text);
    } catch (error) {
      throw new Error(`Invalid manifest for model ${id}: not JSON`, { cause: error });
    }
    return parseManifest(raw, id);
  }

  async writeManifest(manifest: ModelManifest): Promise<void> {
    const key = this.manifestKey(manifest.id);
    this.opened.delete(manifest.id);
    const known = this.etags.get(manifest.id);
    const condition: WriteCondition | undefined = !this.conditionalWrites
      ? undefined
      : known === null
        ? { ifNoneMatch: '*' }
        : known !== undefined
          ? { ifMatch: known }
          : undefined;
    try {
      const etag = await this.client.putText(key, JSON.stringify(manifest), 'application/json', condition);
      this.etags.set(manifest.id, etag);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      this.etags.delete(manifest.id);
      throw new AppError(
        'MODEL_CONFLICT',
        `Model ${manifest.id} was changed by another server at the same time; this change was not saved. Try again.`,
        { id: manifest.id },
        409,
        { cause: error },
      );
    }
  }

  async putBlob(id: string, version: number, staged: StagedBlob): Promise<BlobLocator> {
    assertModelId(id);
    if (!Number.isInteger(version) || version < 1) throw new Error(`Invalid version ${version}`);
    const encoding: BlobEncoding = staged.encoding ?? 'identity';
    const name = `v${version}-${randomBytes(4).toString('hex')}.${encoding}`;
    const key = this.modelPrefix(id) + name;
    await this.client.putFile(key, staged.path, staged.sizeBytes, { sha256: staged.sha256 });
    // A store that reports success but keeps other bytes (s3rver stores aws-chunked framing
    // verbatim) is caught here, at the cost of one HEAD; the sha256 is checked on every load.
    const stored = await this.client.sizeOf(key);
    if (stored !== staged.sizeBytes) {
      await this.client.delete([key]).catch(() => {});
      throw new AppError(
        'STORAGE_ERROR',
        `${this.client.description} kept ${stored ?? 'no'} bytes of a ${staged.sizeBytes}-byte upload` +
          (this.kind === 'S3' ? ' (for S3-compatible servers, try S3_CHECKSUM=when_required)' : ''),
        { backend: this.kind },
      );
    }
    return { name };
  }

  async openBlob(id: string, version: number, locator: BlobLocator): Promise<Readable> {
    const name = blobNameOf(locator);
    const prefix = this.modelPrefix(id);
    if (name === null) throw new BlobMissingError(id, version);
    const stream = await this.client.openRead(prefix + name);
    if (!stream) throw new BlobMissingError(id, version);
    return stream;
  }

  async deleteBlob(id: string, _version: number, locator: BlobLocator): Promise<void> {
    const prefix = this.modelPrefix(id);
    const name = blobNameOf(locator);
    if (name !== null) await this.client.delete([prefix + name]);
  }

  async deleteModel(id: string): Promise<void> {
    const prefix = this.modelPrefix(id);
    this.opened.delete(id);
    await this.client.delete([prefix + MANIFEST]); // the commit point: the model is gone
    this.etags.set(id, null);
    const keys: string[] = [];
    for await (const object of this.client.list(prefix)) {
      if (BLOB_NAME.test(object.key.slice(prefix.length))) keys.push(object.key);
    }
    if (keys.length) await this.client.delete(keys);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Whether the store answers with these credentials (readiness): one HEAD request. */
  async reachable(): Promise<boolean> {
    try {
      await this.client.sizeOf(this.base + CHOICE);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The backend choice recorded in this bucket (see StorageManager): a redeploy that wipes
   * DATA_DIR must come back on the backend the operator chose. Null when there is none (or it is
   * not ours).
   */
  async readChoice(): Promise<{ backend: string; switchedAt: string } | null> {
    const found = await this.client.getText(this.base + CHOICE);
    if (!found) return null;
    try {
      const value = JSON.parse(found.text) as { backend?: unknown; switchedAt?: unknown };
      return typeof value.backend === 'string' && typeof value.switchedAt === 'string' ? { backend: value.backend, switchedAt: value.switchedAt } : null;
    } catch {
      return null;
    }
  }

  async writeChoice(choice: { backend: string; switchedAt: string }): Promise<void> {
    await this.client.putText(this.base + CHOICE, `${JSON.stringify(choice, null, 2)}\n`, 'application/json');
  }

  private modelPrefix(id: string): string {
    assertModelId(id); // never a key outside <prefix>/<id>/
    return `${this.base}${id}/`;
  }

  private manifestKey(id: string): string {
    return this.modelPrefix(id) + MANIFEST;
  }

  /** One listing of the prefix, grouped by model id. Keys that are not ours are ignored. */
  private async scan(): Promise<Map<string, { manifest?: ObjectInfo; blobs: Array<ObjectInfo & { name: string }> }>> {
    const models = new Map<string, { manifest?: ObjectInfo; blobs: Array<ObjectInfo & { name: string }> }>();
    for await (const object of this.client.list(this.base)) {
      const rest = object.key.slice(this.base.length);
      const slash = rest.indexOf('/');
      if (slash < 0) continue;
      const id = rest.slice(0, slash);
      const name = rest.slice(slash + 1);
      if (!isModelId(id)) continue;
      const isManifest = name === MANIFEST;
      if (!isManifest && !BLOB_NAME.test(name)) continue;
      let found = models.get(id);
      if (!found) models.set(id, (found = { blobs: [] }));
      if (isManifest) found.manifest = object;
      else found.blobs.push({ ...object, name });
    }
    return models;
  }
}

/** The blob name a locator records, when it is one of ours (a tampered manifest cannot name other keys). */
function blobNameOf(locator: BlobLocator): string | null {
  const name = locator.name;
  return typeof name === 'string' && BLOB_NAME.test(name) ? name : null;
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
