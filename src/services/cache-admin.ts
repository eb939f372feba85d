// The named caches, their counters and clearing. Knows nothing of GraphQL.
import type { CacheCounters } from '../cache/upstream-cache.js';

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

export interface CacheStats {
  name: CacheName;
  ttlSeconds: number;
  entries: number;
  maxEntries: number;
  hits: number;
  misses: number;
  coalesced: number;
  hitRate: number;
  staleServed: number;
  upstreamCalls: number;
  upstreamErrors: number;
  evictions: number;
}

export interface CacheStatus {
  lastClearedAt: Date | null;
  caches: CacheStats[];
}

export class CacheAdmin {
  private lastClearedAt: Date | null = null;

  constructor(private readonly caches: Partial<Record<CacheName, ManagedCache>>) {}

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
    return { lastClearedAt: this.lastClearedAt, caches };
  }

  /** Empties the named caches (all when omitted). Counters are kept: they count since start. */
  clear(names?: readonly CacheName[]): CacheStatus {
    for (const name of names ?? CACHE_NAMES) this.caches[name]?.clear();
    this.lastClearedAt = new Date();
    return this.status();
  }
}
