// The named caches, their counters and clearing. Knows nothing of GraphQL.
//
// With several replicas (REDIS_URL), clearing is for the whole deployment: the shared tier's
// entries are deleted, then the cluster bus tells every replica (this one included) to drop its
// local tier. A replica whose bus connection comes back after an outage drops its local tier too,
// since it may have missed a clear. If Redis is down, this replica clears what it can (its own
// tier), reports the failure, and completes the shared part as soon as Redis is back.
import type { CacheCounters } from '../cache/upstream-cache.js';
import type { ClusterBus } from '../cluster/bus.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** What the admin needs of a cache (UpstreamCache<V> for any V). */
export interface ManagedCache {
  readonly counters: CacheCounters;
  readonly size: number;
  readonly maxEntries: number;
  readonly ttlSeconds: number;
  clear(): void;
}

export const CACHE_NAMES = ['STOCK_DATA', 'STOCK_INFO', 'NEWS'] as const;
export type CacheName = (typeof CACHE_NAMES)[number];
const isCacheName = (name: string): name is CacheName => (CACHE_NAMES as readonly string[]).includes(name);

export interface CacheStats extends CacheCounters {
  name: CacheName;
  ttlSeconds: number;
  entries: number;
  maxEntries: number;
  hitRate: number;
}

/** The shared tier as cacheStatus reports it (null without REDIS_URL). */
export interface SharedCacheStatus {
  /** UP: Redis answers. DOWN: this replica serves from its local tier and the upstreams. */
  state: 'UP' | 'DOWN';
  /** When the state last changed. */
  since: Date;
  lastError: string | null;
  prefix: string;
  /** How long this replica trusts its local copy of an entry before checking the shared tier. */
  l1TtlSeconds: number;
  replicaId: string;
  /** Caches cleared here while Redis was down: the shared part runs as soon as Redis is back. */
  pendingClear: CacheName[];
}

export interface CacheStatus {
  lastClearedAt: Date | null;
  caches: CacheStats[];
  shared: SharedCacheStatus | null;
}

/** The shared tier, as the admin needs it. */
export interface SharedCacheControl {
  bus: ClusterBus;
  /** Deletes the shared entries of these caches. */
  clear(caches: readonly CacheName[]): Promise<void>;
  state(): { up: boolean; since: Date; lastError: string | null };
  /** Called whenever Redis becomes reachable again. */
  onUp(listener: () => void): void;
  prefix: string;
  l1TtlSeconds: number;
}

export class CacheAdmin {
  private lastClearedAt: Date | null = null;
  private readonly pending = new Set<CacheName>();
  private retrying: Promise<void> | undefined;

  constructor(
    private readonly caches: Partial<Record<CacheName, ManagedCache>>,
    private readonly shared?: SharedCacheControl,
    private readonly logger?: Logger,
  ) {
    if (!shared) return;
    shared.bus.on('cache-cleared', ({ caches: names }, { from, local }) => {
      this.clearLocal(names.filter(isCacheName));
      if (!local) this.logger?.info('cache cleared by another replica', { from, caches: names });
    });
    shared.bus.onResync(() => {
      this.clearLocal(CACHE_NAMES, false);
      void this.retryPending();
    });
    shared.onUp(() => void this.retryPending());
  }

  register(name: CacheName, cache: ManagedCache): void {
    this.caches[name] = cache;
  }

  status(): CacheStatus {
    const caches: CacheStats[] = [];
    for (const name of CACHE_NAMES) {
      const cache = this.caches[name];
      if (!cache) continue;
      const c = cache.counters;
      const lookups = c.hits + c.misses;
      caches.push({
        name,
        ttlSeconds: cache.ttlSeconds,
        entries: cache.size,
        maxEntries: cache.maxEntries,
        ...c,
        hitRate: lookups === 0 ? 0 : c.hits / lookups,
      });
    }
    return { lastClearedAt: this.lastClearedAt, caches, shared: this.sharedStatus() };
  }

  private sharedStatus(): SharedCacheStatus | null {
    if (!this.shared) return null;
    const { up, since, lastError } = this.shared.state();
    return {
      state: up ? 'UP' : 'DOWN',
      since,
      lastError,
      prefix: this.shared.prefix,
      l1TtlSeconds: this.shared.l1TtlSeconds,
      replicaId: this.shared.bus.replicaId,
      pendingClear: CACHE_NAMES.filter((n) => this.pending.has(n)),
    };
  }

  /** This replica's tier only. */
  private clearLocal(names: readonly CacheName[], stamp = true): void {
    for (const name of names) this.caches[name]?.clear();
    if (stamp) this.lastClearedAt = new Date();
  }

  /**
   * Empties the named caches (all when omitted), on every replica. Counters are kept: they count
   * since start. With Redis down: this replica's tier is emptied, the rest is retried once Redis
   * is back, and SHARED_CACHE_UNAVAILABLE says so.
   */
  async clear(names: readonly CacheName[] = CACHE_NAMES): Promise<CacheStatus> {
    if (!this.shared) {
      this.clearLocal(names);
      return this.status();
    }
    try {
      await this.clearShared(names);
    } catch (error) {
      this.clearLocal(names);
      for (const name of names) this.pending.add(name);
      this.logger?.warn('cache cleared on this replica only: Redis is unreachable; the shared clear runs when it is back', {
        caches: names,
        err: (error as Error).message,
      });
      throw new AppError(
        'SHARED_CACHE_UNAVAILABLE',
        'The cache was cleared on this replica, but Redis is unreachable: the shared tier and the other replicas are cleared as soon as it is back.',
        { pendingClear: CACHE_NAMES.filter((n) => this.pending.has(n)) },
        503,
      );
    }
    return this.status();
  }

  /** Shared entries first, then the message (every replica, this one included, drops its local tier). */
  private async clearShared(names: readonly CacheName[]): Promise<void> {
    await this.shared!.clear(names);
    for (const name of names) this.pending.delete(name);
    await this.shared!.bus.publish('cache-cleared', { caches: [...names] });
  }

  private retryPending(): Promise<void> {
    if (this.pending.size === 0 || this.retrying) return this.retrying ?? Promise.resolve();
    const names = CACHE_NAMES.filter((n) => this.pending.has(n));
    this.retrying = this.clearShared(names)
      .then(
        () => this.logger?.info('pending shared cache clear done', { caches: names }),
        (error: Error) => {
          for (const name of names) this.pending.add(name);
          this.logger?.debug('pending shared cache clear still waiting for Redis', { err: error.message });
        },
      )
      .finally(() => {
        this.retrying = undefined;
      });
    return this.retrying;
  }
}
