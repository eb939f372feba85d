// Records which cache entries a request read, so a response built from them can be reused
// exactly as long as those entries stay current (see src/http/response-cache.ts).
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TrackedCache {
  /** True while `key` still holds the value fetched at `fetchedAt` and it is fresh. */
  isCurrent(key: string, fetchedAt: number): boolean;
  /** How much longer the entry fetched at `fetchedAt` stays fresh, in ms (0 when it no longer is). */
  freshForMs(key: string, fetchedAt: number): number;
  /** Counts a lookup answered without asking this cache (a reused response). */
  countHit(): void;
}

export interface CacheRead {
  cache: TrackedCache;
  key: string;
  fetchedAt: number;
}

export class RequestReads {
  readonly reads: CacheRead[] = [];
  /** A stale value, a not-found, or anything not reproducible from cache entries was involved. */
  uncacheable = false;

  add(cache: TrackedCache, key: string, fetchedAt: number, stale: boolean): void {
    if (stale) this.uncacheable = true;
    else this.reads.push({ cache, key, fetchedAt });
  }
}

export const readTracker = new AsyncLocalStorage<RequestReads>();
