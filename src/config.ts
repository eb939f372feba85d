// The only module that reads process.env. Every variable is validated at once; a bad
// configuration is reported as a whole (all variables) and the process exits non-zero.
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEncryptionKey } from './storage/crypto.js';

const emptyAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const int = (def: number, min: number, max: number) =>
  z.preprocess(emptyAsUnset, z.coerce.number().int().min(min).max(max).default(def));

const bool = (def: boolean) =>
  z.preprocess(
    emptyAsUnset,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

const optionalUrl = z.preprocess(
  emptyAsUnset,
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
);

const lowerCase = (v: unknown) => {
  const unset = emptyAsUnset(v);
  return typeof unset === 'string' ? unset.trim().toLowerCase() : unset;
};

const optionalString = (pattern: RegExp, error: string) =>
  z.preprocess(emptyAsUnset, z.string().trim().regex(pattern, { error }).optional());

const optionalBool = z.preprocess(
  emptyAsUnset,
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .optional(),
);

/** A key prefix in a bucket or container: path segments of safe characters; "/" at either end is dropped. */
const keyPrefix = z.preprocess(
  // Unset or empty: the default. "/" alone: the bucket's (container's) root.
  (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().replace(/^\/+|\/+$/g, '')) : v),
  z
    .string()
    .max(512)
    .regex(/^([A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*)?$/, {
      error: 'must be path segments of letters, digits, ".", "_" and "-" separated by "/" (no "." or ".." segments)',
    })
    .default('stockroom'),
);

/** Backends STORAGE_BACKEND may name. */
export const STORAGE_BACKENDS = ['local', 'github', 's3', 'azure'] as const;
export type StorageBackendName = (typeof STORAGE_BACKENDS)[number];

const optionalRedisUrl = z.preprocess(
  emptyAsUnset,
  z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
);

const optionalSecret = (minLength: number) =>
  z.preprocess(
    emptyAsUnset,
    z.string().min(minLength, { error: `must be at least ${minLength} characters` }).optional(),
  );

const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyAsUnset, z.enum(['development', 'production', 'test']).default('development')),
  PORT: int(4000, 0, 65535),
  HOST: z.preprocess(emptyAsUnset, z.string().default('0.0.0.0')),
  LOG_LEVEL: z.preprocess(emptyAsUnset, z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info')),
  GRAPHIQL: bool(true),
  ADMIN_TOKEN: optionalSecret(16),
  MAX_REQUEST_BYTES: int(1_048_576, 1024, 64 * 1_048_576),
  SHUTDOWN_TIMEOUT_S: int(25, 1, 600),
  TRUST_PROXY: bool(false),
  CLIENT_UPSTREAM_BUDGET: int(300, 0, 1_000_000),
  CLIENT_UPSTREAM_WINDOW_S: int(60, 1, 86400),

  YAHOO_BASE_URL: optionalUrl,
  YAHOO_TIMEOUT_MS: int(10_000, 100, 120_000),
  YAHOO_CONCURRENCY: int(2, 1, 16),

  NEWSAPI_KEY: optionalSecret(8),
  NEWSAPI_BASE_URL: optionalUrl,
  NEWSAPI_DAILY_LIMIT: int(100, 0, 1_000_000),
  NEWSAPI_TIMEOUT_MS: int(10_000, 100, 120_000),

  CACHE_TTL_STOCK_DATA_S: int(3600, 1, 7 * 86400),
  CACHE_TTL_STOCK_INFO_S: int(1800, 1, 7 * 86400),
  CACHE_TTL_NEWS_S: int(3600, 1, 7 * 86400),
  CACHE_MAX_STALE_S: int(86400, 0, 30 * 86400),
  CACHE_NOT_FOUND_TTL_S: int(600, 0, 86400),
  CACHE_FAILURE_BACKOFF_S: int(30, 0, 3600),
  CACHE_MAX_MB: int(256, 1, 16384),
  RESPONSE_CACHE_MB: int(64, 0, 16384),

  // Several replicas: a shared second cache tier, cross-replica coalescing and messages (docs/replicas.md).
  REDIS_URL: optionalRedisUrl,
  REDIS_PREFIX: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .max(100)
      .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
      .default('stockroom:'),
  ),
  REDIS_COMMAND_TIMEOUT_MS: int(150, 10, 10_000),
  REDIS_CONNECT_TIMEOUT_MS: int(1000, 100, 60_000),
  REDIS_LEASE_MS: int(15_000, 100, 300_000),
  CACHE_L1_TTL_S: int(5, 1, 3600),

  STORAGE_BACKEND: z.preprocess(
    lowerCase,
    z.enum(STORAGE_BACKENDS, { error: `must be one of ${STORAGE_BACKENDS.map((b) => `"${b}"`).join(', ')}` }).default('local'),
  ),
  DATA_DIR: z.preprocess(emptyAsUnset, z.string().default('./data')),
  MODEL_MAX_BYTES: int(100 * 1_048_576, 1, 2_147_483_647),
  MODEL_KEEP_VERSIONS: int(10, 1, 10_000),
  MODEL_INDEX_REFRESH_S: int(10, 1, 3600),

  // S3 and S3-compatible object stores, named the way AWS tools name them.
  AWS_REGION: optionalString(/^[a-z0-9-]{1,64}$/, 'must be a region name such as eu-west-1'),
  AWS_DEFAULT_REGION: optionalString(/^[a-z0-9-]{1,64}$/, 'must be a region name such as eu-west-1'),
  AWS_ACCESS_KEY_ID: optionalString(/^\S{1,256}$/, 'must be an access key id without spaces'),
  AWS_SECRET_ACCESS_KEY: optionalString(/^\S{1,512}$/, 'must be a secret access key without spaces'),
  AWS_SESSION_TOKEN: optionalString(/^\S+$/, 'must not contain spaces'),
  AWS_ENDPOINT_URL_S3: optionalUrl,
  AWS_ENDPOINT_URL: optionalUrl,
  S3_BUCKET: optionalString(/^[A-Za-z0-9][A-Za-z0-9._-]{2,254}$/, 'must be a bucket name: letters, digits, ".", "_", "-"'),
  S3_PREFIX: keyPrefix,
  S3_FORCE_PATH_STYLE: optionalBool,
  S3_CHECKSUM: z.preprocess(
    lowerCase,
    z.enum(['when_required', 'when_supported'], { error: 'must be "when_required" or "when_supported"' }).optional(),
  ),
  S3_SSE: z.preprocess(emptyAsUnset, z.enum(['AES256', 'aws:kms', 'aws:kms:dsse'], { error: 'must be "AES256", "aws:kms" or "aws:kms:dsse"' }).optional()),
  S3_SSE_KMS_KEY_ID: optionalString(/^\S{1,2048}$/, 'must be a KMS key id, alias or ARN'),
  S3_CONDITIONAL_WRITES: bool(true),
  S3_MAX_ATTEMPTS: int(3, 1, 20),

  // Azure Blob Storage.
  AZURE_STORAGE_CONNECTION_STRING: z.preprocess(emptyAsUnset, z.string().optional()),
  AZURE_STORAGE_CONTAINER: optionalString(
    /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
    'must be a container name: 3-63 lower-case letters, digits and single hyphens',
  ),
  AZURE_STORAGE_PREFIX: keyPrefix,
  AZURE_STORAGE_ENCRYPTION_SCOPE: optionalString(/^[A-Za-z0-9-]{3,63}$/, 'must be an encryption scope name'),

  GITHUB_TOKEN: optionalSecret(1),
  GITHUB_API_URL: z.preprocess(
    emptyAsUnset,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://api.github.com')
      .transform((u) => u.replace(/\/+$/, '')),
  ),
  GITHUB_TIMEOUT_S: int(120, 1, 3600),
  GITHUB_RATE_LIMIT_MAX_WAIT_S: int(60, 0, 3600),
  GITHUB_WRITE_INTERVAL_MS: int(1000, 0, 60_000),
  GIST_CHUNK_MIB: int(6, 1, 6),
  STORAGE_ENCRYPTION_KEY: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .transform((text, ctx) => {
        const key = parseEncryptionKey(text);
        if (!key) {
          ctx.addIssue({ code: 'custom', message: 'must be 32 bytes written as base64 (`openssl rand -base64 32`) or as 64 hex characters' });
          return z.NEVER;
        }
        return key;
      })
      .optional(),
  ),
  GIST_ALLOW_PLAINTEXT: bool(false),
}).superRefine((e, ctx) => {
  // STORAGE_BACKEND=github must be usable from the start (a switch at run time checks the same).
  if (e.STORAGE_BACKEND !== 'github') return;
  if (!e.GITHUB_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['GITHUB_TOKEN'], message: 'required when STORAGE_BACKEND=github (GITHUB_TOKEN_MISSING)' });
  }
  if (!e.STORAGE_ENCRYPTION_KEY && !e.GIST_ALLOW_PLAINTEXT) {
    ctx.addIssue({
      code: 'custom',
      path: ['STORAGE_ENCRYPTION_KEY'],
      message: 'required when STORAGE_BACKEND=github, unless GIST_ALLOW_PLAINTEXT=true (ENCRYPTION_KEY_MISSING)',
    });
  }
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(e: z.output<typeof envSchema>) {
  return {
    env: e.NODE_ENV,
    http: {
      port: e.PORT,
      host: e.HOST,
      graphiql: e.GRAPHIQL,
      maxRequestBytes: e.MAX_REQUEST_BYTES,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_S * 1000,
      /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
      trustProxy: e.TRUST_PROXY,
    },
    /** Uncached upstream keys one client may cause per window (0 = unlimited). */
    clientBudget: { keys: e.CLIENT_UPSTREAM_BUDGET, windowMs: e.CLIENT_UPSTREAM_WINDOW_S * 1000 },
    logLevel: e.LOG_LEVEL,
    /** Undefined means: generate one at start and print it once. */
    adminToken: e.ADMIN_TOKEN,
    yahoo: {
      baseUrl: e.YAHOO_BASE_URL,
      timeoutMs: e.YAHOO_TIMEOUT_MS,
      concurrency: e.YAHOO_CONCURRENCY,
    },
    newsapi: {
      /** Sent only in the X-Api-Key header; never logged, echoed or used in a cache key. */
      key: e.NEWSAPI_KEY,
      baseUrl: e.NEWSAPI_BASE_URL ?? 'https://newsapi.org',
      /** Requests per rolling 24 h that stockroom will send at most (the free plan allows 100). */
      dailyLimit: e.NEWSAPI_DAILY_LIMIT,
      timeoutMs: e.NEWSAPI_TIMEOUT_MS,
    },
    cache: {
      ttlSeconds: {
        STOCK_DATA: e.CACHE_TTL_STOCK_DATA_S,
        STOCK_INFO: e.CACHE_TTL_STOCK_INFO_S,
        NEWS: e.CACHE_TTL_NEWS_S,
      },
      maxStaleSeconds: e.CACHE_MAX_STALE_S,
      notFoundTtlSeconds: e.CACHE_NOT_FOUND_TTL_S,
      failureBackoffSeconds: e.CACHE_FAILURE_BACKOFF_S,
      maxBytes: e.CACHE_MAX_MB * 1024 * 1024,
      /** Serialized responses of repeated queries; 0 turns the response cache off. */
      responseMaxBytes: e.RESPONSE_CACHE_MB * 1024 * 1024,
      /**
       * With Redis: how long this replica trusts its own copy of an entry before checking the shared
       * tier again (bounds how long a replica can disagree with the others). Unused without Redis.
       */
      l1TtlMs: e.CACHE_L1_TTL_S * 1000,
    },
    /** Undefined: one process, nothing shared (the default). */
    redis: e.REDIS_URL
      ? {
          /** May hold a password: never logged (the logger scrubs it). */
          url: e.REDIS_URL,
          prefix: e.REDIS_PREFIX,
          /** Every Redis call on a request's path gives up after this long (then: local tier, upstream). */
          commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
          connectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS,
          /** How long one replica may hold the right to fetch a key for all; others wait at most this long. */
          leaseMs: e.REDIS_LEASE_MS,
        }
      : undefined,
    storage: {
      /**
       * The backend of a first start. A switch made with setStorageBackend is persisted (a state
       * file under DATA_DIR, mirrored to a settings gist when GitHub is configured) and wins.
       */
      backend: e.STORAGE_BACKEND,
      /** Absolute. The local backend keeps models under <dataDir>/models; every backend stages uploads in <dataDir>/tmp. */
      dataDir: resolve(e.DATA_DIR),
      /** Largest model accepted (original, uncompressed bytes). At most 2^31-1: sizeBytes is a GraphQL Int. */
      maxModelBytes: e.MODEL_MAX_BYTES,
      /** Versions kept per model; the current and the deployed one are never removed. */
      keepVersions: e.MODEL_KEEP_VERSIONS,
      /** Shared (object-store) backends: how stale one replica's view of models written by others may get. */
      indexRefreshMs: e.MODEL_INDEX_REFRESH_S * 1000,
      /** Null when S3_BUCKET is unset: the S3 backend is not configured. */
      s3: s3Settings(e),
      /** Null when AZURE_STORAGE_CONNECTION_STRING is unset: the Azure backend is not configured. */
      azure: azureSettings(e),
    },
    /** The GitHub Gist storage backend. token and encryptionKey are secrets: never logged or returned. */
    github: {
      token: e.GITHUB_TOKEN,
      /** REST API base: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
      apiUrl: e.GITHUB_API_URL,
      /** 32 bytes (AES-256-GCM); undefined = none configured. */
      encryptionKey: e.STORAGE_ENCRYPTION_KEY,
      /** Store models unencrypted when no key is set (secret gists are readable by anyone with the URL). */
      allowPlaintext: e.GIST_ALLOW_PLAINTEXT,
      /** Per HTTP request (API and raw downloads). */
      timeoutMs: e.GITHUB_TIMEOUT_S * 1000,
      /** Longest wait for a rate limit to reset before failing with GITHUB_RATE_LIMITED. */
      maxRateLimitWaitMs: e.GITHUB_RATE_LIMIT_MAX_WAIT_S * 1000,
      /** Minimum spacing of write requests (GitHub asks for ≥ 1 s between content-creating requests). */
      writeIntervalMs: e.GITHUB_WRITE_INTERVAL_MS,
      /**
       * Model bytes per chunk file (less 64 bytes, so a sealed chunk stays ≤ 8 MiB of base64). GitHub
       * kills requests that take over 10 s: on a slow uplink, smaller chunks upload in time.
       */
      chunkBytes: e.GIST_CHUNK_MIB * 1024 * 1024 - 64,
    },
    /** Values the logger scrubs from every line (credentials). */
    secrets: secretsOf(e),
  };
}

