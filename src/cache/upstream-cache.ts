// A process-wide cache in front of one upstream (Yahoo quotes, charts, news…):
// - memory-bounded LRU (bytes and entries), fresh for `ttlMs`;
// - one upstream call for many concurrent requests of the same key (coalescing);
// - many keys in one upstream call when the upstream supports it (getMany);
// - expired values served, marked stale, when the upstream fails (up to `maxStaleMs` old),
//   and the failing key backed off briefly instead of hammering the upstream;
// - unknown keys remembered briefly as not-found so garbage input costs no quota;
// - exact counters for cacheStatus.
// Per-request DataLoaders sit above this; it knows nothing of GraphQL.
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';
import { currentBudget } from './client-budget.js';
import { readTracker, type TrackedCache } from './read-tracker.js';

export const NOT_FOUND: unique symbol = Symbol('not-found');
export type NotFound = typeof NOT_FOUND;

export interface Cached<V> {
  value: V;
  fetchedAt: Date;
  stale: boolean;
}

interface Entry<V> {
  value: V | NotFound;
  fetchedAt: number;
}

export interface UpstreamCacheOptions {
  name: string;
  ttlMs: number;
  maxStaleMs: number;
  notFoundTtlMs: number;
  backoffMs: number;
  maxBytes: number;
  maxEntries: number;
  /** Builds the error for a key remembered as not found. */
  notFoundError: (key: string) => Error;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  coalesced: number;
  staleServed: number;
  upstreamCalls: number;
  upstreamErrors: number;
  evictions: number;
}

/** Rough byte size of a value: good enough to bound memory, cheap enough to run once per insert. */
function approximateBytes(value: unknown): number {
  if (value === NOT_FOUND) return 64;
  try {
    return 2 * (JSON.stringify(value)?.length ?? 16) + 64;
  } catch {
    return 1024;
  }
}

export class UpstreamCache<V> implements TrackedCache {
  readonly name: string;
  private readonly lru: LRUCache<string, Entry<V>>;
  private readonly inflight = new Map<string, Promise<Entry<V>>>();
  /** Keys whose last upstream attempt failed: no new attempt before `until`. */
  private readonly backoff: LRUCache<string, { until: number; error: Error }>;
  readonly counters: CacheCounters = {
    hits: 0,
    misses: 0,
    coalesced: 0,
    staleServed: 0,
    upstreamCalls: 0,
    upstreamErrors: 0,
    evictions: 0,
  };
  /** Bumped on every write or clear; lets layers above (serialized responses) know when to rebuild. */
  generation = 0;
  /** Bumped on clear only: results of calls started before a clear are not stored. */
  private epoch = 0;

