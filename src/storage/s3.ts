// S3 backend: AWS S3 and S3-compatible servers (MinIO, Ceph RGW, R2, s3rver in tests) through
// @aws-sdk/client-s3, uploads through @aws-sdk/lib-storage (multipart, parts read from the staged
// file: at most PART_SIZE × QUEUE_SIZE bytes in memory, whatever the model's size). Layout,
// recovery and conditional manifest writes are in object-store.ts.
//
// Configured like AWS tools (src/config.ts): AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
// (or the SDK's default credential chain), AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (path-style
// addressing then, by default), S3_BUCKET, S3_PREFIX, S3_CHECKSUM, S3_SSE, S3_SSE_KMS_KEY_ID.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '../config.js';
import { AppError } from '../errors.js';
import { ConditionFailedError, ObjectStoreBackend, type ObjectClient, type ObjectInfo, type WriteCondition } from './object-store.js';

/** lib-storage buffers up to QUEUE_SIZE parts of PART_SIZE while uploading them in parallel. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
const DELETE_BATCH = 1000;

export interface S3BackendOptions {
  /** See ObjectStoreBackendOptions.orphanGraceMs. */
  orphanGraceMs?: number;
  /** Tests: a client of their own (e.g. through a fault-injecting proxy). */
  client?: S3Client;
}

export function createS3Backend(settings: S3Settings, options: S3BackendOptions = {}): ObjectStoreBackend {
  return new ObjectStoreBackend({
    kind: 'S3',
    client: new S3ObjectClient(settings, options.client),
    prefix: settings.prefix,
    orphanGraceMs: options.orphanGraceMs,
    conditionalWrites: settings.conditionalWrites,
  });
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint && { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.credentials && { credentials: settings.credentials }),
    requestChecksumCalculation: settings.checksum,
    responseChecksumValidation: settings.checksum,
    maxAttempts: settings.maxAttempts,
    // Fail fast when the endpoint is unreachable; a stalled socket counts as a failure after 60 s.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}

export class S3ObjectClient implements ObjectClient {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly sse: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'>;
  /** Send If-Match without the quotes (learnt from the server's answers; see putText). */
  private bareEtags = false;

  constructor(settings: S3Settings, client?: S3Client) {
    this.client = client ?? createS3Client(settings);
    this.bucket = settings.bucket;
    this.description = `s3://${settings.bucket}`;
    this.sse = settings.sse
      ? { ServerSideEncryption: settings.sse.algorithm, ...(settings.sse.kmsKeyId && { SSEKMSKeyId: settings.sse.kmsKeyId }) }
      : {};
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    try {
      for await (const page of paginateListObjectsV2({ client: this.client, pageSize: 1000 }, { Bucket: this.bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
          if (!object.Key) continue;
          yield {
            key: object.Key,
            etag: object.ETag ?? '',
            lastModified: object.LastModified ?? new Date(0),
            size: object.Size ?? 0,
          };
        }
      }
    } catch (error) {
      throw this.failure(error, 'ListObjectsV2');
    }
  }

  async getText(key: string): Promise<{ text: string; etag: string } | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { text: (await response.Body?.transformToString('utf8')) ?? '', etag: response.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.failure(error, 'GetObject');
    }
  }

  async putText(key: string, text: string, contentType: string, condition?: WriteCondition): Promise<string> {
    const put = (ifMatch: string | undefined) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: text,
          ContentType: contentType,
          ...(ifMatch && { IfMatch: ifMatch }),
          ...(condition?.ifNoneMatch && { IfNoneMatch: condition.ifNoneMatch }),
          ...this.sse,
        }),
      );
    const ifMatch = condition?.ifMatch && this.bareEtags ? unquote(condition.ifMatch) : condition?.ifMatch;
    try {
      return (await put(ifMatch)).ETag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 && ifMatch?.startsWith('"') && (await this.etagOf(key)) === ifMatch) {
        // The object is the one we read, yet the condition failed: a server comparing If-Match
        // with the unquoted ETag (Ceph RGW 16). Send them unquoted from now on.
        this.bareEtags = true;
        return this.putText(key, text, contentType, condition);
      }
      // 412: the condition failed; 409: a concurrent conditional write won; 404: If-Match on a deleted object.
      if (condition && (status === 412 || status === 409 || (status === 404 && condition.ifMatch))) {
        throw new ConditionFailedError({ cause: error });
      }
      throw this.failure(error, 'PutObject');
    }
  }

  private async etagOf(key: string): Promise<string | null> {
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ETag ?? null;
    } catch {
      return null;
    }
  }

  async putFile(key: string, path: string, sizeBytes: number, metadata: Record<string, string>): Promise<void> {
    const body = createReadStream(path, { highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/octet-stream',
        Metadata: metadata,
        ...this.sse,
      },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // We abort a failed multipart upload ourselves: lib-storage's own abort replaces the error
      // that failed the upload with the abort's, when the abort fails too (s3rver: 405).
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (error) {
      const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
      if (uploadId) {
        // Best effort: parts left behind are invisible but billed; a bucket lifecycle rule
        // (AbortIncompleteMultipartUpload) removes what this misses.
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => {});
      }
      throw this.failure(error, sizeBytes > PART_SIZE ? 'multipart upload' : 'PutObject');
    } finally {
      body.destroy();
    }
  }

  async sizeOf(key: string): Promise<number | null> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return response.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.failure(error, 'HeadObject');
    }
  }

  async openRead(key: string): Promise<Readable | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = response.Body;
      if (body instanceof Readable) return body;
      if (!body) return Readable.from([]);
      return Readable.fromWeb(body.transformToWebStream() as import('node:stream/web').ReadableStream);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.failure(error, 'GetObject');
    }
  }

  async delete(keys: string[]): Promise<void> {
    try {
      if (keys.length === 1) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: keys[0] }));
        return;
      }
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const response = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        const failed = (response.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length) {
          throw new AppError('STORAGE_ERROR', `${this.description}: could not delete ${failed.length} object(s) (${failed[0].Code ?? 'unknown'})`, {
            backend: 'S3',
          });
        }
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (isNotFound(error) && !isNoSuchBucket(error)) return;
      throw this.failure(error, keys.length === 1 ? 'DeleteObject' : 'DeleteObjects');
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private failure(error: unknown, operation: string): AppError {
    return s3Failure(error, operation, this.description, this.bucket);
  }
}

