// The storage backend interface: what every model backend implements (local disk now; GitHub
// Gist, S3 and Azure Blob later). A backend is deliberately dumb: validation, limits, hashing,
// compression, version numbering, per-id serialisation and retention all live in the ModelStore
// (model-store.ts) on top of it, so every backend behaves the same.
//
// A backend keeps two kinds of things per model:
//   - blobs: the bytes of one version exactly as the ModelStore hands them over (possibly gzip'd);
//   - the manifest: one small JSON document describing the model and all its versions.
//
// Rules every backend follows (the shared suite in test/storage/backend-suite.ts checks them):
//   1. The manifest is the commit point. The ModelStore writes a version's blob (putBlob) before the
//      manifest that references it, and deletes blobs only after a manifest that no longer
//      references them is written. A blob nobody references is invisible; a crash leaves at most
//      such orphans (and temp files), which open() removes.
//   2. writeManifest is atomic: readers, and a restart after a crash, see the old manifest or the
//      new one, never a mix and never a torn file.
//   3. The backend alone is enough to rebuild the whole index: on an empty machine, open() +
//      listModelIds() + readManifest() give back every model, version and deployment (the Gist
//      backend scans the account's gists for its marker; nothing depends on local state).
//   4. Bytes travel as local files (in) and streams (out), never as whole-model Buffers: a backend
//      may be slow, chunk them (Gist: ≤ 8 MB base64 text files), retry by re-reading the file, and
//      must not hold a 100 MiB model in memory.
//   5. The ModelStore never runs two changes of one id at once (it serialises them per id), so a
//      backend needs no locking of its own; it must tolerate concurrent calls for different ids,
//      and reads (openBlob, readManifest) concurrent with anything.
//   6. Ids reaching a backend match MODEL_ID_PATTERN; backends re-check anyway (assertModelId), so
//      no path or key ever leaves the backend's space.
//   7. A `shared` backend (S3, Azure Blob) may be changed by other processes at any time: replicas
//      of this server using the same bucket. Its open() must not remove blobs another process may
//      be about to commit (only orphans older than a grace period), its blob names must not
//      collide between processes saving the same version at once, and writeManifest should fail
//      with MODEL_CONFLICT rather than overwrite a manifest changed since it was last read (where
//      the store supports conditional writes). The ModelStore re-reads a shared backend's manifest
//      before every change and refreshes its index periodically (refreshTags).
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';

/** The GraphQL StorageBackend enum values. */
export type BackendKind = 'LOCAL' | 'GITHUB' | 'S3' | 'AZURE';

export const BACKEND_KINDS: readonly BackendKind[] = ['LOCAL', 'GITHUB', 'S3', 'AZURE'];

export const isBackendKind = (value: unknown): value is BackendKind => BACKEND_KINDS.includes(value as BackendKind);

/** How a blob's bytes are encoded; sizes and sha256 of the ORIGINAL bytes are kept separately. */
export type BlobEncoding = 'identity' | 'gzip';

/**
 * Where a backend put a blob, in its own terms (e.g. a gist id, file names and revision), as
 * returned by putBlob. Opaque to the ModelStore: stored in the manifest and handed back to
 * openBlob/deleteBlob. JSON-serialisable. The local backend needs none and returns {}.
 */
export type BlobLocator = Record<string, string | number | boolean | string[] | null>;

export type JsonObject = Record<string, unknown>;

/** One stored version of a model. Immutable once written. */
export interface VersionRecord {
  version: number;
  /** Size of the original bytes. */
  sizeBytes: number;
  /** sha256 (hex) of the original bytes: the ETag, checked on every load. */
  sha256: string;
  encoding: BlobEncoding;
  /** Size and sha256 (hex) of the blob as stored (after compression); equal to the above for identity. */
  storedBytes: number;
  storedSha256: string;
  metadata: JsonObject;
  symbol: string | null;
  modelType: string | null;
  /** ISO-8601. */
  createdAt: string;
  /** Set by rollbackModel: the version whose bytes and metadata this one copies. */
  rolledBackFrom?: number;
  blob: BlobLocator;
}

/** Everything known about one model; the backend persists it next to the blobs (rule 3). */
export interface ModelManifest {
  formatVersion: 1;
  id: string;
  /** ISO-8601: first save, and the last change of any kind. */
  createdAt: string;
  updatedAt: string;
  /** The deployed version, or null. Always one of `versions`. */
  deployedVersion: number | null;
  /** Ascending by version, never empty. The last one is the current version. */
  versions: VersionRecord[];
}

/** A staged local file handed to putBlob. The backend may move (rename) it instead of copying. */
export interface StagedBlob {
  path: string;
  sizeBytes: number;
  sha256: string;
  /** How the bytes are encoded (object stores name blobs v<version>.<encoding>). */
  encoding?: BlobEncoding;
}