  constructor(readonly options: UpstreamCacheOptions) {
    this.name = options.name;
    this.lru = new LRUCache<string, Entry<V>>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => approximateBytes(entry.value),
      // Keep entries while they may still be served stale; our own clock decides freshness.
      ttl: Math.max(1, options.ttlMs + options.maxStaleMs),
      ttlAutopurge: false,
      updateAgeOnGet: false,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.counters.evictions++;
      },
    });
    this.backoff = new LRUCache({ max: 10_000 });
  }

  get size(): number {
    return this.lru.size;
  }

  get maxEntries(): number {
    return this.options.maxEntries;
  }

  get ttlSeconds(): number {
    return Math.round(this.options.ttlMs / 1000);
  }

  clear(): void {
    this.lru.clear();
    this.backoff.clear();
    this.generation++;
    this.epoch++;
    // In-flight requests still resolve their waiters but are not stored (see store()).
    this.inflight.clear();
  }

  private isFresh(entry: Entry<V>, now: number): boolean {
    const ttl = entry.value === NOT_FOUND ? this.options.notFoundTtlMs : this.options.ttlMs;
    return now - entry.fetchedAt < ttl;
  }

  private isServableStale(entry: Entry<V>, now: number): boolean {
    return entry.value !== NOT_FOUND && now - entry.fetchedAt < this.options.ttlMs + this.options.maxStaleMs;
  }

  private toResult(key: string, entry: Entry<V>, stale: boolean): Cached<V> {
    const reads = readTracker.getStore();
    if (entry.value === NOT_FOUND) {
      if (reads) reads.uncacheable = true;
      throw this.options.notFoundError(key);
    }
    reads?.add(this, key, entry.fetchedAt, stale);
    return { value: entry.value, fetchedAt: new Date(entry.fetchedAt), stale };
  }

  isCurrent(key: string, fetchedAt: number): boolean {
    const entry = this.lru.peek(key);
    return entry !== undefined && entry.fetchedAt === fetchedAt && this.isFresh(entry, Date.now());
  }

  freshForMs(key: string, fetchedAt: number): number {
    return this.isCurrent(key, fetchedAt) ? Math.max(0, fetchedAt + this.options.ttlMs - Date.now()) : 0;
  }

  countHit(): void {
    this.counters.hits++;
  }

  /**
   * A fresh cached value, synchronously, or undefined. Counts a hit only when it answers.
   * Throws the not-found error for keys remembered as unknown.
   */
  peekFresh(key: string): Cached<V> | undefined {
    const entry = this.lru.get(key);
    if (!entry || !this.isFresh(entry, Date.now())) return undefined;
    this.counters.hits++;
    return this.toResult(key, entry, false);
  }

  /**
   * A cached value without calling the upstream: fresh (a hit), else an expired one still young
   * enough to serve stale (a miss, served stale), else undefined (a miss). For callers that know
   * the upstream must not be asked now (e.g. its request budget is spent). Throws the not-found
   * error for keys remembered as unknown.
   */
  peekServable(key: string): Cached<V> | undefined {
    const entry = this.lru.get(key);
    const now = Date.now();
    if (entry && this.isFresh(entry, now)) {
      this.counters.hits++;
      return this.toResult(key, entry, false);
    }
    this.counters.misses++;
    if (!entry || !this.isServableStale(entry, now)) return undefined;
    this.counters.staleServed++;
    return this.toResult(key, entry, true);
  }

  /** The cached entry's fetch time, fresh or not (for layers that key on data identity). */
  fetchedAtOf(key: string): number | undefined {
    return this.lru.get(key)?.fetchedAt;
  }

  async get(key: string, fetchOne: (key: string) => Promise<V | NotFound>): Promise<Cached<V>> {
    const [result] = await this.getMany([key], async (keys) => {
      const value = await fetchOne(keys[0]);
      return new Map(value === NOT_FOUND ? [] : [[keys[0], value]]);
    }, 1);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Results for many keys, in order; an Error in place of each key that failed.
   * Uncached keys that nobody is fetching yet are fetched in chunks of `batchSize`, one upstream
   * call per chunk; keys missing from the upstream's answer are not found.
   */
  async getMany(
    keys: readonly string[],
    fetchMany: (keys: string[]) => Promise<Map<string, V>>,
    batchSize: number,
  ): Promise<Array<Cached<V> | Error>> {
    const now = Date.now();
    const results: Array<Cached<V> | Error | Promise<Cached<V> | Error>> = new Array(keys.length);
    const toFetch: string[] = [];
    const toFetchIndexes = new Map<string, number[]>();

    keys.forEach((key, index) => {
      const entry = this.lru.get(key);
      if (entry && this.isFresh(entry, now)) {
        this.counters.hits++;
        results[index] = this.settle(() => this.toResult(key, entry, false));
        return;
      }
      this.counters.misses++;
      const running = this.inflight.get(key);
      if (running) {
        this.counters.coalesced++;
        results[index] = running.then(
          (fresh) => this.settle(() => this.toResult(key, fresh, false)),
          (error: Error) => this.onFailure(key, error, entry),
        );
        return;
      }
      const blocked = this.backoff.get(key);
      if (blocked && blocked.until > now) {
        results[index] = this.onFailure(key, blocked.error, entry, false);
        return;
      }
      const waiting = toFetchIndexes.get(key);
      if (waiting) {
        waiting.push(index);
        this.counters.coalesced++;
      } else {
        toFetchIndexes.set(key, [index]);
        toFetch.push(key);
      }
    });

    // The client pays for what it makes us fetch; beyond its budget it gets stale data or a 429.
    const budget = currentBudget.getStore();
    if (budget && toFetch.length > 0) {
      const granted = budget.take(toFetch.length);
      if (granted < toFetch.length) {
        const refusal = new AppError(
          'UPSTREAM_BUDGET_EXCEEDED',
          'This client asked for too much uncached data too fast; cached data stays available. Retry later.',
          { retryAfterSeconds: budget.secondsUntil(toFetch.length - granted) },
          429,
        );
        for (const key of toFetch.splice(granted)) {
          const settled = this.onFailure(key, refusal, this.lru.get(key), false);
          for (const index of toFetchIndexes.get(key)!) results[index] = settled;
        }
      }
    }

    for (let start = 0; start < toFetch.length; start += batchSize) {
      const chunk = toFetch.slice(start, start + batchSize);
      const epoch = this.epoch;
      this.counters.upstreamCalls++;
      const call = fetchMany(chunk);
      for (const key of chunk) {
        const staleEntry = this.lru.get(key);
        const keyPromise = call.then((found) => this.store(key, found.has(key) ? found.get(key)! : NOT_FOUND, epoch));
        this.inflight.set(key, keyPromise);
        const settled = keyPromise.then(
          (fresh) => this.settle(() => this.toResult(key, fresh, false)),
          (error: Error) => this.onFailure(key, error, staleEntry),
        );
        keyPromise.then(
          () => this.inflight.get(key) === keyPromise && this.inflight.delete(key),
          () => this.inflight.get(key) === keyPromise && this.inflight.delete(key),
        );
        for (const index of toFetchIndexes.get(key)!) results[index] = settled;
      }
      call.catch(() => {
        this.counters.upstreamErrors++;
      });
    }
    return Promise.all(results);
  }

  private settle(produce: () => Cached<V>): Cached<V> | Error {
    try {
      return produce();
    } catch (error) {
      return error as Error;
    }
  }

  private store(key: string, value: V | NotFound, epoch: number): Entry<V> {
    const entry: Entry<V> = { value, fetchedAt: Date.now() };
    this.backoff.delete(key);
    // A clearCache while this call was in flight: answer the waiters, but do not repopulate.
    if (epoch === this.epoch) {
      const ttl = value === NOT_FOUND ? this.options.notFoundTtlMs : this.options.ttlMs + this.options.maxStaleMs;
      if (ttl > 0) this.lru.set(key, entry, { ttl });
      this.generation++;
    }
    return entry;
  }

  /** An upstream failure: the stale value when there is one young enough, else the error. */
  private onFailure(key: string, error: Error, staleEntry: Entry<V> | undefined, startBackoff = true): Cached<V> | Error {
    if (startBackoff && this.options.backoffMs > 0 && !(error instanceof AppError && error.code === 'BAD_USER_INPUT')) {
      this.backoff.set(key, { until: Date.now() + this.options.backoffMs, error });
    }
    const latest = this.lru.get(key) ?? staleEntry;
    if (latest && this.isServableStale(latest, Date.now())) {
      this.counters.staleServed++;
      return this.toResult(key, latest, true);
    }
    return error;
  }
}
