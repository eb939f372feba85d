// Market data through the whole server (yoga.fetch in-process) against the fake Yahoo, reached
// only through YAHOO_BASE_URL. Upstream calls are counted in the fake.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { ADMIN_TOKEN, asAdmin, makeApp, type TestApp } from './helpers.js';

let fake: FakeYahoo;
const apps: TestApp[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fake = await startFakeYahoo();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  fake.reset();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function app(env: Record<string, string> = {}): TestApp {
  const a = makeApp({ YAHOO_BASE_URL: fake.url, YAHOO_TIMEOUT_MS: '2000', ...env });
  apps.push(a);
  return a;
}

const INFO = 'query($s: String!) { stockInfo(symbol: $s) { symbol name price currency exchange fetchedAt stale } }';
const DATA = 'query($s: String!, $p: Period, $i: Interval) { stockData(symbol: $s, period: $p, interval: $i) { symbol period interval currency bars { time open close adjClose volume } fetchedAt stale } }';
const INFOS = 'query($s: [String!]!) { stockInfos(symbols: $s) { symbol price } }';
const STATUS = '{ cacheStatus { lastClearedAt caches { name ttlSeconds entries hits misses coalesced hitRate staleServed upstreamCalls evictions } } }';

const synthetic = (n: number, prefix = 'S') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('stockInfo', () => {
  it('serves the recorded quote, then from the cache without another upstream call', async () => {
    const a = app();
    const first = await a.gql(INFO, { s: 'AAPL' });
    expect(first.errors).toBeUndefined();
    expect(first.data.stockInfo).toMatchObject({ symbol: 'AAPL', name: 'Apple Inc.', currency: 'USD', stale: false });
    expect(typeof first.data.stockInfo.price).toBe('number');
    expect(fake.count('quote')).toBe(1);

    const second = await a.gql(INFO, { s: ' aapl ' });
    expect(second.data.stockInfo).toEqual(first.data.stockInfo);
    expect(fake.count('quote')).toBe(1);

    const status = await a.gql(STATUS);
    const info = status.data.cacheStatus.caches.find((c: any) => c.name === 'STOCK_INFO');
    expect(info).toMatchObject({ ttlSeconds: 1800, entries: 1, hits: 1, misses: 1, upstreamCalls: 1, hitRate: 0.5, staleServed: 0 });
  });

  it('batches several stockInfo fields of one operation into one upstream request', async () => {
    const a = app();
    const res = await a.gql('{ a: stockInfo(symbol: "AAPL") { price } b: stockInfo(symbol: "MSFT") { price } c: stockInfo(symbol: "BABA") { price } d: stockInfo(symbol: "aapl") { price } }');
    expect(res.errors).toBeUndefined();
    expect(fake.count('quote')).toBe(1);
    expect(fake.symbolsRequested('quote')[0].sort()).toEqual(['AAPL', 'BABA', 'MSFT']);
  });

  it('fetches the company profile only when it is selected, and caches it', async () => {
    const a = app();
    await a.gql(INFO, { s: 'AAPL' });
    expect(fake.count('quoteSummary')).toBe(0);
    const q = 'query($s: String!) { stockInfo(symbol: $s) { symbol profile { sector industry employees website country summary } } }';
    const res = await a.gql(q, { s: 'AAPL' });
    expect(res.data.stockInfo.profile).toMatchObject({ sector: 'Technology', industry: 'Consumer Electronics' });
    expect(res.data.stockInfo.profile.employees).toBeGreaterThan(1000);
    await a.gql(q, { s: 'AAPL' });
    expect(fake.count('quoteSummary')).toBe(1);
  });

  it('refetches after the TTL expires', async () => {
    const a = app({ CACHE_TTL_STOCK_INFO_S: '1' });
    const first = await a.gql(INFO, { s: 'AAPL' });
    await sleep(1100);
    const second = await a.gql(INFO, { s: 'AAPL' });
    expect(fake.count('quote')).toBe(2);
    expect(second.data.stockInfo.stale).toBe(false);
    expect(new Date(second.data.stockInfo.fetchedAt).getTime()).toBeGreaterThan(new Date(first.data.stockInfo.fetchedAt).getTime());
  });
});

describe('stockInfos', () => {
  it('costs one upstream request per 50 uncached symbols, none for cached ones', async () => {
    const a = app();
    const symbols = synthetic(100);
    const res = await a.gql(INFOS, { s: symbols });
    expect(res.errors).toBeUndefined();
    expect(res.data.stockInfos.map((i: any) => i.symbol)).toEqual(symbols);
    expect(fake.symbolsRequested('quote').map((batch) => batch.length)).toEqual([50, 50]);

    await a.gql(INFOS, { s: symbols });
    expect(fake.count('quote')).toBe(2);

    // 10 cached + 30 new → one request for exactly the 30 new ones.
    const mixed = [...symbols.slice(0, 10), ...synthetic(30, 'T')];
    await a.gql(INFOS, { s: mixed });
    expect(fake.count('quote')).toBe(3);
    expect(fake.symbolsRequested('quote')[2].sort()).toEqual(synthetic(30, 'T'));
  });

  it('answers null plus a path error for each unknown or invalid symbol, and the rest normally', async () => {
    const a = app();
    const res = await a.gql(INFOS, { s: ['AAPL', 'NOPE1', 'MSFT', '../x'] });
    expect(res.data.stockInfos[0].symbol).toBe('AAPL');
    expect(res.data.stockInfos[1]).toBeNull();
    expect(res.data.stockInfos[2].symbol).toBe('MSFT');
    expect(res.data.stockInfos[3]).toBeNull();
    const byIndex = Object.fromEntries(res.errors!.map((e) => [e.path![1], e.extensions!.code]));
    expect(byIndex).toEqual({ 1: 'SYMBOL_NOT_FOUND', 3: 'INVALID_SYMBOL' });
    expect(fake.count('quote')).toBe(1);
  });

  it('refuses more than 250 symbols with BAD_USER_INPUT and calls nobody', async () => {
    const a = app();
    const res = await a.gql(INFOS, { s: synthetic(251) });
    expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('250');
    expect(fake.count()).toBe(0);
  });

  it('remembers unknown symbols so repeated garbage costs no upstream calls', async () => {
    const a = app();
    for (let i = 0; i < 3; i++) {
      const res = await a.gql(INFO, { s: 'NOPE42' });
      expect(res.errors![0].extensions!.code).toBe('SYMBOL_NOT_FOUND');
    }
    expect(fake.count('quote')).toBe(1);
  });
});

describe('stockData', () => {
  it('returns a year of daily bars from chart() and caches them', async () => {
    const a = app();
    const res = await a.gql(DATA, { s: 'msft' });
    expect(res.errors).toBeUndefined();
    const d = res.data.stockData;
    expect(d).toMatchObject({ symbol: 'MSFT', period: 'ONE_YEAR', interval: 'ONE_DAY', currency: 'USD', stale: false });
    expect(d.bars.length).toBeGreaterThan(240);
    expect(d.bars.length).toBeLessThan(260);
    expect(Date.parse(d.bars[0].time)).toBeLessThan(Date.parse(d.bars.at(-1).time));
    expect(typeof d.bars[0].close).toBe('number');
    expect(fake.requests.find((r) => r.kind === 'chart')!.query.interval).toBe('1d');
    await a.gql(DATA, { s: 'MSFT', p: 'ONE_YEAR', i: 'ONE_DAY' });
    expect(fake.count('chart')).toBe(1);
  });

  it('caches each period and interval separately', async () => {
    const a = app();
    await a.gql(DATA, { s: 'AAPL', p: 'FIVE_DAYS', i: 'FIVE_MINUTES' });
    await a.gql(DATA, { s: 'AAPL', p: 'ONE_MONTH', i: 'ONE_DAY' });
    await a.gql(DATA, { s: 'AAPL', p: 'FIVE_DAYS', i: 'FIVE_MINUTES' });
    expect(fake.count('chart')).toBe(2);
    expect(fake.requests.filter((r) => r.kind === 'chart').map((r) => r.query.interval)).toEqual(['5m', '1d']);
  });

  it('refuses interval/period pairs Yahoo refuses, naming the allowed periods, without calling Yahoo', async () => {
    const a = app();
    const res = await a.gql(DATA, { s: 'AAPL', p: 'ONE_YEAR', i: 'ONE_MINUTE' });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowedPeriods: ['ONE_DAY', 'FIVE_DAYS'] });
    expect(fake.count()).toBe(0);
  });

  it('coalesces concurrent identical requests from different clients into one upstream call', async () => {
    const a = app();
    fake.delay('chart', 300);
    const results = await Promise.all(Array.from({ length: 20 }, () => a.gql(DATA, { s: 'NVDA' })));
    expect(results.every((r) => r.data?.stockData.symbol === 'NVDA')).toBe(true);
    expect(fake.count('chart')).toBe(1);
    const status = await a.gql(STATUS);
    const cache = status.data.cacheStatus.caches.find((c: any) => c.name === 'STOCK_DATA');
    expect(cache).toMatchObject({ misses: 20, coalesced: 19, upstreamCalls: 1 });
  });

  it('says SYMBOL_NOT_FOUND for an unknown symbol', async () => {
    const a = app();
    const res = await a.gql(DATA, { s: 'NOPE7' });
    expect(res.errors![0].extensions!.code).toBe('SYMBOL_NOT_FOUND');
    expect(res.data).toBeNull();
  });
});