type Env = z.output<typeof envSchema>;

export interface S3Settings {
  bucket: string;
  /** Keys are <prefix>/<model id>/...; "" puts models at the bucket's root. */
  prefix: string;
  region: string;
  /** A custom endpoint (S3-compatible servers); unset means AWS S3. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's default credential chain (web identity, ECS/EC2 roles, ~/.aws). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** requestChecksumCalculation / responseChecksumValidation. */
  checksum: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  sse?: { algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse'; kmsKeyId?: string };
  /** If-Match / If-None-Match on manifest writes (concurrent changes from several replicas). */
  conditionalWrites: boolean;
  maxAttempts: number;
}

export interface AzureSettings {
  connectionString: string;
  container: string;
  prefix: string;
  encryptionScope?: string;
}

function s3Settings(e: Env): S3Settings | null {
  if (!e.S3_BUCKET) return null;
  const endpoint = e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL;
  return {
    bucket: e.S3_BUCKET,
    prefix: e.S3_PREFIX,
    // S3-compatible servers mostly ignore the region but the SDK needs one to sign requests.
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint && { endpoint }),
    forcePathStyle: e.S3_FORCE_PATH_STYLE ?? endpoint !== undefined,
    ...(e.AWS_ACCESS_KEY_ID &&
      e.AWS_SECRET_ACCESS_KEY && {
        credentials: {
          accessKeyId: e.AWS_ACCESS_KEY_ID,
          secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
          ...(e.AWS_SESSION_TOKEN && { sessionToken: e.AWS_SESSION_TOKEN }),
        },
      }),
    // The SDK's default sends streamed bodies aws-chunked with a trailing CRC32, which several
    // S3-compatible servers reject (Ceph RGW) or store verbatim, framing included (s3rver).
    checksum: (e.S3_CHECKSUM ?? (endpoint ? 'when_required' : 'when_supported')) === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    ...(e.S3_SSE && { sse: { algorithm: e.S3_SSE, ...(e.S3_SSE_KMS_KEY_ID && { kmsKeyId: e.S3_SSE_KMS_KEY_ID }) } }),
    conditionalWrites: e.S3_CONDITIONAL_WRITES,
    maxAttempts: e.S3_MAX_ATTEMPTS,
  };
}

