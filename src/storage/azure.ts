// Azure Blob backend through @azure/storage-blob (12.29.x: the newest line that runs on Node 20 and
// speaks the blob API version Azurite 3.35 knows). Uploads stream the staged file in blocks
// (uploadStream: at most BLOCK_SIZE × CONCURRENCY bytes in memory); downloads stream. Layout,
// recovery and conditional manifest writes (If-Match / If-None-Match) are in object-store.ts.
//
// Configured by AZURE_STORAGE_CONNECTION_STRING (account key or SAS), AZURE_STORAGE_CONTAINER,
// AZURE_STORAGE_PREFIX and optionally AZURE_STORAGE_ENCRYPTION_SCOPE.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import type { AzureSettings } from '../config.js';
import { AppError } from '../errors.js';
import { ConditionFailedError, ObjectStoreBackend, type ObjectClient, type ObjectInfo, type WriteCondition } from './object-store.js';

const BLOCK_SIZE = 8 * 1024 * 1024;
const CONCURRENCY = 4;
const DELETE_CONCURRENCY = 8;

export interface AzureBackendOptions {
  orphanGraceMs?: number;
  /** Tests: pipeline options (retries) of their own. */
  pipeline?: StoragePipelineOptions;
}

export function createAzureBackend(settings: AzureSettings, options: AzureBackendOptions = {}): ObjectStoreBackend {
  return new ObjectStoreBackend({
    kind: 'AZURE',
    client: new AzureObjectClient(settings, options.pipeline),
    prefix: settings.prefix,
    orphanGraceMs: options.orphanGraceMs,
  });
}

export class AzureObjectClient implements ObjectClient {
  readonly description: string;
  private readonly container: ContainerClient;
  private readonly encryptionScope?: string;

  constructor(settings: AzureSettings, pipeline?: StoragePipelineOptions) {
    let service: BlobServiceClient;
    try {
      service = BlobServiceClient.fromConnectionString(settings.connectionString, {
        retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 5_000 },
        ...pipeline,
      });
    } catch (error) {
      // The SDK's message may quote the string; ours never does.
      throw new AppError('STORAGE_NOT_CONFIGURED', 'AZURE_STORAGE_CONNECTION_STRING is not a valid connection string.', { backend: 'AZURE' }, undefined, {
        cause: error,
      });
    }
    this.container = service.getContainerClient(settings.container);
    this.encryptionScope = settings.encryptionScope;
    this.description = `azure:${service.accountName}/${settings.container}`;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    try {
      for await (const item of this.container.listBlobsFlat({ prefix })) {
        yield {
          key: item.name,
          etag: item.properties.etag ?? '',
          lastModified: item.properties.lastModified ?? new Date(0),
          size: item.properties.contentLength ?? 0,
        };
      }
    } catch (error) {
      throw this.failure(error, 'List Blobs');
    }
  }

  async getText(key: string): Promise<{ text: string; etag: string } | null> {
    try {
      const response = await this.container.getBlobClient(key).download(0);
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody as Readable) chunks.push(chunk as Buffer);
      return { text: Buffer.concat(chunks).toString('utf8'), etag: response.etag ?? '' };
    } catch (error) {
      if (isBlobNotFound(error)) return null;
      throw this.failure(error, 'Get Blob');
    }
  }

  async putText(key: string, text: string, contentType: string, condition?: WriteCondition): Promise<string> {
    const body = Buffer.from(text, 'utf8');
    try {
      const response = await this.container.getBlockBlobClient(key).upload(body, body.length, {
        blobHTTPHeaders: { blobContentType: contentType },
        ...(condition && { conditions: { ifMatch: condition.ifMatch, ifNoneMatch: condition.ifNoneMatch } }),
        ...(this.encryptionScope && { encryptionScope: this.encryptionScope }),
      });
      return response.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      // 412 ConditionNotMet; 409 BlobAlreadyExists for If-None-Match: *; 404 for If-Match on a deleted blob.
      if (condition && (status === 412 || status === 409 || (status === 404 && condition.ifMatch))) {
        throw new ConditionFailedError({ cause: error });
      }
      throw this.failure(error, 'Put Blob');
    }
  }

  async putFile(key: string, path: string, _sizeBytes: number, metadata: Record<string, string>): Promise<void> {
    const body = createReadStream(path, { highWaterMark: 1024 * 1024 });
    try {
      await this.container.getBlockBlobClient(key).uploadStream(body, BLOCK_SIZE, CONCURRENCY, {
        blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
        metadata,
        ...(this.encryptionScope && { encryptionScope: this.encryptionScope }),
      });
    } catch (error) {
      throw this.failure(error, 'upload (Put Block / Put Block List)');
    } finally {
      body.destroy();
    }
  }

  async sizeOf(key: string): Promise<number | null> {
    try {
      return (await this.container.getBlobClient(key).getProperties()).contentLength ?? 0;
    } catch (error) {
      if (isBlobNotFound(error)) return null;
      throw this.failure(error, 'Get Blob Properties');
    }
  }

  async openRead(key: string): Promise<Readable | null> {
    try {
      // The SDK resumes an interrupted body from where it stopped (up to maxRetryRequests times).
      const response = await this.container.getBlobClient(key).download(0, undefined, { maxRetryRequests: 3 });
      const body = response.readableStreamBody;
      if (!body) return Readable.from([]);
      return body instanceof Readable ? body : new Readable().wrap(body);
    } catch (error) {
      if (isBlobNotFound(error)) return null;
      throw this.failure(error, 'Get Blob');
    }
  }

  async delete(keys: string[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++];
        try {
          await this.container.getBlobClient(key).deleteIfExists({ deleteSnapshots: 'include' });
        } catch (error) {
          throw this.failure(error, 'Delete Blob');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  }

  async close(): Promise<void> {}

  private failure(error: unknown, operation: string): AppError {
    return azureFailure(error, operation, this.description, this.container.containerName);
  }
}

/** Turns an SDK error into a coded AppError. Messages name the service's error code, never the connection string. */
export function azureFailure(error: unknown, operation: string, description: string, container: string): AppError {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  const code = (error as { code?: string } | null)?.code ?? '';
  const details = { backend: 'AZURE', operation, ...(status && { status }), ...(code && { serviceCode: code }) };
  const make = (errorCode: string, message: string) => new AppError(errorCode, message, details, undefined, { cause: error });
  if (code === 'ContainerNotFound') return make('STORAGE_NOT_FOUND', `The container ${container} does not exist (AZURE_STORAGE_CONTAINER).`);
  if (code === 'AuthenticationFailed' || code === 'InvalidAuthenticationInfo' || status === 401) {
    return make('STORAGE_AUTH_FAILED', `${description} refused the credentials (${code || status}) during ${operation}: check AZURE_STORAGE_CONNECTION_STRING.`);
  }
  if (status === 403) {
    return make('STORAGE_PERMISSION_DENIED', `${description} denied ${operation} (${code || 403}): check the key's or SAS's permissions.`);
  }
  if (status === undefined || status >= 500 || status === 429 || status === 408) {
    return make('STORAGE_UNAVAILABLE', `${description} is unavailable (${code || status || 'no response'}) during ${operation}.`);
  }
  return make('STORAGE_ERROR', `${description} answered ${code || 'an error'} (${status}) to ${operation}.`);
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function isBlobNotFound(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return statusOf(error) === 404 && code !== 'ContainerNotFound';
}
