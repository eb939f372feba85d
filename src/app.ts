// createApp(config) builds everything a server needs: services, caches and the yoga instance.
// server.ts only listens; tests call app.yoga.fetch in-process or listen on port 0.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createGraphQLError, createYoga, maskError as yogaMaskError, useReadinessCheck, type Plugin } from 'graphql-yoga';
import { UpstreamCache } from './cache/upstream-cache.js';
import type { Config } from './config.js';
import { createContext, type Context, type Services } from './context.js';
import { AppError } from './errors.js';
import { useCsrfPrevention } from './http/csrf.js';
import { useModelContentRoute } from './http/model-content.js';
import { isMultipartRequest, useMultipartUploads } from './http/multipart.js';
import { createLogger, type Logger } from './logger.js';
import { schema } from './schema/index.js';
import { CacheAdmin } from './services/cache-admin.js';
import { MarketService, symbolNotFound, type StockInfoCacheValue } from './services/market.js';
import type { StockData } from './services/market-types.js';
import { createYahooClient, createYahooUpstream } from './services/yahoo.js';
import { keyForms } from './storage/crypto.js';
import { StorageManager, type StorageManagerOptions } from './storage/manager.js';

export interface AppOptions {
  /** Where log lines go (default: stdout). Tests capture them here. */
  logWrite?: (line: string) => void;
  /** Tests and benchmarks: GitHub client timings, Gist chunk size (see StorageManagerOptions). */
  storageTuning?: StorageManagerOptions['tuning'];
}

export interface App {
  yoga: ReturnType<typeof createYoga<Record<string, unknown>, Context>>;
  services: Services;
  /** The admin token in force: the configured one, or one generated at start. */
  adminToken: string;
  adminTokenGenerated: boolean;
  logger: Logger;
  close(): Promise<void>;
}

const EXAMPLE_QUERY = `# stockroom: cached market data for data apps. Try:
query Dashboard {
  stockInfo(symbol: "AAPL") { symbol name price change changePercent currency fetchedAt stale }
  stockData(symbol: "AAPL", period: ONE_MONTH, interval: ONE_DAY) {
    bars { time close volume }
    stale
  }
  cacheStatus { caches { name entries hits misses hitRate upstreamCalls } }
}
`;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const adminTokenGenerated = !config.adminToken;
  const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
  const adminTokenDigest = sha256(adminToken);
  // Secrets never reach a log line, whatever field they hide in: the admin token, the GitHub token
  // and every textual form of the encryption key.
  const secrets = [adminToken, config.github.token, ...(config.github.encryptionKey ? keyForms(config.github.encryptionKey) : [])];
  const logger = createLogger({ level: config.logLevel, write: options.logWrite, secrets: () => secrets });

  const cacheOptions = (name: string, ttlSeconds: number, share: number) => ({
    name,
    ttlMs: ttlSeconds * 1000,
    maxStaleMs: config.cache.maxStaleSeconds * 1000,
    notFoundTtlMs: config.cache.notFoundTtlSeconds * 1000,
    backoffMs: config.cache.failureBackoffSeconds * 1000,
    maxBytes: Math.floor(config.cache.maxBytes * share),
    maxEntries: 100_000,
  });
  const stockData = new UpstreamCache<StockData>({
    ...cacheOptions('STOCK_DATA', config.cache.ttlSeconds.STOCK_DATA, 0.6),
    notFoundError: (key) => symbolNotFound(key.split('|')[0]),
  });
  const stockInfo = new UpstreamCache<StockInfoCacheValue>({
    ...cacheOptions('STOCK_INFO', config.cache.ttlSeconds.STOCK_INFO, 0.2),
    notFoundError: (key) => symbolNotFound(key.slice(key.indexOf(':') + 1)),
  });
  const cacheAdmin = new CacheAdmin({ STOCK_DATA: stockData, STOCK_INFO: stockInfo });

  const yahoo = createYahooClient({ ...config.yahoo, logger });
  const market = new MarketService(createYahooUpstream(yahoo), { stockData, stockInfo });
  const models = new StorageManager({
    dataDir: config.storage.dataDir,
    maxModelBytes: config.storage.maxModelBytes,
    keepVersions: config.storage.keepVersions,
    initialBackend: config.storage.backend,
    github: config.github,
    logger: logger.child({ component: 'storage' }),
    tuning: options.storageTuning,
  });
  const services: Services = { market, cacheAdmin, models, storage: models, logger };

  const isAdmin = (authorization: string | null): boolean => {
    const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    return !!match && timingSafeEqual(sha256(match[1]), adminTokenDigest);
  };

  let shuttingDown = false;

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: ({ request }) =>
      createContext(services, {
        isAdmin: isAdmin(request.headers.get('authorization')),
        requestId: requestIdOf(request),
        requestUrl: request.url,
      }),
    graphiql: config.http.graphiql ? { title: 'stockroom', defaultQuery: EXAMPLE_QUERY } : false,
    landingPage: false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      // yoga reports here every error that masking changed: client errors go to debug (upstream
      // trouble to warn), anything unexpected to error with its stack.
      error: (...args) => logYogaError(logger, args),
    },
    // yoga 5.24's streaming body limit halves POST throughput; a Content-Length check protects
    // the same way for a fraction of the cost (see useContentLengthLimit).
    maxRequestBodySize: false,
    maskedErrors: {
      maskError: (error, message) => toClientError(error, message),
    },
    plugins: [
      useModelContentRoute({ store: models, isAdmin, logger }),
      // onRequestParse order: CSRF header, then the admin token for uploads, then sizes.
      useCsrfPrevention(),
      useMultipartUploads({
        stagingDir: () => models.stagingDir(),
        maxFileBytes: config.storage.maxModelBytes,
        maxFieldBytes: config.http.maxRequestBytes,
        isAdmin,
      }),
      useContentLengthLimit(config.http.maxRequestBytes, config.storage.maxModelBytes),
      useReadinessCheck({ endpoint: '/ready', check: () => !shuttingDown }),
    ],
  });

  return {
    yoga,
    services,
    adminToken,
    adminTokenGenerated,
    logger,
    async close() {
      shuttingDown = true;
      await yoga.dispose();
      await models.close();
    },
  };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/** AppErrors become coded GraphQL errors; GraphQL's own errors pass; everything else is masked. */