describe('when Yahoo fails', () => {
  it('serves the expired value marked stale, and backs off instead of hammering Yahoo', async () => {
    const a = app({ CACHE_TTL_STOCK_DATA_S: '1', CACHE_FAILURE_BACKOFF_S: '60' });
    const fresh = await a.gql(DATA, { s: 'AAPL' });
    await sleep(1100);
    fake.fail('chart', { status: 429, body: 'Edge: Too Many Requests' });
    const stale = await a.gql(DATA, { s: 'AAPL' });
    expect(stale.errors).toBeUndefined();
    expect(stale.data.stockData.stale).toBe(true);
    expect(stale.data.stockData.fetchedAt).toBe(fresh.data.stockData.fetchedAt);
    expect(stale.data.stockData.bars).toEqual(fresh.data.stockData.bars);
    for (let i = 0; i < 5; i++) expect((await a.gql(DATA, { s: 'AAPL' })).data.stockData.stale).toBe(true);
    expect(fake.count('chart')).toBe(2);
    const status = await a.gql(STATUS);
    expect(status.data.cacheStatus.caches.find((c: any) => c.name === 'STOCK_DATA').staleServed).toBe(6);
  });

  it('recovers by itself once Yahoo answers again', async () => {
    const a = app({ CACHE_TTL_STOCK_INFO_S: '1', CACHE_FAILURE_BACKOFF_S: '1' });
    await a.gql(INFO, { s: 'AAPL' });
    await sleep(1100);
    fake.fail('quote', { status: 503 });
    expect((await a.gql(INFO, { s: 'AAPL' })).data.stockInfo.stale).toBe(true);
    fake.clearFaults();
    await sleep(1100);
    const again = await a.gql(INFO, { s: 'AAPL' });
    expect(again.data.stockInfo.stale).toBe(false);
    expect(fake.count('quote')).toBe(3);
  });

  it.each([
    ['a 429', { status: 429, body: 'Edge: Too Many Requests' }, 'UPSTREAM_RATE_LIMITED'],
    ['a 500', { status: 500 }, 'UPSTREAM_UNAVAILABLE'],
    ['a 502', { status: 502 }, 'UPSTREAM_UNAVAILABLE'],
    ['garbage', 'garbage', 'UPSTREAM_UNAVAILABLE'],
    ['data of the wrong shape', 'invalid', 'UPSTREAM_UNAVAILABLE'],
    ['no answer in time', 'timeout', 'UPSTREAM_UNAVAILABLE'],
  ] as const)('answers %s with nothing cached as %s', async (_what, fault, code) => {
    const a = app({ YAHOO_TIMEOUT_MS: '300' });
    fake.fail('chart', fault as never);
    const res = await a.gql(DATA, { s: 'AAPL' });
    expect(res.errors![0].extensions!.code).toBe(code);
    expect(res.errors![0].message).not.toMatch(/127\.0\.0\.1|stack|at /);
    expect(res.data).toBeNull();
  });
});