function azureSettings(e: Env): AzureSettings | null {
  if (!e.AZURE_STORAGE_CONNECTION_STRING || !e.AZURE_STORAGE_CONTAINER) return null;
  return {
    connectionString: e.AZURE_STORAGE_CONNECTION_STRING.trim(),
    container: e.AZURE_STORAGE_CONTAINER,
    prefix: e.AZURE_STORAGE_PREFIX,
    ...(e.AZURE_STORAGE_ENCRYPTION_SCOPE && { encryptionScope: e.AZURE_STORAGE_ENCRYPTION_SCOPE }),
  };
}

/** The parts of an Azure connection string, keys lower-cased. Values may contain "=" (base64). */
export function parseConnectionString(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const pair of text.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  return parts;
}

function secretsOf(e: Env): string[] {
  const secrets: Array<string | null | undefined> = [e.AWS_SECRET_ACCESS_KEY, e.AWS_SESSION_TOKEN];
  const connection = e.AZURE_STORAGE_CONNECTION_STRING;
  if (connection) {
    secrets.push(connection, connection.trim());
    const parts = parseConnectionString(connection);
    const sas = parts.get('sharedaccesssignature');
    // The SAS signature as written (URL-encoded, as it travels in request URLs) and decoded.
    secrets.push(parts.get('accountkey'), sas, sas && /(?:^|&)sig=([^&]+)/.exec(sas)?.[1], sas && new URLSearchParams(sas).get('sig'));
  }
  return [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))];
}

