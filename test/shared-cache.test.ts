// The two-tier cache driven directly: two "replicas" in this process (each its own Redis
// connections, shared tier, bus, UpstreamCache and CacheAdmin) against one real redis-server and
// one counted upstream. The two-process version of the important cases is in replicas.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenBucket, currentBudget } from '../src/cache/client-budget.js';
import { RedisTier } from '../src/cache/redis-tier.js';
import { NOT_FOUND, UpstreamCache } from '../src/cache/upstream-cache.js';
import { RedisBus } from '../src/cluster/bus.js';
import { RedisLink } from '../src/cluster/redis-link.js';
import { AppError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { CacheAdmin } from '../src/services/cache-admin.js';
import { NewsQuota, SharedNewsQuota } from '../src/services/news-quota.js';
import { startFakeYahoo } from './fakes/yahoo.js';
import { makeApp } from './helpers.js';
import { describeWithRedis, startRedis, type RedisServer } from './redis-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Value {
  key: string;
  call: number;
}

/** One upstream both replicas call (one Yahoo): counts calls and the keys asked. */
function upstream() {
  const state = { calls: 0, keys: [] as string[], delayMs: 40, failWith: undefined as Error | undefined, missing: new Set<string>() };
  const fetchMany = async (keys: string[]) => {
    const call = ++state.calls;
    state.keys.push(...keys);
    await sleep(state.delayMs);
    if (state.failWith) throw state.failWith;
    return new Map(keys.filter((k) => !state.missing.has(k)).map((k) => [k, { key: k, call } as Value]));
  };
  const fetchOne = async (key: string) => (await fetchMany([key])).get(key) ?? NOT_FOUND;
  return { state, fetchMany, fetchOne };
}

interface ReplicaOptions {
  ttlMs?: number;
  maxStaleMs?: number;
  backoffMs?: number;
  l1TtlMs?: number;
  leaseMs?: number;
}

let redis: RedisServer;
let prefixSeq = 0;
const open: Array<{ close(): Promise<void> }> = [];

async function replica(prefix: string, options: ReplicaOptions = {}) {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const link = new RedisLink({ url: redis.url, commandTimeoutMs: 100, connectTimeoutMs: 500, logger, breakerCooldownMs: 200 });
  const l1TtlMs = options.l1TtlMs ?? 60_000;
  const tier = new RedisTier(link, { prefix, leaseMs: options.leaseMs ?? 3000, l1TtlMs });
  const bus = new RedisBus(link, prefix, logger);
  const cache = new UpstreamCache<Value>({
    name: 'STOCK_INFO',
    ttlMs: options.ttlMs ?? 60_000,
    maxStaleMs: options.maxStaleMs ?? 60_000,
    notFoundTtlMs: 60_000,
    backoffMs: options.backoffMs ?? 0,
    maxBytes: 10_000_000,
    maxEntries: 1000,
    notFoundError: (key) => new AppError('SYMBOL_NOT_FOUND', `missing ${key}`),
    shared: tier,
  });
  const admin = new CacheAdmin(
    { STOCK_INFO: cache },
    {
      bus,
      clear: (names) => tier.clear(names),
      state: () => link.status(),
      onUp: (listener) => void link.onChange((up) => up && listener()),
      prefix,
      l1TtlSeconds: l1TtlMs / 1000,
    },
    logger,
  );
  link.start();
  await waitFor('the replica to connect', () => link.status().up && bus.subscribed);
  const r = {
    link,
    tier,
    bus,
    cache,
    admin,
    logs,
    async close() {
      await bus.close();
      await link.close();
    },
  };
  open.push(r);
  return r;
}

async function pair(options: ReplicaOptions = {}) {
  const prefix = `t${++prefixSeq}:`;
  return { prefix, a: await replica(prefix, options), b: await replica(prefix, options) };
}

/** The keys under a prefix, straight from Redis. */
async function redisKeys(link: RedisLink, prefix: string): Promise<string[]> {
  return (await link.client.keys(`${prefix}*`)).map(String).sort();
}

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await redis?.stop();
});

