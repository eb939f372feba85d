// Two real stockroom processes (npm start's entry point, port 0) behind one Redis, one fake Yahoo
// and one fake NewsAPI: what a deployment with several replicas relies on, end to end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FAKE_NEWSAPI_KEY, startFakeNewsApi, type FakeNewsApi } from './fakes/newsapi.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { spawnServer, type SpawnedServer } from './helpers.js';
import { describeWithRedis, startRedis, type RedisServer } from './redis-server.js';

const ADMIN_TOKEN = 'replicas-admin-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Replica extends SpawnedServer {
  name: string;
}

const dataDirs: string[] = [];

async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  // Models are not what is shared here: each replica keeps its own (empty) local store.
  const dataDir = mkdtempSync(join(tmpdir(), `stockroom-${name}-`));
  dataDirs.push(dataDir);
  return Object.assign(await spawnServer({ ...env, DATA_DIR: dataDir }), { name });
}

async function gql(r: Replica, query: string, variables?: Record<string, unknown>, admin = false) {
  const response = await fetch(`${r.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/** A GET query: reusable by the front door's response cache (x-stockroom-cache: hit). */
async function getQuery(r: Replica, query: string) {
  const response = await fetch(`${r.base}/graphql?query=${encodeURIComponent(query)}`, { headers: { accept: 'application/json' } });
  return { reused: response.headers.get('x-stockroom-cache') === 'hit', body: (await response.json()) as { data?: any; errors?: unknown[] } };
}

async function ready(r: Replica) {
  const response = await fetch(`${r.base}/ready`);
  return { status: response.status, degraded: response.headers.get('x-stockroom-degraded'), body: (await response.json()) as { ready: boolean; redis: string } };
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const STATUS = `{ cacheStatus { lastClearedAt
  caches { name entries upstreamCalls l2Hits l2Misses l2Waits l2Errors }
  shared { state prefix l1TtlSeconds replicaId pendingClear } } }`;
const entriesOf = async (r: Replica, cache: string) =>
  (await gql(r, STATUS)).data.cacheStatus.caches.find((c: { name: string }) => c.name === cache).entries as number;

let redis: RedisServer;
let yahoo: FakeYahoo;
let newsapi: FakeNewsApi;
let a: Replica;
let b: Replica;

beforeAll(async () => {
  redis = await startRedis();
  yahoo = await startFakeYahoo();
  newsapi = await startFakeNewsApi();
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'replicas-test:',
    // Long enough that nothing below can pass by a local copy merely expiring: what a replica
    // learns from the other, it learns from Redis and the bus.
    CACHE_L1_TTL_S: '300',
    CACHE_FAILURE_BACKOFF_S: '0',
    YAHOO_BASE_URL: yahoo.url,
    NEWSAPI_KEY: FAKE_NEWSAPI_KEY,
    NEWSAPI_BASE_URL: newsapi.url,
    NEWSAPI_DAILY_LIMIT: '3',
    ADMIN_TOKEN,
  };
  [a, b] = await Promise.all([startReplica('A', env), startReplica('B', env)]);
  for (const r of [a, b]) await waitFor(`${r.name} to reach Redis`, async () => (await ready(r)).body.redis === 'up');
}, 60_000);

afterAll(async () => {
  for (const r of [a, b]) {
    if (r && r.child.exitCode === null) {
      r.child.kill('SIGTERM');
      await Promise.race([r.exited, sleep(5000).then(() => r.child.kill('SIGKILL'))]);
    }
  }
  await yahoo?.close();
  await newsapi?.close();
  await redis?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describeWithRedis('two replicas sharing one Redis', () => {
  it('cost one upstream call for the same key, whichever replica asks', async () => {
    yahoo.delay('quote', 300);
    yahoo.delay('chart', 300);
    const quotesBefore = yahoo.count('quote');
    const chartsBefore = yahoo.count('chart');
    const Q = '{ stockInfo(symbol: "AAPL") { symbol price fetchedAt stale } stockData(symbol: "AAPL", period: ONE_MONTH) { bars { close } fetchedAt } }';
    const [ra, rb] = await Promise.all([gql(a, Q), gql(b, Q)]);
    yahoo.delay('quote', 0);
    yahoo.delay('chart', 0);
    expect(ra.errors).toBeUndefined();
    expect(rb.errors).toBeUndefined();
    expect(yahoo.count('quote') - quotesBefore).toBe(1);
    expect(yahoo.count('chart') - chartsBefore).toBe(1);
    // The same entry on both: same data, same fetch time.
    expect(rb.data.stockInfo).toEqual(ra.data.stockInfo);
    expect(rb.data.stockData.fetchedAt).toBe(ra.data.stockData.fetchedAt);

    const [sa, sb] = [(await gql(a, STATUS)).data.cacheStatus, (await gql(b, STATUS)).data.cacheStatus];
    const info = (s: any) => s.caches.find((c: { name: string }) => c.name === 'STOCK_INFO');
    expect(info(sa).upstreamCalls + info(sb).upstreamCalls).toBe(1);
    expect(info(sa).l2Waits + info(sb).l2Waits).toBe(1);
    expect(sa.shared).toMatchObject({ state: 'UP', prefix: 'replicas-test:', l1TtlSeconds: 300, pendingClear: [] });
    expect(sa.shared.replicaId).not.toBe(sb.shared.replicaId);

    const metrics = await (await fetch(`${a.base}/metrics`)).text();
    expect(metrics).toMatch(/^stockroom_redis_up 1$/m);
    expect(metrics).toMatch(/^stockroom_cache_l2_misses_total\{cache="STOCK_INFO"\} [1-9]/m);
    expect(metrics).toMatch(/^stockroom_cache_l2_hits_total\{cache="STOCK_INFO"\} \d+$/m);

    // Later askers: from the shared tier, still no upstream call.
    const third = await gql(b, '{ stockInfo(symbol: "AAPL") { fetchedAt } }');
    expect(third.data.stockInfo.fetchedAt).toBe(ra.data.stockInfo.fetchedAt);
    expect(yahoo.count('quote') - quotesBefore).toBe(1);
  });

  it('make clearCache on one replica visible on the other, reused responses included', async () => {
    const Q = '{ stockInfo(symbol: "MSFT") { symbol price fetchedAt } }';
    const first = await getQuery(b, Q);
    expect(first.reused).toBe(false);
    const second = await getQuery(b, Q);
    expect(second.reused).toBe(true); // B's front door answers from its response cache
    const quotes = yahoo.count('quote');

    const cleared = await gql(a, 'mutation { clearCache { lastClearedAt shared { state pendingClear } } }', undefined, true);
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data.clearCache.shared).toEqual({ state: 'UP', pendingClear: [] });
    await waitFor('B to drop its local tier', async () => (await entriesOf(b, 'STOCK_INFO')) === 0, 5000);

    const after = await getQuery(b, Q);
    expect(after.reused).toBe(false);
    expect(yahoo.count('quote')).toBe(quotes + 1);
    expect(new Date(after.body.data.stockInfo.fetchedAt).getTime()).toBeGreaterThan(new Date(first.body.data.stockInfo.fetchedAt).getTime());
    expect((await gql(b, STATUS)).data.cacheStatus.lastClearedAt).not.toBeNull();
    expect(b.stdout.join('')).toContain('cache cleared by another replica');
  });

  it('count the NewsAPI budget once for the deployment', async () => {
    const NEWS = 'query($q: String!) { news(query: $q, provider: NEWSAPI) { provider stale } }';
    const sent = newsapi.count('everything');
    expect((await gql(a, NEWS, { q: 'tesla' })).data.news.provider).toBe('NEWSAPI');
    expect((await gql(b, NEWS, { q: 'bitcoin' })).data.news.provider).toBe('NEWSAPI');
    expect((await gql(a, NEWS, { q: 'apple' })).data.news.provider).toBe('NEWSAPI');
    expect(newsapi.count('everything') - sent).toBe(3);

    const quota = (await gql(b, '{ newsQuota { used remaining dailyLimit } }')).data.newsQuota;
    expect(quota).toEqual({ used: 3, remaining: 0, dailyLimit: 3 });
    const refused = await gql(b, NEWS, { q: 'nvidia' });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', reason: 'dailyLimit' });
    expect(newsapi.count('everything') - sent).toBe(3);
    // What A fetched is cached for B too: served although the budget is spent.
    expect((await gql(b, NEWS, { q: 'tesla' })).data.news).toEqual({ provider: 'NEWSAPI', stale: false });
  });

  it('keep serving when Redis dies, report it, and recover by themselves when it is back', async () => {
    await redis.kill();
    for (const r of [a, b]) {
      await waitFor(`${r.name} to notice`, async () => (await ready(r)).body.redis === 'down');
      const status = await ready(r);
      expect(status).toEqual({ status: 200, degraded: 'redis', body: { ready: true, redis: 'down' } });
      expect((await gql(r, STATUS)).data.cacheStatus.shared.state).toBe('DOWN');
      const metrics = await (await fetch(`${r.base}/metrics`)).text();
      expect(metrics).toMatch(/^stockroom_redis_up 0$/m);
    }
    // Cached data from the local tier, new data from the upstream: no errors, no waiting on Redis.
    const started = Date.now();
    for (const r of [a, b]) {
      const cached = await gql(r, '{ stockInfo(symbol: "AAPL") { symbol stale } }');
      expect(cached).toEqual({ data: { stockInfo: { symbol: 'AAPL', stale: false } } });
      const fresh = await gql(r, '{ stockInfo(symbol: "NVDA") { symbol } }');
      expect(fresh).toEqual({ data: { stockInfo: { symbol: 'NVDA' } } });
    }
    expect(Date.now() - started).toBeLessThan(3000);
    const down = await gql(a, 'mutation { clearCache(caches: [STOCK_DATA]) { lastClearedAt } }', undefined, true);
    expect(down.errors?.[0]?.extensions).toMatchObject({ code: 'SHARED_CACHE_UNAVAILABLE', pendingClear: ['STOCK_DATA'] });
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();

    await redis.restart();
    for (const r of [a, b]) await waitFor(`${r.name} to reconnect`, async () => (await ready(r)).body.redis === 'up', 15_000);
    const back = await ready(b);
    expect(back).toEqual({ status: 200, degraded: null, body: { ready: true, redis: 'up' } });
    // Each may have missed messages while away: its local tier is gone, and A's clear went through.
    await waitFor('B to resync', async () => (await entriesOf(b, 'STOCK_INFO')) === 0);
    await waitFor("A's pending clear", async () => (await gql(a, STATUS)).data.cacheStatus.shared.pendingClear.length === 0);
    expect((await (await fetch(`${b.base}/metrics`)).text())).toMatch(/^stockroom_redis_up 1$/m);

    // Shared again: one upstream call for a key both ask for.
    yahoo.delay('quote', 300);
    const quotes = yahoo.count('quote');
    const Q = '{ stockInfo(symbol: "AMZN") { fetchedAt } }';
    const [ra, rb] = await Promise.all([gql(a, Q), gql(b, Q)]);
    yahoo.delay('quote', 0);
    expect(ra.data.stockInfo.fetchedAt).toBe(rb.data.stockInfo.fetchedAt);
    expect(yahoo.count('quote') - quotes).toBe(1);
  }, 60_000);
});
