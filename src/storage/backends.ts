// The S3 and Azure Blob backends from the configuration (the StorageManager builds every backend;
// these two come from here). A backend that is not configured is refused with a coded error
// naming the missing variables, never their values.
import type { AzureSettings, S3Settings, StorageBackendName } from '../config.js';
import { AppError } from '../errors.js';
import { createAzureBackend } from './azure.js';
import type { ObjectStoreBackend } from './object-store.js';
import { createS3Backend } from './s3.js';
import type { BackendKind } from './types.js';

export const BACKEND_KIND: Record<StorageBackendName, BackendKind> = { local: 'LOCAL', github: 'GITHUB', s3: 'S3', azure: 'AZURE' };

export interface ObjectStoreSettings {
  s3: S3Settings | null;
  azure: AzureSettings | null;
}

export interface ObjectStoreTuning {
  /** Tests: sweep unreferenced blobs at once instead of after an hour. */
  orphanGraceMs?: number;
}

export function isObjectStoreKind(kind: BackendKind): kind is 'S3' | 'AZURE' {
  return kind === 'S3' || kind === 'AZURE';
}

/** STORAGE_NOT_CONFIGURED unless `kind`'s variables are set. */
export function assertObjectStoreConfigured(kind: 'S3' | 'AZURE', settings: ObjectStoreSettings): void {
  if (kind === 'S3' && !settings.s3) throw notConfigured(kind, 'S3_BUCKET is not set');
  if (kind === 'AZURE' && !settings.azure) {
    throw notConfigured(kind, 'AZURE_STORAGE_CONNECTION_STRING and AZURE_STORAGE_CONTAINER are not set');
  }
}

export function createObjectStoreBackend(kind: 'S3' | 'AZURE', settings: ObjectStoreSettings, tuning: ObjectStoreTuning = {}): ObjectStoreBackend {
  assertObjectStoreConfigured(kind, settings);
  return kind === 'S3' ? createS3Backend(settings.s3!, tuning) : createAzureBackend(settings.azure!, tuning);
}

function notConfigured(kind: BackendKind, why: string): AppError {
  return new AppError('STORAGE_NOT_CONFIGURED', `The ${kind} storage backend is not configured: ${why}.`, { backend: kind });
}