describe('input validation', () => {
  it.each(['', '   ', 'x'.repeat(200), '../x', 'A B', 'AAPL;DROP', '<script>'])('refuses %j as INVALID_SYMBOL without calling Yahoo', async (symbol) => {
    const a = app();
    const res = await a.gql(INFO, { s: symbol });
    expect(res.errors![0].extensions!.code).toBe('INVALID_SYMBOL');
    expect(fake.count()).toBe(0);
  });

  it.each(['BRK.B', '^GSPC', 'EURUSD=X', 'BTC-USD', '0700.HK', 'ES=F'])('accepts %s', async (symbol) => {
    const a = app();
    const res = await a.gql(INFO, { s: symbol });
    expect(res.errors?.[0]?.extensions?.code).not.toBe('INVALID_SYMBOL');
  });
});

describe('clearCache', () => {
  const CLEAR = 'mutation($c: [CacheName!]) { clearCache(caches: $c) { lastClearedAt caches { name entries } } }';

  it('needs the admin token', async () => {
    const a = app();
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: ADMIN_TOKEN }] as Array<Record<string, string>>) {
      const res = await a.gql(CLEAR, {}, headers);
      expect(res.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      expect(res.data).toBeNull();
    }
  });

  it('empties only the named caches, and the next request goes upstream again', async () => {
    const a = app();
    await a.gql(INFO, { s: 'AAPL' });
    await a.gql(DATA, { s: 'AAPL' });
    const res = await a.gql(CLEAR, { c: ['STOCK_DATA'] }, asAdmin);
    expect(res.errors).toBeUndefined();
    const entries = Object.fromEntries(res.data.clearCache.caches.map((c: any) => [c.name, c.entries]));
    expect(entries).toMatchObject({ STOCK_DATA: 0, STOCK_INFO: 1 });
    expect(res.data.clearCache.lastClearedAt).not.toBeNull();
    await a.gql(INFO, { s: 'AAPL' });
    await a.gql(DATA, { s: 'AAPL' });
    expect(fake.count('quote')).toBe(1);
    expect(fake.count('chart')).toBe(2);

    await a.gql(CLEAR, {}, asAdmin);
    await a.gql(INFO, { s: 'AAPL' });
    expect(fake.count('quote')).toBe(2);
    expect(a.logs.join('\n')).not.toContain(ADMIN_TOKEN);
  });
});

