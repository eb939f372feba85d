// A process-wide cache in front of one upstream (Yahoo quotes, charts, news…):
// - memory-bounded LRU (bytes and entries), fresh for `ttlMs`;
// - one upstream call for many concurrent requests of the same key (coalescing);
// - many keys in one upstream call when the upstream supports it (getMany);
// - expired values served, marked stale, when the upstream fails (up to `maxStaleMs` old),
//   and the failing key backed off briefly instead of hammering the upstream;
// - unknown keys remembered briefly as not-found so garbage input costs no quota;
// - exact counters for cacheStatus;
// - optionally a second, shared tier (Redis, with several replicas): this process's LRU becomes
//   the first tier (L1), trusted for `l1TtlMs` before the shared tier is asked again, and an
//   uncached key costs one upstream call across all replicas (see loadShared()).
// Per-request DataLoaders sit above this; it knows nothing of GraphQL (nor of Redis).
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';
import { currentBudget } from './client-budget.js';
import { readTracker, type TrackedCache } from './read-tracker.js';
import type { SharedEntry, SharedFill, SharedLookup, SharedTier } from './shared-tier.js';

export const NOT_FOUND: unique symbol = Symbol('not-found');
export type NotFound = typeof NOT_FOUND;

export interface Cached<V> {
  value: V;
  fetchedAt: Date;
  stale: boolean;
}

interface Entry<V> {
  value: V | NotFound;
  /** When the upstream answered (on whichever replica asked it): freshness and staleness run from here. */
  fetchedAt: number;
  /** With a shared tier: this copy is trusted without asking the tier until then. */
  checkedUntil?: number;
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
  /** The shared second tier (several replicas); undefined: this process alone. */
  shared?: SharedTier;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  coalesced: number;
  staleServed: number;
  upstreamCalls: number;
  upstreamErrors: number;
  evictions: number;
  /** Misses answered by the shared tier (another replica's upstream call). Always 0 without one. */
  l2Hits: number;
  /** Misses the shared tier could not answer. */
  l2Misses: number;
  /** Misses that waited for another replica's upstream call in flight. */
  l2Waits: number;
  /** Shared tier calls that failed or were skipped (Redis down): the local tier and the upstream answered. */
  l2Errors: number;
}

