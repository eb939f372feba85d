// Real object-store servers for tests, started on 127.0.0.1 with an ephemeral port and stopped by
// pid: s3rver 3.7.1 (S3) and Azurite 3.35 (Azure Blob), both dev dependencies. When one is not
// installed the tests that need it are skipped, except under CI=true, where that fails the run
// (a missing install step must not hide behind a green build).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AzureSettings, S3Settings } from '../../src/config.js';

const require = createRequire(import.meta.url);

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * `npm run test:s3-real` points the S3 tests at a real S3 server (Ceph RGW) instead of s3rver:
 * STOCKROOM_TEST_S3_ENDPOINT, STOCKROOM_TEST_S3_ACCESS_KEY, STOCKROOM_TEST_S3_SECRET_KEY, and
 * STOCKROOM_TEST_ONLY=s3 to skip the other object stores.
 */
const external = process.env.STOCKROOM_TEST_S3_ENDPOINT;
const only = process.env.STOCKROOM_TEST_ONLY;

export const S3_TARGET = external
  ? {
      name: 'external S3',
      external: true,
      accessKeyId: process.env.STOCKROOM_TEST_S3_ACCESS_KEY ?? '',
      secretAccessKey: process.env.STOCKROOM_TEST_S3_SECRET_KEY ?? '',
      /** Real S3 implementations honour If-Match / If-None-Match. */
      conditionalWrites: true,
    }
  : { name: 's3rver', external: false, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', conditionalWrites: false };

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function packageFile(pkg: string, file: string): string | undefined {
  try {
    const path = join(dirname(require.resolve(`${pkg}/package.json`)), file);
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const S3RVER_BIN = packageFile('s3rver', 'bin/s3rver.js');
const AZURITE_BLOB_BIN = packageFile('azurite', 'dist/src/blob/main.js');

/** Whether a service can run here; under CI a missing one throws (fails the run) instead of skipping. */
export function serviceAvailable(name: 's3rver' | 'azurite'): boolean {
  if (only && only !== (name === 's3rver' ? 's3' : 'azure')) return false;
  if (name === 's3rver' && external) return true;
  const available = name === 's3rver' ? !!S3RVER_BIN : !!AZURITE_BLOB_BIN;
  if (!available && IN_CI) throw new Error(`${name} is not installed (npm ci installs it as a dev dependency); CI=true refuses to skip its tests`);
  return available;
}

export interface RunningService {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  pid: number;
  /** SIGTERM by pid, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

function run(command: string, args: string[], ready: RegExp, cleanup: () => void, timeoutMs = 30_000): Promise<RunningService> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} ${args.join(' ')} was not ready after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ endpoint: `http://127.0.0.1:${match[1]}`, pid: child.pid!, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/**
 * s3rver on an ephemeral port. `--openssl-legacy-provider`: its ListObjectsV2 continuation tokens
 * use DES, which OpenSSL 3 refuses otherwise (500 InternalError on the second page).
 */
export async function startS3rver(): Promise<RunningService> {
  if (external) return { endpoint: external.replace(/\/+$/, ''), pid: 0, stop: async () => {} };
  if (!S3RVER_BIN) throw new Error('s3rver is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-s3rver-'));
  return run(
    process.execPath,
    ['--openssl-legacy-provider', S3RVER_BIN, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent'],
    /S3rver listening on 127\.0\.0\.1:(\d+)/,
    () => rmSync(dir, { recursive: true, force: true }),
  );
}

/** Azurite's blob service on an ephemeral port, in memory. */
export async function startAzurite(): Promise<RunningService> {
  if (!AZURITE_BLOB_BIN) throw new Error('azurite is not installed');
  return run(
    process.execPath,
    [AZURITE_BLOB_BIN, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--disableTelemetry', '--silent'],
    /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/,
    () => {},
  );
}

let counter = 0;
/** A fresh bucket or container name: lower case, unique in this run. */
export function uniqueName(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`.toLowerCase().slice(0, 63);
}

/** S3 settings for a bucket on `endpoint` (s3rver's fixed credentials unless given). */
export function s3Settings(endpoint: string, bucket: string, overrides: Partial<S3Settings> = {}): S3Settings {
  return {
    bucket,
    prefix: 'models',
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_TARGET.accessKeyId, secretAccessKey: S3_TARGET.secretAccessKey },
    checksum: 'WHEN_REQUIRED',
    conditionalWrites: true,
    maxAttempts: 3,
    ...overrides,
  };
}

/** A plain S3 client for what the tests do behind the backend's back (create buckets, tamper with objects). */
export function rawS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: settings.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(settings: S3Settings): Promise<void> {
  const client = rawS3Client(settings);
  try {
    await client.send(new CreateBucketCommand({ Bucket: settings.bucket }));
  } finally {
    client.destroy();
  }
}

export function azuriteConnectionString(endpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint}/${AZURITE_ACCOUNT};`;
}

export function azureSettings(endpoint: string, container: string, overrides: Partial<AzureSettings> = {}): AzureSettings {
  return { connectionString: azuriteConnectionString(endpoint), container, prefix: 'models', ...overrides };
}

export async function createContainer(settings: AzureSettings): Promise<void> {
  await BlobServiceClient.fromConnectionString(settings.connectionString).getContainerClient(settings.container).create();
}

export type { ChildProcess };
