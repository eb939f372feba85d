// What an UpstreamCache needs of a second, shared cache tier (Redis, see redis-tier.ts): values
// other replicas fetched, and the right ("lease") to be the one replica that fetches a key.
// UpstreamCache knows nothing of Redis; tests may plug in anything that keeps this contract.

/** An entry as it travels between replicas: the value (or the not-found marker) and when it was fetched. */
export interface SharedEntry {
  value: unknown;
  /** ms since the epoch, from the replica that called the upstream. Never rewritten on the way. */
  fetchedAt: number;
}

export type SharedKeyState =
  /** A fresh value: use it. */
  | { state: 'fresh'; entry: SharedEntry }
  /** This replica now holds the lease: fetch the key, then fill() (or fail()). */
  | { state: 'claimed'; stale?: SharedEntry }
  /** Another replica holds the lease: its value should appear soon. */
  | { state: 'held'; stale?: SharedEntry }
  /** Another replica's upstream call for this key just failed: nobody retries before its backoff ends. */
  | { state: 'failed'; error: Error; stale?: SharedEntry }
  /** Nothing fresh and nobody fetching (only from lookups that do not claim). */
  | { state: 'absent'; stale?: SharedEntry };

export interface SharedLookup {
  /** The cache's clear generation when the lookup ran: fill() stores nothing if a clear happened since. */
  generation: string;
  /** Identifies this lookup's leases. */
  token: string;
  keys: Map<string, SharedKeyState>;
}

export interface SharedFill {
  key: string;
  entry: SharedEntry;
  /** How long after fetchedAt the value is fresh (ms). */
  freshMs: number;
  /** How long after fetchedAt the tier keeps it, to serve stale on failure (ms, ≥ freshMs). */
  keepMs: number;
}

export interface SharedTier {
  /** May the tier be asked now? Synchronous and free (false while Redis is down). */
  readonly available: boolean;
  /** The longest one replica may hold a lease; waiting for another's value is bounded by this. */
  readonly leaseMs: number;
  /** This replica's copy of an entry is trusted without asking the tier for this long (ms). */
  readonly l1TtlMs: number;
  /** One round trip: the state of each key; with `claim`, leases on the keys nobody is fetching. */
  lookup(cache: string, keys: readonly string[], claim: boolean): Promise<SharedLookup>;
  /** Stores fetched values (unless the cache was cleared since `lookup`) and releases their leases. */
  fill(cache: string, lookup: SharedLookup, entries: readonly SharedFill[]): Promise<void>;
  /** The upstream call for these claimed keys failed: others fail fast for `backoffMs` (0: just release). */
  fail(cache: string, lookup: SharedLookup, keys: readonly string[], error: Error, backoffMs: number): Promise<void>;
  /** Deletes every shared entry of these caches; fills already under way are not stored. */
  clear(caches: readonly string[]): Promise<void>;
}
