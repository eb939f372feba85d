// A fresh context per request (Pothos and DataLoader both assume it): the caller's auth, the
// shared services, and per-request DataLoaders created on first use. The process-wide caches
// live beneath the loaders, in the services.
import DataLoader from 'dataloader';
import type { Cached } from './cache/upstream-cache.js';
import type { ClusterBus } from './cluster/bus.js';
import type { Logger } from './logger.js';
import type { CacheAdmin } from './services/cache-admin.js';
import type { ModelStoreApi, StorageManager } from './storage/manager.js';
import type { MarketService } from './services/market.js';
import type { NewsService } from './services/news.js';
import type { Quote } from './services/market-types.js';

export interface Services {
  market: MarketService;
  news: NewsService;
  cacheAdmin: CacheAdmin;
  /** Messages and shared values for every replica (see src/cluster/bus.ts). */
  bus: ClusterBus;
  /** The models of the active storage backend (the StorageManager, used like a ModelStore). */
  models: ModelStoreApi;
  /** Which backend is active, switching and migrating, GitHub status. */
  storage: StorageManager;
  logger: Logger;
}

export interface Context {
  isAdmin: boolean;
  requestId: string;
  /** Who is asking, for per-client limits: the peer address (or X-Forwarded-For behind a trusted proxy). */
  clientId: string;
  /** The URL the request came to, for building absolute URLs (downloadUrl). */
  requestUrl: string;
  services: Services;
  loaders: Loaders;
}

export class Loaders {
  private quoteLoader?: DataLoader<string, Cached<Quote>>;

  constructor(private readonly services: Services) {}

  /** Batches every quote a request asks for into as few upstream calls as possible. */
  get quote(): DataLoader<string, Cached<Quote>> {
    this.quoteLoader ??= new DataLoader((symbols) => this.services.market.quotes(symbols), {
      maxBatchSize: 1000, // the cache splits misses into upstream-sized chunks itself
    });
    return this.quoteLoader;
  }
}

export function createContext(
  services: Services,
  init: { isAdmin: boolean; requestId: string; clientId: string; requestUrl: string },
): Context {
  return { ...init, services, loaders: new Loaders(services) };
}
