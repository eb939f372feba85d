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
    (v) => (typeof v === 'string' ? emptyAsUnset(v.toLowerCase()) : v),
    z.enum(['local', 'github'], { error: 'must be "local" or "github"' }).default('local'),
  ),
  DATA_DIR: z.preprocess(emptyAsUnset, z.string().default('./data')),
  MODEL_MAX_BYTES: int(100 * 1_048_576, 1, 2_147_483_647),
  MODEL_KEEP_VERSIONS: int(10, 1, 10_000),

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
  };
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
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      // Never echo the value: it may be a secret.
      return `${name}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  return toConfig(parsed.data);
}
