// A per-client budget of uncached upstream work: every key a client makes stockroom fetch from
// Yahoo or NewsAPI costs one token; tokens refill steadily. Cached answers cost nothing, so a
// dashboard polling its symbols is never limited, but a client walking 5,000 symbols cannot spend
// the whole upstream allowance. The current client's bucket travels with the execution
// (AsyncLocalStorage), so the cache charges it exactly where an upstream call is made.
import { AsyncLocalStorage } from 'node:async_hooks';
import { LRUCache } from 'lru-cache';

export class TokenBucket {
  private tokens: number;
  private updatedAt = Date.now();

  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
  ) {
    this.tokens = capacity;
  }

  private refill(now: number) {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.refillPerMs);
    this.updatedAt = now;
  }

  /** Takes up to `wanted` tokens; returns how many were granted. */
  take(wanted: number): number {
    this.refill(Date.now());
    const granted = Math.max(0, Math.min(wanted, Math.floor(this.tokens)));
    this.tokens -= granted;
    return granted;
  }

  /** Gives back tokens taken for work that turned out not to need the upstream (shared tier hits). */
  refund(n: number): void {
    if (n <= 0) return;
    this.refill(Date.now());
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }

  /** Seconds until `n` tokens are available again. */
  secondsUntil(n: number): number {
    this.refill(Date.now());
    return Math.max(1, Math.ceil((Math.min(n, this.capacity) - this.tokens) / this.refillPerMs / 1000));
  }
}

export class ClientBudgets {
  private readonly buckets: LRUCache<string, TokenBucket>;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
  ) {
    this.buckets = new LRUCache({ max: 50_000 });
  }

  forClient(clientId: string): TokenBucket {
    let bucket = this.buckets.get(clientId);
    if (!bucket) this.buckets.set(clientId, (bucket = new TokenBucket(this.capacity, this.capacity / this.windowMs)));
    return bucket;
  }
}

export const currentBudget = new AsyncLocalStorage<TokenBucket>();
