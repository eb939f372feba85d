// Builds a storage backend from the configuration: the one STORAGE_BACKEND names at start, or any
// other for a switch or migration. A backend that is not configured is refused with a coded error
// naming the missing variables (never their values).
import { join } from 'node:path';
import type { Config, StorageBackendName } from '../config.js';
import { AppError } from '../errors.js';
import { createAzureBackend } from './azure.js';
import { LocalBackend } from './local.js';
import { createS3Backend } from './s3.js';
import type { BackendKind, StorageBackend } from './types.js';

export const BACKEND_KIND: Record<StorageBackendName, BackendKind> = { local: 'LOCAL', s3: 'S3', azure: 'AZURE' };

export function createStorageBackend(config: Config, kind: BackendKind = BACKEND_KIND[config.storage.backend]): StorageBackend {
  switch (kind) {
    case 'LOCAL':
      return new LocalBackend({ dir: join(config.storage.dataDir, 'models') });
    case 'S3':
      if (!config.storage.s3) throw notConfigured(kind, 'S3_BUCKET is not set');
      return createS3Backend(config.storage.s3);
    case 'AZURE':
      if (!config.storage.azure) throw notConfigured(kind, 'AZURE_STORAGE_CONNECTION_STRING and AZURE_STORAGE_CONTAINER are not set');
      return createAzureBackend(config.storage.azure);
    default:
      throw notConfigured(kind, 'this server has no such backend');
  }
}

/** Whether createStorageBackend would build `kind` (for status reports). */
export function isBackendConfigured(config: Config, kind: BackendKind): boolean {
  return kind === 'LOCAL' || (kind === 'S3' && !!config.storage.s3) || (kind === 'AZURE' && !!config.storage.azure);
}

function notConfigured(kind: BackendKind, why: string): AppError {
  return new AppError('STORAGE_NOT_CONFIGURED', `The ${kind} storage backend is not configured: ${why}.`, { backend: kind });
}