export function toClientError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
  if (original instanceof AppError) {
    const located = error instanceof GraphQLError ? error : undefined;
    return createGraphQLError(original.message, {
      nodes: located?.nodes,
      source: located?.source,
      positions: located?.positions,
      path: located?.path,
      extensions: {
        ...original.details,
        code: original.code,
        ...(original.httpStatus && { http: { status: original.httpStatus } }),
      },
    });
  }
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
    return error;
  }
  return yogaMaskError(error, message, false);
}

function logYogaError(logger: Logger, args: unknown[]): void {
  const [first] = args;
  const original = first instanceof GraphQLError ? first.originalError : first;
  const path = first instanceof GraphQLError ? first.path : undefined;
  if (original instanceof AppError) {
    const fields = { code: original.code, path, err: original.cause };
    if (original.code.startsWith('UPSTREAM_')) logger.warn(original.message, fields);
    else logger.debug(original.message, { code: original.code, path });
    return;
  }
  if (first instanceof Error) logger.error('unexpected error', { err: original ?? first, path });
  else logger.error(args.map(String).join(' '));
}

/**
 * Refuses bodies over `limit` by their Content-Length before anything is read. Node's HTTP parser
 * never delivers more than Content-Length bytes, so the header is enough; bodies without one
 * (chunked) are refused with 411. Multipart uploads are the exception: they may carry a model
 * (their files total at most `modelLimit`, plus `limit` for the operations and map fields, plus
 * part headers), and may be chunked, since the multipart parser enforces the same limits while
 * it streams.
 */
function useContentLengthLimit(limit: number, modelLimit: number): Plugin {
  const refuse = (message: string, status: number, code: string) =>
    createGraphQLError(message, { extensions: { http: { status }, code } });
  const multipartLimit = modelLimit + 2 * limit + 64 * 1024;
  return {
    onRequestParse({ request }) {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
      const multipart = isMultipartRequest(request);
      const length = request.headers.get('content-length');
      if (length === null) {
        if (multipart) return;
        throw refuse('A Content-Length header is required.', 411, 'LENGTH_REQUIRED');
      }
      if (!/^\d+$/.test(length)) throw refuse('The Content-Length header is invalid.', 400, 'BAD_REQUEST');
      if (multipart && Number(length) > multipartLimit) {
        throw createGraphQLError(`The upload is larger than MODEL_MAX_BYTES (${modelLimit} bytes) allows.`, {
          extensions: { http: { status: 413 }, code: 'MODEL_TOO_LARGE', maxBytes: modelLimit },
        });
      }
      if (!multipart && Number(length) > limit) {
        throw refuse(`The request body is larger than ${limit} bytes.`, 413, 'REQUEST_ENTITY_TOO_LARGE');
      }
    },
  };
}