class Deferred<T> {
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    l2Hits: 0,
    l2Misses: 0,
    l2Waits: 0,
    l2Errors: 0,
  };
  private readonly shared: SharedTier | undefined;
  /** Bumped on every write or clear; lets layers above (serialized responses) know when to rebuild. */
  generation = 0;
  /** Bumped on clear only: results of calls started before a clear are not stored. */
  private epoch = 0;

  constructor(readonly options: UpstreamCacheOptions) {
    this.name = options.name;
    this.shared = options.shared;
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

  /**
   * May this copy answer without asking anyone? Fresh, and — with a shared tier — checked against
   * it less than l1TtlMs ago, or the tier is unreachable (then this copy is the best there is).
   */
  private isTrusted(entry: Entry<V>, now: number): boolean {
    if (!this.isFresh(entry, now)) return false;
    const shared = this.shared;
    return !shared || (entry.checkedUntil ?? 0) > now || !shared.available;
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
    return entry !== undefined && entry.fetchedAt === fetchedAt && this.isTrusted(entry, Date.now());
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
    if (!entry || !this.isTrusted(entry, Date.now())) return undefined;
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
    if (entry && this.isTrusted(entry, now)) {
      this.counters.hits++;
      return this.toResult(key, entry, false);
    }
    this.counters.misses++;
    if (!entry || !this.isServableStale(entry, now)) return undefined;
    this.counters.staleServed++;
    return this.toResult(key, entry, true);
  }

  /**
   * peekServable, asking the shared tier (without claiming anything) when this copy is not
   * trusted: for callers that must not call the upstream but should see what other replicas have.
   */
  async peekServableShared(key: string): Promise<Cached<V> | undefined> {
    const entry = this.lru.get(key);
    if (!this.shared || (entry && this.isTrusted(entry, Date.now()))) return this.peekServable(key);
    this.counters.misses++;
    const found = await this.sharedOnly(key, this.epoch);
    if (found) return this.toResult(key, found, false);
    const latest = this.lru.get(key);
    if (latest && this.isFresh(latest, Date.now())) return this.toResult(key, latest, false);
    if (!latest || !this.isServableStale(latest, Date.now())) return undefined;
    this.counters.staleServed++;
    return this.toResult(key, latest, true);
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
      if (entry && this.isTrusted(entry, now)) {
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
          // Whatever another replica cached is cached data too.
          const settled = this.shared ? this.refusedShared(key, refusal) : this.onFailure(key, refusal, this.lru.get(key), false);
          for (const index of toFetchIndexes.get(key)!) results[index] = settled;
        }
      }
    }

    if (this.shared && toFetch.length > 0) {
      const loads = this.loadShared(toFetch, fetchMany, batchSize, budget);
      for (const key of toFetch) {
        const staleEntry = this.lru.get(key);
        const settled = loads.get(key)!.then(
          (fresh) => this.settle(() => this.toResult(key, fresh, false)),
          (error: Error) => this.onFailure(key, error, staleEntry),
        );
        for (const index of toFetchIndexes.get(key)!) results[index] = settled;
      }
      return Promise.all(results);
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

  // --- The shared tier -------------------------------------------------------------------------

  /**
   * Loads keys this replica does not trust through the shared tier; returns one promise per key,
   * registered as in flight at once (so local requests coalesce on it as before). For each key:
   * 1. a fresh value in the tier (another replica fetched it) is used as is, original fetchedAt
   *    included — never an upstream call;
   * 2. otherwise this replica takes the key's lease and fetches it (in batches), stores the value
   *    in both tiers and releases the lease — or, on failure, leaves a failure marker so that the
   *    other replicas back off too;
   * 3. if another replica holds the lease, this one polls (5 → 50 ms) until the value appears, the
   *    holder fails, or the lease frees (then it claims it); after leaseMs it fetches by itself
   *    rather than fail;
   * 4. if the tier cannot be reached: this replica's own copy while still fresh, else the upstream,
   *    exactly as without a shared tier.
   * Budget tokens taken for keys that needed no upstream call from this replica are given back.
   */
  private loadShared(
    keys: string[],
    fetchMany: (keys: string[]) => Promise<Map<string, V>>,
    batchSize: number,
    budget: { refund(n: number): void } | undefined,
  ): Map<string, Promise<Entry<V>>> {
    const pending = new Map<string, Deferred<Entry<V>>>();
    const promises = new Map<string, Promise<Entry<V>>>();
    for (const key of keys) {
      const deferred = new Deferred<Entry<V>>();
      pending.set(key, deferred);
      promises.set(key, deferred.promise);
      this.inflight.set(key, deferred.promise);
      const done = () => this.inflight.get(key) === deferred.promise && this.inflight.delete(key);
      deferred.promise.then(done, done);
    }
    const epoch = this.epoch;
    this.runShared(keys, pending, fetchMany, batchSize, epoch, () => budget?.refund(1)).catch(
      (error: Error) => {
        // A bug, not an outage (outages are handled inside): fail what is left, never hang.
        for (const deferred of pending.values()) deferred.reject(error);
      },
    );
    return promises;
  }

  /** Resolves every deferred; `answeredElsewhere` for each key that needed no upstream call from here. */
  private async runShared(
    keys: string[],
    pending: Map<string, Deferred<Entry<V>>>,
    fetchMany: (keys: string[]) => Promise<Map<string, V>>,
    batchSize: number,
    epoch: number,
    answeredElsewhere: () => void,
  ): Promise<void> {
    const shared = this.shared!;
    const deadline = Date.now() + shared.leaseMs;
    const settle = (key: string, outcome: Entry<V> | Error) => {
      const deferred = pending.get(key)!;
      if (outcome instanceof Error) deferred.reject(outcome);
      else deferred.resolve(outcome);
    };
    const fetches: Array<Promise<void>> = [];
    const waited = new Set<string>();
    let round = 0;
    let pause = 5;
    let remaining = keys;

    while (remaining.length > 0) {
      const lookup = await this.tryLookup(remaining, true);
      if (!lookup) {
        const now = Date.now();
        const direct: string[] = [];
        for (const key of remaining) {
          const own = this.lru.get(key);
          if (own && this.isFresh(own, now)) {
            answeredElsewhere();
            settle(key, own);
          } else direct.push(key);
        }
        fetches.push(this.fetchForShared(direct, fetchMany, batchSize, epoch, settle, undefined));
        break;
      }
      const claimed: string[] = [];
      const held: string[] = [];
      for (const key of remaining) {
        const state = lookup.keys.get(key)!;
        if (round === 0 && state.state !== 'fresh') this.counters.l2Misses++;
        if (state.state === 'fresh') {
          this.counters.l2Hits++;
          answeredElsewhere();
          settle(key, this.adopt(key, state.entry, epoch));
          continue;
        }
        if (state.stale) this.adoptStale(key, state.stale, epoch);
        if (state.state === 'claimed') claimed.push(key);
        else if (state.state === 'failed') {
          answeredElsewhere();
          settle(key, state.error);
        } else {
          if (!waited.has(key)) {
            waited.add(key);
            this.counters.l2Waits++;
          }
          held.push(key);
        }
      }
      fetches.push(this.fetchForShared(claimed, fetchMany, batchSize, epoch, settle, lookup));
      if (held.length === 0) break;
      if (Date.now() + pause >= deadline) {
        // The holder is taking too long (or died holding the lease): fetch rather than fail.
        fetches.push(this.fetchForShared(held, fetchMany, batchSize, epoch, settle, lookup));
        break;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 50);
      remaining = held;
      round++;
    }
    await Promise.all(fetches);
  }

  /** A lookup in the shared tier, or undefined when it cannot be reached right now. */
  private async tryLookup(keys: readonly string[], claim: boolean): Promise<SharedLookup | undefined> {
    const shared = this.shared!;
    if (!shared.available) {
      this.counters.l2Errors++;
      return undefined;
    }
    try {
      return await shared.lookup(this.name, keys, claim);
    } catch {
      this.counters.l2Errors++;
      return undefined;
    }
  }

  /** Upstream calls for keys (in batches); results go to both tiers and to `settle`. */
  private async fetchForShared(
    keys: string[],
    fetchMany: (keys: string[]) => Promise<Map<string, V>>,
    batchSize: number,
    epoch: number,
    settle: (key: string, outcome: Entry<V> | Error) => void,
    lookup: SharedLookup | undefined,
  ): Promise<void> {
    const shared = this.shared!;
    const calls: Array<Promise<void>> = [];
    for (let start = 0; start < keys.length; start += batchSize) {
      const chunk = keys.slice(start, start + batchSize);
      this.counters.upstreamCalls++;
      calls.push(
        fetchMany(chunk).then(
          (found) => {
            const fills: SharedFill[] = [];
            for (const key of chunk) {
              const entry = this.store(key, found.has(key) ? found.get(key)! : NOT_FOUND, epoch);
              settle(key, entry);
              const fill = this.fillFor(key, entry);
              if (fill) fills.push(fill);
            }
            // Without a lookup (the tier was unreachable) there is no generation to store under.
            if (lookup) shared.fill(this.name, lookup, fills).catch(() => this.counters.l2Errors++);
          },
          (error: Error) => {
            this.counters.upstreamErrors++;
            for (const key of chunk) settle(key, error);
            if (lookup) {
              const backoff = error instanceof AppError && error.code === 'BAD_USER_INPUT' ? 0 : this.options.backoffMs;
              shared.fail(this.name, lookup, chunk, error, backoff).catch(() => this.counters.l2Errors++);
            }
          },
        ),
      );
    }
    await Promise.all(calls);
  }

  private fillFor(key: string, entry: Entry<V>): SharedFill | undefined {
    const { ttlMs, maxStaleMs, notFoundTtlMs } = this.options;
    const shared: SharedEntry = { value: entry.value, fetchedAt: entry.fetchedAt };
    if (entry.value === NOT_FOUND) return notFoundTtlMs > 0 ? { key, entry: shared, freshMs: notFoundTtlMs, keepMs: notFoundTtlMs } : undefined;
    return { key, entry: shared, freshMs: ttlMs, keepMs: ttlMs + maxStaleMs };
  }

  /** A key the client's budget refused: whatever the shared tier has fresh, else as without one. */
  private async refusedShared(key: string, refusal: AppError): Promise<Cached<V> | Error> {
    const found = await this.sharedOnly(key, this.epoch);
    if (found) return this.settle(() => this.toResult(key, found, false));
    return this.onFailure(key, refusal, this.lru.get(key), false);
  }

  /** A fresh entry from the shared tier without claiming anything (stale ones go to L1 for fallback). */
  private async sharedOnly(key: string, epoch: number): Promise<Entry<V> | undefined> {
    const lookup = await this.tryLookup([key], false);
    const state = lookup?.keys.get(key);
    if (!state) return undefined;
    if (state.state === 'fresh') {
      this.counters.l2Hits++;
      return this.adopt(key, state.entry, epoch);
    }
    this.counters.l2Misses++;
    if (state.stale) this.adoptStale(key, state.stale, epoch);
    return undefined;
  }

  /**
   * A fresh entry from the shared tier becomes this replica's copy, with its original fetchedAt:
   * responses built from it are reusable exactly as on the replica that fetched it.
   */
  private adopt(key: string, shared: SharedEntry, epoch: number): Entry<V> {
    const now = Date.now();
    const entry: Entry<V> = { value: shared.value as V | NotFound, fetchedAt: shared.fetchedAt, checkedUntil: now + this.shared!.l1TtlMs };
    if (epoch !== this.epoch) return entry;
    const current = this.lru.peek(key);
    if (current && current.fetchedAt > entry.fetchedAt) return entry;
    const ttl = this.keepUntil(entry) - now;
    if (ttl <= 0) return entry;
    this.lru.set(key, entry, { ttl });
    if (current?.fetchedAt !== entry.fetchedAt) this.generation++;
    return entry;
  }

  /** An expired entry from the shared tier, kept here (untrusted) to serve stale if the upstream fails. */
  private adoptStale(key: string, shared: SharedEntry, epoch: number): void {
    if (epoch !== this.epoch || shared.value === NOT_FOUND) return;
    const current = this.lru.peek(key);
    if (current && current.fetchedAt >= shared.fetchedAt) return;
    const entry: Entry<V> = { value: shared.value as V, fetchedAt: shared.fetchedAt, checkedUntil: 0 };
    const ttl = this.keepUntil(entry) - Date.now();
    if (ttl > 0) this.lru.set(key, entry, { ttl });
  }

  /** When an entry stops being useful at all (fresh, then servable stale). */
  private keepUntil(entry: Entry<V>): number {
    return entry.fetchedAt + (entry.value === NOT_FOUND ? this.options.notFoundTtlMs : this.options.ttlMs + this.options.maxStaleMs);
  }

  private settle(produce: () => Cached<V>): Cached<V> | Error {
    try {
      return produce();
    } catch (error) {
      return error as Error;
    }
  }

  private store(key: string, value: V | NotFound, epoch: number): Entry<V> {
    const now = Date.now();
    const entry: Entry<V> = { value, fetchedAt: now };
    if (this.shared) entry.checkedUntil = now + this.shared.l1TtlMs;
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