describe('HTTP', () => {
  it('serves GET queries, /health and /ready', async () => {
    const a = app();
    const get = await a.yoga.fetch(`http://stockroom.test/graphql?query=${encodeURIComponent('{ stockInfo(symbol: "AAPL") { symbol } }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { stockInfo: { symbol: 'AAPL' } } });
    expect((await a.yoga.fetch('http://stockroom.test/health')).status).toBe(200);
    expect((await a.yoga.fetch('http://stockroom.test/ready')).status).toBe(200);
  });

  it('refuses bodies over MAX_REQUEST_BYTES with 413, and bodies without a length with 411', async () => {
    const a = app({ MAX_REQUEST_BYTES: '2048' });
    const big = await a.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '5000' },
      body: JSON.stringify({ query: `{ cacheStatus { lastClearedAt } } # ${'x'.repeat(4900)}` }),
    });
    expect(big.status).toBe(413);
    const chunked = await a.yoga.fetch(
      new Request('http://stockroom.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob(['{"query":"{ cacheStatus { lastClearedAt } }"}']).stream(),
        duplex: 'half',
      } as RequestInit),
    );
    expect(chunked.status).toBe(411);
  });

  it('masks unexpected errors', async () => {
    const { toClientError } = await import('../src/app.js');
    const masked = toClientError(new Error('secret internals at /srv/x.ts:1'), 'Unexpected error.');
    expect(masked.message).toBe('Unexpected error.');
    expect(JSON.stringify(masked)).not.toContain('secret internals');
  });
});