export interface StorageBackend {
  readonly kind: BackendKind;
  /** For logs and errors, e.g. "local:/srv/data/models". Never contains secrets. */
  readonly description: string;

  /** Other processes may change the stored models (rule 7). */
  readonly shared?: boolean;

  /**
   * Shared backends: every committed model id with a tag that changes whenever its manifest does
   * (an ETag), in one cheap listing, so the ModelStore re-reads only what changed.
   */
  manifestTags?(): Promise<Map<string, string>>;

  /**
   * Prepares the backend and recovers from interrupted operations: removes temp files and blobs no
   * manifest references (rule 1). Called once by the ModelStore before anything else.
   */
  open(): Promise<void>;

  /** Ids of every model with a committed manifest, in any order. */
  listModelIds(): Promise<string[]>;

  /** The committed manifest of `id`, or null when there is no such model. */
  readManifest(id: string): Promise<ModelManifest | null>;

  /** Atomically creates or replaces the manifest of `manifest.id` (rule 2). */
  writeManifest(manifest: ModelManifest): Promise<void>;

  /**
   * Stores the bytes of `version` of `id` from a staged local file, durably (synced) before it
   * resolves, and returns where they went. Overwrites an orphan of the same version left by a
   * crash. The file may be consumed (moved); the caller deletes it if it is still there.
   */
  putBlob(id: string, version: number, staged: StagedBlob): Promise<BlobLocator>;

  /** Streams the stored bytes of a blob. Rejects with BlobMissingError when they are gone. */
  openBlob(id: string, version: number, locator: BlobLocator): Promise<Readable>;

  /** Removes a blob; a blob that is already gone is not an error. */
  deleteBlob(id: string, version: number, locator: BlobLocator): Promise<void>;

  /** Removes the model: its manifest first (the commit point), then its blobs. Unknown ids are not an error. */
  deleteModel(id: string): Promise<void>;

  /** Releases resources (connections, timers). */
  close(): Promise<void>;
}

/** Model ids: what users choose; also file and key names in every backend. */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isModelId(id: unknown): id is string {
  return typeof id === 'string' && MODEL_ID_PATTERN.test(id);
}

export function invalidModelId(id: unknown): AppError {
  const shown = typeof id === 'string' ? (id.length > 60 ? `${id.slice(0, 60)}…` : id) : String(id);
  return new AppError(
    'INVALID_MODEL_ID',
    `"${shown}" is not a valid model id: 1-128 characters, letters, digits, ".", "_" and "-", starting with a letter or digit.`,
    { id: shown },
  );
}

/** Backends call this on every id they turn into a path or key. */
export function assertModelId(id: unknown): asserts id is string {
  if (!isModelId(id)) throw invalidModelId(id);
}

/** A manifest references a blob the backend no longer has. The ModelStore reports MODEL_CORRUPTED. */
export class BlobMissingError extends Error {
  constructor(
    readonly id: string,
    readonly version: number,
    options?: { cause?: unknown },
  ) {
    super(`The stored bytes of model ${id} version ${version} are missing`, options);
    this.name = 'BlobMissingError';
  }
}

/** Checks the shape of a manifest read back from a backend (a hand-edited or foreign file must not crash the store). */
export function parseManifest(raw: unknown, expectedId: string): ModelManifest {
  const fail = (why: string): never => {
    throw new Error(`Invalid manifest for model ${expectedId}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('not an object');
  const m = raw as Partial<ModelManifest>;
  if (m.formatVersion !== 1) fail(`unsupported formatVersion ${String(m.formatVersion)}`);
  if (m.id !== expectedId) fail(`it names model ${String(m.id)}`);
  if (!Array.isArray(m.versions) || m.versions.length === 0) fail('no versions');
  let previous = 0;
  for (const v of m.versions!) {
    if (!Number.isInteger(v?.version) || v.version <= previous) fail('versions not ascending integers');
    if (!Number.isInteger(v.sizeBytes) || !Number.isInteger(v.storedBytes)) fail(`version ${v.version}: bad sizes`);
    if (!/^[0-9a-f]{64}$/.test(v.sha256) || !/^[0-9a-f]{64}$/.test(v.storedSha256)) fail(`version ${v.version}: bad sha256`);
    if (v.encoding !== 'identity' && v.encoding !== 'gzip') fail(`version ${v.version}: unknown encoding`);
    previous = v.version;
  }
  if (m.deployedVersion !== null && !m.versions!.some((v) => v.version === m.deployedVersion)) {
    fail('deployedVersion is not a stored version');
  }
  return m as ModelManifest;
}