/**
 * What the schema cannot say about one variable alone: combinations. Checked on the raw (trimmed)
 * environment so these problems are reported together with every per-variable one.
 */
function crossProblems(env: Record<string, string | undefined>): string[] {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const problems: string[] = [];
  const backend = get('STORAGE_BACKEND')?.toLowerCase();
  if (backend === 's3' && !get('S3_BUCKET')) problems.push('S3_BUCKET: required when STORAGE_BACKEND=s3');
  if (!!get('AWS_ACCESS_KEY_ID') !== !!get('AWS_SECRET_ACCESS_KEY')) {
    problems.push(
      get('AWS_ACCESS_KEY_ID')
        ? 'AWS_SECRET_ACCESS_KEY: required with AWS_ACCESS_KEY_ID (set both, or neither to use the default AWS credential chain)'
        : 'AWS_ACCESS_KEY_ID: required with AWS_SECRET_ACCESS_KEY (set both, or neither to use the default AWS credential chain)',
    );
  }
  if (get('AWS_SESSION_TOKEN') && !get('AWS_ACCESS_KEY_ID')) {
    problems.push('AWS_SESSION_TOKEN: only used together with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  const sse = get('S3_SSE');
  if (get('S3_SSE_KMS_KEY_ID') && sse !== 'aws:kms' && sse !== 'aws:kms:dsse') {
    problems.push('S3_SSE_KMS_KEY_ID: only used with S3_SSE=aws:kms or aws:kms:dsse');
  }
  const connection = get('AZURE_STORAGE_CONNECTION_STRING');
  const container = get('AZURE_STORAGE_CONTAINER');
  if (backend === 'azure' && !connection) {
    problems.push('AZURE_STORAGE_CONNECTION_STRING: required when STORAGE_BACKEND=azure');
  }
  if (connection && !container) problems.push('AZURE_STORAGE_CONTAINER: required with AZURE_STORAGE_CONNECTION_STRING');
  if (connection) {
    // Never echo any of it: it holds the account key or a SAS signature.
    const parts = parseConnectionString(connection);
    const development = parts.get('usedevelopmentstorage')?.toLowerCase() === 'true';
    const hasKey = parts.has('accountname') && parts.has('accountkey');
    const hasSas = parts.has('sharedaccesssignature') && parts.has('blobendpoint');
    if (!development && !hasKey && !hasSas) {
      problems.push(
        'AZURE_STORAGE_CONNECTION_STRING: not a usable connection string (it needs AccountName and AccountKey, or BlobEndpoint and SharedAccessSignature, or UseDevelopmentStorage=true)',
      );
    }
    const endpoint = parts.get('blobendpoint');
    if (endpoint && !/^https?:\/\/[^\s;]+$/.test(endpoint)) {
      problems.push('AZURE_STORAGE_CONNECTION_STRING: BlobEndpoint must be an http(s) URL');
    }
  }
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default). Throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        // Never echo the value: it may be a secret.
        return `${name}: ${issue.message}`;
      });
  problems.push(...crossProblems(env));
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return toConfig(parsed.data);
}
