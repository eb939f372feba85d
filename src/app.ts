// createApp(config) builds everything a server needs: services, caches and the yoga instance.
// server.ts only listens; tests call app.yoga.fetch in-process or listen on port 0.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { getOperationAST, GraphQLError, Kind } from 'graphql';
import { join } from 'node:path';
import { createGraphQLError, createYoga, maskError as yogaMaskError, useReadinessCheck, type Plugin } from 'graphql-yoga';
import { ClientBudgets, currentBudget } from './cache/client-budget.js';
import { readTracker } from './cache/read-tracker.js';
import { RedisTier } from './cache/redis-tier.js';
import { UpstreamCache } from './cache/upstream-cache.js';
import { LocalBus, RedisBus, type ClusterBus } from './cluster/bus.js';
import { RedisLink } from './cluster/redis-link.js';
import type { Config } from './config.js';
import { createContext, type Context, type Services } from './context.js';
import { AppError, fromSystemError } from './errors.js';
import { LRUCache } from 'lru-cache';
import { createFrontDoor, type TrackedRequest } from './http/front-door.js';
import { loadPersistedDocuments, usePersistedDocuments } from './http/persisted-operations.js';
import { ResponseCache } from './http/response-cache.js';
import { useCsrfPrevention } from './http/csrf.js';
import { useModelContentRoute } from './http/model-content.js';
import { isMultipartRequest, useMultipartUploads } from './http/multipart.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { schema } from './schema/index.js';
import { CacheAdmin, type SharedCacheControl } from './services/cache-admin.js';
import { MarketService, symbolNotFound, type StockInfoCacheValue } from './services/market.js';
import type { StockData } from './services/market-types.js';
import { NewsService, symbolOfNewsKey } from './services/news.js';
import { NewsQuota, SharedNewsQuota } from './services/news-quota.js';
import type { NewsResult } from './services/news-types.js';
import { createNewsApiUpstream } from './services/newsapi.js';
import { createYahooClient, createYahooUpstream } from './services/yahoo.js';
import { createYahooNewsUpstream } from './services/yahoo-news.js';
import { keyForms } from './storage/crypto.js';
import { StorageManager, type StorageManagerOptions } from './storage/manager.js';
import type { BackendKind } from './storage/types.js';

declare module './cluster/bus.js' {
  interface ClusterMessages {
    /** setStorageBackend on one replica: the others switch too (without migrating). */
    'storage-backend-changed': { backend: BackendKind };
  }
}

export interface AppOptions {
  /** Where log lines go (default: stdout). Tests capture them here. */
  logWrite?: (line: string) => void;
  /** Tests and benchmarks: GitHub client timings, Gist chunk size (see StorageManagerOptions). */
  storageTuning?: StorageManagerOptions['tuning'];
}

export interface App {
  yoga: ReturnType<typeof createYoga<{ req?: IncomingMessage }, Context>>;
  /** The node:http listener: serves repeated reads from the response cache, the rest via yoga. */
  handler: RequestListener;
  responseCache: ResponseCache | undefined;
  metrics: Metrics;
  services: Services;
  /**
   * What one replica does that all must see (messages, shared values): Redis pub/sub with
   * REDIS_URL, in-process without. See src/cluster/bus.ts and docs/replicas.md.
   */
  bus: ClusterBus;
  /** The Redis connection (undefined without REDIS_URL). */
  redis: RedisLink | undefined;
  /** The admin token in force: the configured one, or one generated at start. */
  adminToken: string;
  adminTokenGenerated: boolean;
  logger: Logger;
  /** /ready answers 503 from now on (shutdown has begun); requests in flight still complete normally. */
  beginShutdown(): void;
  /** Releases everything (yoga, Redis connections): once the last request has been answered. */
  close(): Promise<void>;
}