/** Turns an SDK error into a coded AppError. Messages name the service's error code, never credentials. */
export function s3Failure(error: unknown, operation: string, description: string, bucket: string): AppError {
  if (error instanceof AppError) return error;
  const name = (error as { name?: string } | null)?.name ?? '';
  const code = (error as { Code?: string; code?: string } | null)?.Code ?? (error as { code?: string } | null)?.code ?? name;
  const status = statusOf(error);
  const details = { backend: 'S3', operation, ...(status && { status }), ...(code && { serviceCode: code }) };
  const make = (errorCode: string, message: string) => new AppError(errorCode, message, details, undefined, { cause: error });
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(String((error as Error)?.message))) {
    return make('STORAGE_AUTH_FAILED', `No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or give the server a role).`);
  }
  if (isNoSuchBucket(error)) return make('STORAGE_NOT_FOUND', `The bucket ${bucket} does not exist (S3_BUCKET).`);
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'InvalidSecurity'].includes(code)) {
    return make('STORAGE_AUTH_FAILED', `${description} refused the credentials (${code}) during ${operation}.`);
  }
  if (status === 403 || code === 'AccessDenied' || code === 'AllAccessDisabled') {
    return make('STORAGE_PERMISSION_DENIED', `${description} denied ${operation} (${code || 403}): check the credentials' permissions on the bucket.`);
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return make('STORAGE_ERROR', `${description} is in another region than AWS_REGION (${code || status}).`);
  }
  if (
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    ['TimeoutError', 'RequestTimeout', 'SlowDown', 'ServiceUnavailable', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT'].includes(code)
  ) {
    return make('STORAGE_UNAVAILABLE', `${description} is unavailable (${code || status || 'no response'}) during ${operation}.`);
  }
  return make('STORAGE_ERROR', `${description} answered ${code || 'an error'}${status ? ` (${status})` : ''} to ${operation}.`);
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNoSuchBucket(error: unknown): boolean {
  const e = error as { name?: string; Code?: string } | null;
  return e?.name === 'NoSuchBucket' || e?.Code === 'NoSuchBucket';
}

function isNotFound(error: unknown): boolean {
  if (isNoSuchBucket(error)) return false;
  const name = (error as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}
