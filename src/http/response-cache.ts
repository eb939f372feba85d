// Serialized responses of repeated queries. A dashboard re-runs the same few operations every few
// seconds for every viewer; answering them with the bytes already built skips parse, validate,
// execute and stringify. An entry is keyed by everything that can change the answer (auth scope,
// Accept, method, the exact request) and remembers which cache entries it was built from: it is
// served only while every one of them is still the same fresh value, so a TTL expiry, a refresh
// or clearCache retires it at once. Stale answers, errors, mutations and operations touching
// anything but cacheable root fields are never stored.
import { LRUCache } from 'lru-cache';
import type { CacheRead } from '../cache/read-tracker.js';

/** One encoding of a stored answer, ready to write. */
export interface Representation {
  body: Buffer;
  /** Strong validator of this body, for GET clients and proxies (If-None-Match → 304). */
  etag: string;
  /** The headers of a reused answer (content-type, content-length, CORS, vary, …) as one flat list, built once. */
  headers: string[];
}

export interface StoredResponse {
  identity: Representation;
  /** The same answer gzip-encoded, for clients that accept it; absent when it would not pay. */
  gzip: Representation | undefined;
  /** The headers a 304 repeats (CORS, vary). */
  shared: string[];
  reads: CacheRead[];
}

export class ResponseCache {
  private readonly lru: LRUCache<string, StoredResponse>;
  readonly counters = { hits: 0, misses: 0, stored: 0, retired: 0 };

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, StoredResponse>({
      maxSize: Math.max(1, maxBytes),
      max: 50_000,
      sizeCalculation: (value, key) => value.identity.body.length + (value.gzip?.body.length ?? 0) + key.length * 2 + 64 * (value.reads.length + 1),
    });
  }

  get size(): number {
    return this.lru.size;
  }

  /** The stored response when every cache entry it was built from is unchanged and fresh. */
  get(key: string): StoredResponse | undefined {
    const stored = this.lru.get(key);
    if (!stored) {
      this.counters.misses++;
      return undefined;
    }
    for (const read of stored.reads) {
      if (read.cache.freshForMs(read.key, read.fetchedAt) <= 0) {
        this.lru.delete(key);
        this.counters.retired++;
        this.counters.misses++;
        return undefined;
      }
    }
    // The reuse answers the lookups the execution would have made.
    for (const read of stored.reads) read.cache.countHit();
    this.counters.hits++;
    return stored;
  }

  /** Seconds until the first of these reads stops being fresh: the max-age a proxy may keep the answer. */
  static freshForSeconds(reads: CacheRead[]): number {
    let min = Infinity;
    for (const read of reads) min = Math.min(min, read.cache.freshForMs(read.key, read.fetchedAt));
    return Number.isFinite(min) ? Math.floor(min / 1000) : 0;
  }

  set(key: string, response: StoredResponse): void {
    this.lru.set(key, response);
    this.counters.stored++;
  }

  clear(): void {
    this.lru.clear();
  }
}