describeWithRedis('two-tier cache across replicas', () => {
  it('costs one upstream call for a key both replicas ask for at once, with one fetchedAt', async () => {
    const { a, b } = await pair();
    const up = upstream();
    const [ra, rb] = await Promise.all([a.cache.get('AAPL', up.fetchOne), b.cache.get('AAPL', up.fetchOne)]);
    expect(up.state.calls).toBe(1);
    expect(ra.value).toEqual(rb.value);
    expect(ra.fetchedAt.getTime()).toBe(rb.fetchedAt.getTime());
    const waits = a.cache.counters.l2Waits + b.cache.counters.l2Waits;
    expect(waits).toBe(1);
    expect(a.cache.counters.l2Hits + b.cache.counters.l2Hits).toBe(1);
    expect(a.cache.counters.upstreamCalls + b.cache.counters.upstreamCalls).toBe(1);
  });

  it('splits overlapping batches so that no key is fetched twice', async () => {
    const { prefix, a, b } = await pair();
    const up = upstream();
    const [ra, rb] = await Promise.all([
      a.cache.getMany(['K1', 'K2', 'K3'], up.fetchMany, 50),
      b.cache.getMany(['K2', 'K3', 'K4'], up.fetchMany, 50),
    ]);
    expect([...ra, ...rb].every((r) => !(r instanceof Error))).toBe(true);
    expect(up.state.keys.sort()).toEqual(['K1', 'K2', 'K3', 'K4']);
    // A replica that asks later gets everything from the shared tier.
    const c = await replica(prefix);
    await c.cache.getMany(['K1', 'K2', 'K3', 'K4'], up.fetchMany, 50);
    expect(up.state.keys).toHaveLength(4);
    expect(c.cache.counters.l2Hits).toBe(4);
  });

  it('answers L1 hits without Redis; after CACHE_L1_TTL it checks the shared tier, keeping fetchedAt', async () => {
    const { a, b } = await pair({ l1TtlMs: 150 });
    const up = upstream();
    const first = await a.cache.get('MSFT', up.fetchOne);
    const fromShared = await b.cache.get('MSFT', up.fetchOne);
    expect(fromShared.fetchedAt.getTime()).toBe(first.fetchedAt.getTime());
    const fetchedAt = first.fetchedAt.getTime();
    expect(b.cache.isCurrent('MSFT', fetchedAt)).toBe(true);

    const calls = b.link.counters.calls;
    for (let i = 0; i < 50; i++) {
      await b.cache.get('MSFT', up.fetchOne);
      b.cache.peekFresh('MSFT');
      b.cache.isCurrent('MSFT', fetchedAt);
    }
    expect(b.link.counters.calls).toBe(calls); // not one Redis round trip

    await sleep(200);
    // Past the L1 TTL: a response built from this entry is no longer reused blindly…
    expect(b.cache.isCurrent('MSFT', fetchedAt)).toBe(false);
    expect(b.cache.peekFresh('MSFT')).toBeUndefined();
    // …the next read asks the shared tier (one call), gets the same entry, and it is current again.
    const again = await b.cache.get('MSFT', up.fetchOne);
    expect(b.link.counters.calls).toBe(calls + 1);
    expect(again.fetchedAt.getTime()).toBe(fetchedAt);
    expect(b.cache.isCurrent('MSFT', fetchedAt)).toBe(true);
    expect(up.state.calls).toBe(1);
  });

  it('serves stale from the shared tier when the upstream fails, and backs off on every replica', async () => {
    const { a, b } = await pair({ ttlMs: 80, maxStaleMs: 60_000, backoffMs: 5000 });
    const up = upstream();
    const first = await a.cache.get('TSLA', up.fetchOne);
    await sleep(120);
    up.state.failWith = new AppError('UPSTREAM_UNAVAILABLE', 'down');
    // B never had it: the expired shared entry is its stale fallback, with the original fetchedAt.
    const stale = await b.cache.get('TSLA', up.fetchOne);
    expect(stale).toMatchObject({ stale: true, value: { key: 'TSLA', call: 1 } });
    expect(stale.fetchedAt.getTime()).toBe(first.fetchedAt.getTime());
    expect(up.state.calls).toBe(2);
    // A learns of B's failure from the shared tier: stale at once, no upstream call of its own.
    const onA = await a.cache.get('TSLA', up.fetchOne);
    expect(onA.stale).toBe(true);
    expect(up.state.calls).toBe(2);
  });

  it('shares not-found answers', async () => {
    const { a, b } = await pair();
    const up = upstream();
    up.state.missing.add('NOPE');
    await expect(a.cache.get('NOPE', up.fetchOne)).rejects.toMatchObject({ code: 'SYMBOL_NOT_FOUND' });
    await expect(b.cache.get('NOPE', up.fetchOne)).rejects.toMatchObject({ code: 'SYMBOL_NOT_FOUND' });
    expect(up.state.calls).toBe(1);
  });

  it('fetches by itself when the lease holder never delivers (after the lease bound)', async () => {
    const { prefix, b } = await pair({ leaseMs: 300 });
    const up = upstream();
    // A replica that took the lease and died.
    await b.link.client.set(`${prefix}c:STOCK_INFO:l:GONE`, 't:dead-replica:1', { expiration: { type: 'PX', value: 10_000 } });
    const started = Date.now();
    const result = await b.cache.get('GONE', up.fetchOne);
    expect(result.value.key).toBe('GONE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(up.state.calls).toBe(1);
    expect(b.cache.counters.l2Waits).toBe(1);
  });

  it('gives budget tokens back for shared-tier hits, and serves cached data past the budget', async () => {
    const { prefix, a, b } = await pair();
    const up = upstream();
    await a.cache.getMany(['X1', 'X2'], up.fetchMany, 50);
    const bucket = new TokenBucket(2, 0);
    await currentBudget.run(bucket, () => b.cache.getMany(['X1', 'X2'], up.fetchMany, 50));
    expect(bucket.take(2)).toBe(2); // refunded
    // An empty bucket: what the shared tier has is still served, the rest refused.
    const empty = new TokenBucket(1, 0);
    empty.take(1);
    const c = await replica(prefix);
    const results = await currentBudget.run(empty, () => c.cache.getMany(['X1', 'NEW'], up.fetchMany, 50));
    expect(results[0]).toMatchObject({ value: { key: 'X1' } });
    expect(results[1]).toMatchObject({ code: 'UPSTREAM_BUDGET_EXCEEDED' });
    expect(up.state.calls).toBe(1);
  });
});

describeWithRedis('clearing across replicas', () => {
  it('deletes the shared keys and empties every replica, which then refetches', async () => {
    const { prefix, a, b } = await pair();
    const up = upstream();
    await a.cache.getMany(['A1', 'A2', 'A3'], up.fetchMany, 50);
    await b.cache.getMany(['A1', 'A2', 'A3'], up.fetchMany, 50);
    expect(b.cache.size).toBe(3);
    expect((await redisKeys(a.link, prefix)).filter((k) => k.includes(':v:'))).toHaveLength(3);

    const status = await a.admin.clear();
    expect(status.shared).toMatchObject({ state: 'UP', pendingClear: [] });
    await waitFor('B to drop its local tier', () => b.cache.size === 0);
    // Only the clear generations remain (bumped: fills that looked before the clear store nothing).
    expect(await redisKeys(a.link, prefix)).toEqual(['NEWS', 'STOCK_DATA', 'STOCK_INFO'].map((c) => `${prefix}c:${c}:gen`));
    expect(await a.link.client.get(`${prefix}c:STOCK_INFO:gen`)).toBe('1');
    expect(await a.link.client.pTTL(`${prefix}c:STOCK_INFO:gen`)).toBeGreaterThan(0);
    expect(b.admin.status().lastClearedAt).not.toBeNull();

    await b.cache.get('A1', up.fetchOne);
    expect(up.state.calls).toBe(2);
  });

  it('does not store a value whose fetch began before the clear', async () => {
    const { a, b } = await pair();
    const up = upstream();
    up.state.delayMs = 150;
    const inFlight = a.cache.get('RACE', up.fetchOne);
    await sleep(30);
    await b.admin.clear();
    await inFlight; // answers its waiters…
    up.state.delayMs = 5;
    await b.cache.get('RACE', up.fetchOne); // …but is in neither tier
    expect(up.state.calls).toBe(2);
  });

  it('delivers typed messages once per replica and shares values', async () => {
    const { prefix, a, b } = await pair();
    const seen: string[] = [];
    a.bus.on('cache-cleared', (p, m) => seen.push(`a:${p.caches}:${m.local}`));
    b.bus.on('cache-cleared', (p, m) => seen.push(`b:${p.caches}:${m.local}:${m.from === a.bus.replicaId}`));
    await a.bus.publish('cache-cleared', { caches: ['NEWS'] });
    await waitFor('B to receive', () => seen.length === 2);
    await sleep(50);
    expect(seen).toEqual(['a:NEWS:true', 'b:NEWS:false:true']);

    const parse = (v: unknown) => {
      if (v !== 'LOCAL' && v !== 'S3') throw new Error('bad backend');
      return v;
    };
    const onA = a.bus.sharedValue('storageBackend', { initial: 'LOCAL', parse });
    const onB = b.bus.sharedValue('storageBackend', { initial: 'LOCAL', parse });
    const changes: string[] = [];
    onB.onChange((v) => changes.push(v));
    await onA.set('S3');
    expect(onA.get()).toBe('S3');
    await waitFor('B to see the new value', () => onB.get() === 'S3');
    expect(changes).toEqual(['S3']);
    await expect(onA.set('FTP' as 'S3')).rejects.toThrow('bad backend');
    // A replica that starts later reads it.
    const c = await replica(prefix);
    const onC = c.bus.sharedValue('storageBackend', { initial: 'LOCAL', parse });
    await waitFor('C to read the value', () => onC.get() === 'S3');
  });
});

describeWithRedis('Redis down, frozen, and back', () => {
  it('keeps serving from L1 and upstreams when Redis dies, then resyncs when it is back', async () => {
    const { a, b } = await pair({ l1TtlMs: 100 });
    const up = upstream();
    await a.cache.get('KEPT', up.fetchOne);
    await b.cache.get('KEPT', up.fetchOne);
    expect(up.state.calls).toBe(1);

    await redis.kill();
    await waitFor('both to notice', () => !a.link.status().up && !b.link.status().up);
    expect(a.admin.status().shared?.state).toBe('DOWN');
    await sleep(150); // past the L1 TTL: with Redis gone, the local copy is still the answer
    const started = Date.now();
    const kept = await b.cache.get('KEPT', up.fetchOne);
    expect(kept.stale).toBe(false);
    expect(up.state.calls).toBe(1);
    // A new key goes to the upstream directly, without waiting on Redis.
    await a.cache.get('NEWKEY', up.fetchOne);
    await b.cache.get('NEWKEY', up.fetchOne);
    expect(up.state.calls).toBe(3); // no sharing while Redis is down
    expect(Date.now() - started).toBeLessThan(1000);
    expect(a.cache.counters.l2Errors).toBeGreaterThan(0);

    // A clear while Redis is down: this replica only, reported, completed once Redis is back.
    await expect(a.admin.clear()).rejects.toMatchObject({ code: 'SHARED_CACHE_UNAVAILABLE' });
    expect(a.cache.size).toBe(0);
    expect(a.admin.status().shared?.pendingClear).toEqual(['STOCK_DATA', 'STOCK_INFO', 'NEWS']);
    expect(b.cache.size).toBeGreaterThan(0);

    await redis.restart();
    await waitFor('both to reconnect', () => a.link.status().up && b.link.status().up, 10_000);
    // B may have missed messages while away: it dropped its local tier when it came back.
    await waitFor('B to resync', () => b.cache.size === 0);
    await waitFor('the pending clear to run', () => a.admin.status().shared!.pendingClear.length === 0);
    expect(a.logs.join('\n')).toContain('pending shared cache clear done');

    // Shared again.
    const calls = up.state.calls;
    await a.cache.get('AFTER', up.fetchOne);
    await b.cache.get('AFTER', up.fetchOne);
    expect(up.state.calls).toBe(calls + 1);
  });

  it('bounds every wait on a frozen Redis, opens the breaker, and recovers', async () => {
    const { a } = await pair();
    const up = upstream();
    up.state.delayMs = 1;
    redis.freeze();
    try {
      const started = Date.now();
      for (let i = 0; i < 5; i++) await a.cache.get(`F${i}`, up.fetchOne);
      // 3 timeouts of 100 ms open the breaker; the rest skip Redis entirely.
      expect(Date.now() - started).toBeLessThan(800);
      expect(up.state.calls).toBe(5);
      expect(a.link.counters.timeouts).toBe(3);
      expect(a.link.counters.calls).toBe(3); // the two after them did not even try
      expect(a.cache.counters.l2Errors).toBe(5);
      expect(a.link.status().up).toBe(false);
      expect(a.link.available).toBe(false);
    } finally {
      redis.thaw();
    }
    await waitFor('the breaker to close', () => a.link.status().up, 10_000);
    await a.cache.get('F0', up.fetchOne);
  });
});

describeWithRedis('the NewsAPI budget across replicas', () => {
  it('is counted once for the deployment', async () => {
    const { prefix, a, b } = await pair();
    const qa = new SharedNewsQuota(3, a.link, prefix);
    const qb = new SharedNewsQuota(3, b.link, prefix);
    expect(await qa.acquire()).toBe(true);
    expect(await qa.acquire()).toBe(true);
    expect(await qb.acquire()).toBe(true);
    expect(await qb.acquire()).toBe(false);
    expect(await qa.acquire()).toBe(false);
    await qa.refresh();
    expect(qa.status()).toMatchObject({ used: 3, remaining: 0 });
    expect(qb.status().used).toBe(3);
    expect(qb.canSend()).toBe(false);
    expect(qb.exhaustedError().details.retryAfterSeconds).toBeGreaterThan(86_000);

    // NewsAPI's "back off" on one replica holds on the other.
    const qc = new SharedNewsQuota(100, a.link, `${prefix}other:`);
    const qd = new SharedNewsQuota(100, b.link, `${prefix}other:`);
    qc.block(60_000);
    await waitFor('the block to reach Redis', async () => {
      await qd.refresh();
      return !qd.canSend();
    });
    expect(await qd.acquire()).toBe(false);
    expect(qd.exhaustedError().details.reason).toBe('rateLimited');
  });

  it('falls back to counting this replica alone while Redis is down', async () => {
    const { prefix, a } = await pair();
    const q = new SharedNewsQuota(2, a.link, prefix);
    expect(await q.acquire()).toBe(true);
    await redis.kill();
    await waitFor('the link to notice', () => !a.link.available);
    expect(await q.acquire()).toBe(true); // local: 1 sent here, limit 2
    expect(await q.acquire()).toBe(false);
    expect(q.status().used).toBe(2);
    await redis.restart();
    await waitFor('the link to reconnect', () => a.link.status().up, 10_000);
    // The deployment's count decides again (this Redis kept no data across its restart).
    expect(await q.acquire()).toBe(true);
    expect(q.sharedCount).toBe(true);
    expect(q.status().used).toBe(1);
  });

  it('a per-process quota still works alone', () => {
    const q = new NewsQuota(1);
    expect(q.tryAcquire()).toBe(true);
    expect(q.canSend()).toBe(false);
  });
});

describe('Redis unreachable from the start', () => {
  it('serves, says so in /ready and cacheStatus, never logs the password, and closes promptly', async () => {
    const yahoo = await startFakeYahoo();
    // Nothing listens on port 9: every connection attempt is refused.
    const app = makeApp({ YAHOO_BASE_URL: yahoo.url, REDIS_URL: 'redis://:pw-secret-4711@127.0.0.1:9', REDIS_CONNECT_TIMEOUT_MS: '200' });
    try {
      const started = Date.now();
      const first = await app.gql('{ stockInfo(symbol: "AAPL") { symbol } }');
      const again = await app.gql('{ stockInfo(symbol: "AAPL") { symbol } cacheStatus { shared { state lastError } } }');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(first.data).toEqual({ stockInfo: { symbol: 'AAPL' } });
      expect(again.data.cacheStatus.shared.state).toBe('DOWN');
      expect(again.data.cacheStatus.shared.lastError).toMatch(/ECONNREFUSED/);
      expect(yahoo.count('quote')).toBe(1); // the local tier still caches
      const ready = await app.yoga.fetch('http://stockroom.test/ready');
      expect(ready.status).toBe(200);
      expect(ready.headers.get('x-stockroom-degraded')).toBe('redis');
      expect(await ready.json()).toEqual({ ready: true, redis: 'down' });
      await waitFor('the start-up warning', () => app.logs.some((l) => l.includes('redis not reachable at start')));
      const cleared = await app.gql('mutation { clearCache { lastClearedAt } }', undefined, { authorization: 'Bearer test-admin-token-0123456789abcdef' });
      expect(cleared.errors?.[0]?.extensions?.code).toBe('SHARED_CACHE_UNAVAILABLE');
      expect(app.logs.join('\n')).not.toContain('pw-secret-4711');
    } finally {
      const closing = Date.now();
      await app.close();
      expect(Date.now() - closing).toBeLessThan(1500);
      await yahoo.close();
    }
  });
});
