// Copies every model from one backend to another at the backend level, so version numbers,
// timestamps, metadata, rollbacks and the deployed version come across unchanged. Each version's
// stored bytes are checked against their sha256 when read from the source and again when read back
// from the target; a model's manifest is written to the target (its commit point) only after all
// its versions are there and verified. The source is only read.
//
// Resumable without duplicates: a model whose target manifest already equals the source's is
// skipped; a version the target already holds with the same bytes is reused; blobs an interrupted
// run left uncommitted are overwritten (same id and version) or swept by the target's open().
// A target model that has diverged (a version number with other bytes, or newer versions than the
// source) is a conflict: the migration stops before switching and names the ids.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { tempName } from './fs-util.js';
import { BlobMissingError, type BlobLocator, type ModelManifest, type StorageBackend, type VersionRecord } from './types.js';
import { digestOf, HashCounter } from './digest.js';

export interface MigrationReport {
  models: number;
  /** Models already complete in the target (an earlier, interrupted run). */
  modelsSkipped: number;
  versionsCopied: number;
  versionsReused: number;
  bytesCopied: number;
}

export interface MigrateOptions {
  source: StorageBackend;
  /** Opened; for the Gist backend an instance without the local cache, so read-backs hit GitHub. */
  target: StorageBackend;
  /** For temp files; emptied before and removed after. */
  tempDir: string;
  logger?: Logger;
}

export async function migrateModels(options: MigrateOptions): Promise<MigrationReport> {
  const { source, target, tempDir, logger } = options;
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(tempDir, { recursive: true });
  const report: MigrationReport = { models: 0, modelsSkipped: 0, versionsCopied: 0, versionsReused: 0, bytesCopied: 0 };
  const conflicts: string[] = [];
  try {
    const ids = (await source.listModelIds()).sort();
    for (const id of ids) {
      const manifest = await source.readManifest(id);
      if (!manifest) continue; // deleted meanwhile
      report.models++;
      const existing = await target.readManifest(id);
      const conflict = existing && divergence(manifest, existing);
      if (conflict) {
        conflicts.push(`${id} (${conflict})`);
        continue;
      }
      if (existing && sameModel(manifest, existing)) {
        report.modelsSkipped++;
        continue;
      }
      const versions: VersionRecord[] = [];
      for (const record of manifest.versions) {
        const held = existing?.versions.find((v) => v.version === record.version);
        if (held && sameBytes(held, record)) {
          versions.push({ ...record, blob: held.blob });
          report.versionsReused++;
          continue;
        }
        versions.push({ ...record, blob: await copyVersion(source, target, id, record, tempDir) });
        report.versionsCopied++;
        report.bytesCopied += record.storedBytes;
      }
      await target.writeManifest({ ...manifest, versions });
      // Versions the target still held that the source's retention has dropped since.
      for (const old of existing?.versions ?? []) {
        if (!manifest.versions.some((v) => v.version === old.version)) await target.deleteBlob(id, old.version, old.blob);
      }
      logger?.info('model migrated', { modelId: id, versions: versions.length, from: source.kind, to: target.kind });
    }
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
  if (conflicts.length) {
    throw new AppError(
      'MIGRATION_CONFLICT',
      `The ${target.kind} backend already holds different data for ${conflicts.length} model(s): ${conflicts.slice(0, 10).join(', ')}${conflicts.length > 10 ? ', …' : ''}. Nothing was switched; the other models were copied.`,
      { ids: conflicts.map((c) => c.split(' ')[0]) },
      409,
    );
  }
  return report;
}

/** Reads a version from the source (checked), stores it in the target, reads it back (checked). */
async function copyVersion(source: StorageBackend, target: StorageBackend, id: string, record: VersionRecord, tempDir: string): Promise<BlobLocator> {
  const path = join(tempDir, tempName(`${id}-v${record.version}`));
  const check = (what: string, got: { bytes: number; sha256: string }) => {
    if (got.bytes !== record.storedBytes || got.sha256 !== record.storedSha256) {
      throw new AppError('MODEL_CORRUPTED', `Model ${id} version ${record.version}: ${what} do not match their sha256; not migrated.`, {
        id,
        version: record.version,
      }, 500);
    }
  };
  try {
    const tap = new HashCounter(Number.MAX_SAFE_INTEGER);
    await pipeline(await openChecked(source, id, record), tap, createWriteStream(path, { flags: 'wx' }));
    check('the source bytes', { bytes: tap.bytes, sha256: tap.digest() });
    const locator = await target.putBlob(id, record.version, { path, sizeBytes: record.storedBytes, sha256: record.storedSha256, encoding: record.encoding });
    check('the bytes read back from the target', await digestOf(await openChecked(target, id, { ...record, blob: locator })));
    return locator;
  } finally {
    await rm(path, { force: true });
  }
}

async function openChecked(backend: StorageBackend, id: string, record: VersionRecord): Promise<Readable> {
  try {
    return await backend.openBlob(id, record.version, record.blob);
  } catch (error) {
    if (error instanceof BlobMissingError) {
      throw new AppError('MODEL_CORRUPTED', `Model ${id} version ${record.version}: its stored bytes are missing in the ${backend.kind} backend.`, {
        id,
        version: record.version,
      }, 500, { cause: error });
    }
    throw error;
  }
}

const sameBytes = (a: VersionRecord, b: VersionRecord) =>
  a.sha256 === b.sha256 && a.storedSha256 === b.storedSha256 && a.encoding === b.encoding && a.storedBytes === b.storedBytes;

/** Everything but where the blobs are. */
function sameModel(a: ModelManifest, b: ModelManifest): boolean {
  const strip = (m: ModelManifest) => canonical({ ...m, versions: m.versions.map((v) => ({ ...v, blob: null })) });
  return strip(a) === strip(b);
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Why the target's copy of a model cannot be brought in line with the source without losing data, or null. */
function divergence(source: ModelManifest, target: ModelManifest): string | null {
  const newest = source.versions[source.versions.length - 1].version;
  const newer = target.versions.filter((v) => v.version > newest).map((v) => v.version);
  if (newer.length) return `the target has newer versions ${newer.join(', ')}`;
  for (const v of target.versions) {
    const s = source.versions.find((x) => x.version === v.version);
    if (s && !sameBytes(s, v)) return `version ${v.version} differs`;
  }
  return null;
}