const EXAMPLE_QUERY = `# stockroom: cached market data for data apps. Try:
query Dashboard {
  stockInfo(symbol: "AAPL") { symbol name price change changePercent currency fetchedAt stale }
  stockData(symbol: "AAPL", period: ONE_MONTH, interval: ONE_DAY) {
    bars { time close volume }
    stale
  }
  news(symbol: "AAPL", limit: 5) { provider articles { title url source publishedAt } stale }
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
  // Secrets never reach a log line, whatever field they hide in: the admin token, the NewsAPI key,
  // the Redis password, the GitHub token and every textual form of the encryption key.
  const secrets = [
    adminToken,
    config.newsapi.key,
    ...(config.redis ? redisPasswords(config.redis.url) : []),
    config.github.token,
    ...(config.github.encryptionKey ? keyForms(config.github.encryptionKey) : []),
    // S3 and Azure credentials: the secret key, the session token, the connection string and its key or SAS signature.
    ...config.secrets,
  ];
  const logger = createLogger({
    level: config.logLevel,
    write: options.logWrite,
    secrets: () => secrets,
  });

  // Several replicas: Redis becomes the second cache tier and the cluster bus (docs/replicas.md).
  const redis = config.redis
    ? new RedisLink({ url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs, connectTimeoutMs: config.redis.connectTimeoutMs, logger })
    : undefined;
  const sharedTier = redis
    ? new RedisTier(redis, { prefix: config.redis!.prefix, leaseMs: config.redis!.leaseMs, l1TtlMs: config.cache.l1TtlMs })
    : undefined;
  const bus: ClusterBus = redis ? new RedisBus(redis, config.redis!.prefix, logger) : new LocalBus(logger);

  const cacheOptions = (name: string, ttlSeconds: number, share: number) => ({
    name,
    ttlMs: ttlSeconds * 1000,
    maxStaleMs: config.cache.maxStaleSeconds * 1000,
    notFoundTtlMs: config.cache.notFoundTtlSeconds * 1000,
    backoffMs: config.cache.failureBackoffSeconds * 1000,
    maxBytes: Math.floor(config.cache.maxBytes * share),
    maxEntries: 100_000,
    shared: sharedTier,
  });
  const stockData = new UpstreamCache<StockData>({
    ...cacheOptions('STOCK_DATA', config.cache.ttlSeconds.STOCK_DATA, 0.6),
    notFoundError: (key) => symbolNotFound(key.split('|')[0]),
  });
  const stockInfo = new UpstreamCache<StockInfoCacheValue>({
    ...cacheOptions('STOCK_INFO', config.cache.ttlSeconds.STOCK_INFO, 0.2),
    notFoundError: (key) => symbolNotFound(key.slice(key.indexOf(':') + 1)),
  });
  const newsCache = new UpstreamCache<NewsResult>({
    ...cacheOptions('NEWS', config.cache.ttlSeconds.NEWS, 0.2),
    notFoundError: (key) => symbolNotFound(symbolOfNewsKey(key)),
  });
  const sharedControl: SharedCacheControl | undefined =
    redis && sharedTier
      ? {
          bus,
          clear: (names) => sharedTier.clear(names),
          state: () => redis.status(),
          onUp: (listener) => void redis.onChange((up) => up && listener()),
          prefix: config.redis!.prefix,
          l1TtlSeconds: Math.round(config.cache.l1TtlMs / 1000),
        }
      : undefined;
  const cacheAdmin = new CacheAdmin({ STOCK_DATA: stockData, STOCK_INFO: stockInfo, NEWS: newsCache }, sharedControl, logger);

  let responseCache: ResponseCache | undefined;
  const metrics = new Metrics({
    caches: () => cacheAdmin.status().caches,
    responseCache: () => responseCache && { ...responseCache.counters, entries: responseCache.size },
  });

  const yahoo = createYahooClient({
    ...config.yahoo,
    logger,
    onRequest: ({ status, ms }) => metrics.observeUpstream('yahoo', status, ms / 1000),
  });
  const market = new MarketService(createYahooUpstream(yahoo), { stockData, stockInfo });
  const newsQuota = redis
    ? new SharedNewsQuota(config.newsapi.dailyLimit, redis, config.redis!.prefix)
    : new NewsQuota(config.newsapi.dailyLimit);
  const { key: newsApiKey, ...newsApiOptions } = config.newsapi;
  const news = new NewsService({
    cache: newsCache,
    newsapi: newsApiKey ? createNewsApiUpstream({
          ...newsApiOptions,
          key: newsApiKey,
          quota: newsQuota,
          logger,
          onRequest: ({ status, ms }) => metrics.observeUpstream('newsapi', status, ms / 1000),
        }) : undefined,
    yahoo: createYahooNewsUpstream(yahoo),
    quota: newsQuota,
    market,
    logger,
  });
  metrics.gauge('stockroom_newsapi_quota', 'NewsAPI requests in the rolling 24 h window', ['state'], () => {
    const q = news.quotaStatus();
    return [
      { labels: { state: 'used' }, value: q.used },
      { labels: { state: 'remaining' }, value: q.remaining },
      { labels: { state: 'limit' }, value: q.dailyLimit },
    ];
  });
  if (redis) {
    metrics.gauge('stockroom_redis_up', 'Whether Redis (shared cache tier, cluster bus, NewsAPI quota) is reachable: 1 or 0', [], () => [
      { value: redis.status().up ? 1 : 0 },
    ]);
    const sharedCounter = (name: string, help: string, pick: (c: ReturnType<CacheAdmin['status']>['caches'][number]) => number) =>
      metrics.gauge(name, help, ['cache'], () => cacheAdmin.status().caches.map((c) => ({ labels: { cache: c.name }, value: pick(c) })));
    sharedCounter('stockroom_cache_l2_hits_total', 'Misses answered by the shared tier (another replica fetched the value)', (c) => c.l2Hits);
    sharedCounter('stockroom_cache_l2_misses_total', 'Misses the shared tier could not answer', (c) => c.l2Misses);
    sharedCounter('stockroom_cache_l2_waits_total', "Misses that waited for another replica's upstream call", (c) => c.l2Waits);
    sharedCounter('stockroom_cache_l2_errors_total', 'Shared tier calls that failed or were skipped (Redis down)', (c) => c.l2Errors);
    metrics.gauge('stockroom_redis_calls_total', 'Redis calls on the request path, by outcome', ['outcome'], () => {
      const c = redis.counters;
      return [
        { labels: { outcome: 'attempted' }, value: c.calls },
        { labels: { outcome: 'failed' }, value: c.failures },
        { labels: { outcome: 'timed_out' }, value: c.timeouts },
        { labels: { outcome: 'refused_while_down' }, value: c.refused },
      ];
    });
  }
  const models = new StorageManager({
    dataDir: config.storage.dataDir,
    maxModelBytes: config.storage.maxModelBytes,
    keepVersions: config.storage.keepVersions,
    initialBackend: config.storage.backend,
    github: config.github,
    s3: config.storage.s3,
    azure: config.storage.azure,
    indexRefreshMs: config.storage.indexRefreshMs,
    // Several replicas on S3/Azure: every change of a model reaches the other replicas at once
    // rather than at their next index refresh (docs/object-storage.md).
    ...(bus.distributed && {
      announceChange: (backend: BackendKind, id: string) => {
        bus.publish('models-changed', { backend, ids: [id] }).catch((error: unknown) => {
          logger.debug('model change not announced (Redis down): other replicas see it at their next index refresh', { err: error });
        });
      },
    }),
    logger: logger.child({ component: 'storage' }),
    tuning: options.storageTuning,
  });
  bus.on('models-changed', ({ backend, ids }, { local }) => {
    if (!local) void models.modelsChanged(backend, ids);
  });
  const services: Services = { market, news, cacheAdmin, models, storage: models, bus, logger };
  // A backend switch reaches every replica (the replica that switched has migrated the models).
  models.onSwitched((backend) =>
    bus.publish('storage-backend-changed', { backend }).catch((error: unknown) =>
      logger.warn('could not tell the other replicas about the storage switch; they pick it up at their next start', { err: error }),
    ),
  );
  bus.on('storage-backend-changed', ({ backend }, { local }) => {
    if (local) return;
    models.setBackend(backend, false, 'peer').catch((error: unknown) =>
      logger.error('could not follow another replica to a new storage backend', { backend, err: error }),
    );
  });

  const isAdmin = (authorization: string | null): boolean => {
    const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    return !!match && timingSafeEqual(sha256(match[1]), adminTokenDigest);
  };

  let shuttingDown = false;

  const yoga = createYoga<{ req?: IncomingMessage }, Context>({
    schema,
    context: ({ request, req }) =>
      createContext(services, {
        isAdmin: isAdmin(request.headers.get('authorization')),
        requestId: requestIdOf(request),
        clientId: clientIdOf(request, req, config.http.trustProxy),
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
      ...queryLimits(),
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
      useReadinessCheck({
        endpoint: '/ready',
        // Without Redis: 200 / 503 while shutting down, as always. With Redis, a replica whose
        // Redis is down still serves (local tier, upstreams), so it stays ready — failing
        // readiness would take every replica out of the load balancer at once over a shared
        // dependency. The body and a header say it runs degraded; alert on stockroom_redis_up.
        check: async ({ fetchAPI }) => {
          if (shuttingDown) return false;
          // Not ready while the configured model storage cannot be reached (disk, GitHub).
          if (!(await models.reachable())) return false;
          if (!redis) return true;
          const up = redis.status().up;
          return new fetchAPI.Response(JSON.stringify({ ready: true, redis: up ? 'up' : 'down' }), {
            status: 200,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...(up ? {} : { 'x-stockroom-degraded': 'redis' }) },
          });
        },
      }),
      usePersistedDocuments(loadPersistedDocuments()),
      useReuseTracking(),
      // Compiled execution for what is not answered from the response cache (3x on list payloads
      // here); before the budget plugin, which wraps whatever execute function is in force.
      // @envelop/graphql-jit caches compiled queries by document alone, ignoring operationName, so
      // it is only safe for single-operation documents (what clients send in practice); mutations
      // gain nothing from it and keep graphql-js's more helpful variable errors.
      useGraphQlJit(
        {},
        {
          cache: jitCache(),
          enableIf: ({ document }) => {
            const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
            return operations.length === 1 && operations[0].operation === 'query';
          },
        },
      ),
      ...(config.clientBudget.keys > 0 ? [useClientBudget(new ClientBudgets(config.clientBudget.keys, config.clientBudget.windowMs))] : []),
    ],
  });

  redis?.start();

  responseCache = config.cache.responseMaxBytes > 0 ? new ResponseCache(config.cache.responseMaxBytes) : undefined;
  const handler = createFrontDoor({ yoga, responseCache, isAdmin, maxRequestBytes: config.http.maxRequestBytes,
    metrics,
    onUnexpected: (error) => logger.error('unexpected error in the HTTP front door', { err: error }),
  });

  return {
    yoga,
    handler,
    responseCache,
    metrics,
    services,
    bus,
    redis,
    adminToken,
    adminTokenGenerated,
    logger,
    beginShutdown() {
      shuttingDown = true;
    },
    async close() {
      shuttingDown = true;
      await yoga.dispose();
      await models.close();
      await bus.close();
      await redis?.close();
    },
  };
}

/** The password in a Redis URL, as written and decoded, for the logger to scrub. */
function redisPasswords(url: string): string[] {
  try {
    const { password } = new URL(url);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

/**
 * Document limits (graphql-armor owns them all): generous enough for every query in the README
 * and the SDK, tight enough that one request cannot ask for thousands of aliased fields.
 * Refusals are validation errors with code GRAPHQL_VALIDATION_FAILED and a message naming the limit.
 */
function queryLimits(): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: 12 },
    maxAliases: { n: 30 },
    maxTokens: { n: 3000 },
    maxDirectives: { n: 20 },
    costLimit: { maxCost: 20_000, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5 },
    blockFieldSuggestion: { enabled: true },
  });
  return armor.protect().plugins as Plugin[];
}

/** Root fields whose answers are pure functions of cache entries (and so may be reused). */
const REUSABLE_ROOT_FIELDS = new Set(['stockInfo', 'stockInfos', 'stockData', 'news', '__typename']);

/** Tells the front door whether this execution's response may be reused (see ResponseCache). */
function useReuseTracking(): Plugin {
  return {
    onExecute({ args }) {
      const tracked = readTracker.getStore() as TrackedRequest | undefined;
      if (!tracked) return;
      const operation = getOperationAST(args.document, args.operationName);
      tracked.cacheableOperation =
        operation?.operation === 'query' &&
        operation.selectionSet.selections.every(
          (s) => s.kind === Kind.FIELD && REUSABLE_ROOT_FIELDS.has(s.name.value) && !s.directives?.length,
        );
      return {
        onExecuteDone({ result }) {
          // Streams (no plain result) and results with errors are never reused.
          if (!('data' in result) || result.errors?.length) tracked.hadErrors = true;
        },
      };
    },
  };
}

/** Compiled queries, bounded: arbitrary documents must not grow memory without limit. */
function jitCache() {
  return new LRUCache<string, any>({ max: 1000 });
}

/** Runs each execution with its client's budget of uncached upstream work (see client-budget.ts). */
function useClientBudget(budgets: ClientBudgets): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const bucket = budgets.forClient(args.contextValue.clientId);
      setExecuteFn((executeArgs) => currentBudget.run(bucket, () => executeFn(executeArgs)));
    },
  };
}

function clientIdOf(request: Request, req: IncomingMessage | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return req?.socket?.remoteAddress ?? 'local';
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/** AppErrors become coded GraphQL errors; GraphQL's own errors pass; everything else is masked. */
export function toClientError(error: unknown, message: string): Error {
  const raw = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
  const original = fromSystemError(raw) ?? raw;
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
        ...(original.httpStatus && {
          http: {
            status: original.httpStatus,
            ...(typeof original.details.retryAfterSeconds === 'number' && { headers: { 'Retry-After': String(original.details.retryAfterSeconds) } }),
          },
        }),
      },
    });
  }
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
    const limitHit = /limit of \d+ exceeded/i.test(error.message);
    if (error.extensions?.code && !limitHit) return error;
    // graphql-armor's refusals carry no code (or yoga's parse code); every error a client sees has one.
    const code = limitHit
      ? 'QUERY_LIMIT_EXCEEDED'
      : /^Variable "\$/.test(error.message)
        ? 'BAD_USER_INPUT'
        : /^Syntax Error/.test(error.message)
          ? 'GRAPHQL_PARSE_FAILED'
          : 'GRAPHQL_VALIDATION_FAILED';
    return createGraphQLError(error.message.replace(/^Syntax Error: (?=.*limit of)/, ''), {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { ...error.extensions, code },
    });
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
      if (request.method === 'GET' || request.method === 'HEAD') {
        // yoga answers 500 when these are not JSON; they are the client's mistake.
        const params = new URL(request.url).searchParams;
        for (const name of ['variables', 'extensions']) {
          const value = params.get(name);
          if (value === null || value === '') continue;
          try {
            JSON.parse(value);
          } catch {
            throw refuse(`The "${name}" parameter is not valid JSON.`, 400, 'BAD_REQUEST');
          }
        }
        return;
      }
      if (request.method === 'OPTIONS') return;
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
