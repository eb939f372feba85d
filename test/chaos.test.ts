// Upstream chaos under load: while the fake Yahoo flaps between 429, 500, timeouts and success,
// a bounded load (loopback only) of mixed queries runs against the real listener. Keys with a
// cached value never fail (stale data, marked), nothing answers 5xx, memory stays bounded, and
// once Yahoo recovers the caches recover by themselves. CHAOS_SECONDS / CHAOS_CONNECTIONS make
// it longer (e.g. `CHAOS_SECONDS=60 CHAOS_CONNECTIONS=100 npx vitest run test/chaos.test.ts`).
import { describe, expect, it } from 'vitest';
import type { YahooFault } from './fakes/yahoo.js';
import { serveOnFakeYahoo } from './helpers.js';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.CHAOS_CONNECTIONS ?? 40);

const { fake, url } = await serveOnFakeYahoo({
  YAHOO_TIMEOUT_MS: '250',
  CACHE_TTL_STOCK_DATA_S: '1',
  CACHE_TTL_STOCK_INFO_S: '1',
  CACHE_FAILURE_BACKOFF_S: '1',
  CACHE_MAX_MB: '8',
  CLIENT_UPSTREAM_BUDGET: '0',
  LOG_LEVEL: 'error',
});

const INFO_SYMBOLS = Array.from({ length: 20 }, (_, i) => `Q${i}`);
const DATA_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'BABA'];
const queries = [
  ...INFO_SYMBOLS.map((s) => ({ key: `info:${s}`, body: { query: `{ stockInfo(symbol: "${s}") { symbol price stale } }` }, pick: (d: any) => d.stockInfo })),
  ...DATA_SYMBOLS.map((s) => ({ key: `data:${s}`, body: { query: `{ stockData(symbol: "${s}", period: ONE_MONTH) { symbol bars { close } stale } }` }, pick: (d: any) => d.stockData })),
  { key: 'infos', body: { query: `{ stockInfos(symbols: ${JSON.stringify(INFO_SYMBOLS.slice(0, 10))}) { symbol stale } }` }, pick: (d: any) => d.stockInfos[0] },
];

async function post(body: object) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
}

describe('chaos', () => {
  it(`keeps serving through ${SECONDS} s of flapping upstream at ${CONNECTIONS} connections`, { timeout: (SECONDS + 30) * 1000 }, async () => {
    // Warm every key once while Yahoo is healthy.
    for (const q of queries) expect((await post(q.body)).status).toBe(200);

    const faults: Array<YahooFault | null> = [{ status: 429, body: 'Edge: Too Many Requests' }, { status: 500 }, 'timeout', null, { status: 503 }, 'garbage'];
    let phase = 0;
    const flapper = setInterval(() => {
      fake.clearFaults();
      const fault = faults[phase++ % faults.length];
      if (fault) fake.fail('*', fault);
    }, 400);

    const stats = { total: 0, fiveXx: 0, failedCachedKey: 0, stale: 0, fresh: 0 };
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, worker) => {
        for (let i = worker; Date.now() < deadline; i++) {
          const q = queries[i % queries.length];
          const { status, json } = await post(q.body);
          stats.total++;
          if (status >= 500) stats.fiveXx++;
          const value = json.data ? q.pick(json.data) : null;
          if (!value) stats.failedCachedKey++;
          else if (value.stale) stats.stale++;
          else stats.fresh++;
        }
      }),
    );
    clearInterval(flapper);
    clearInterval(sampler);
    fake.clearFaults();

    expect(stats.total).toBeGreaterThan(200);
    expect(stats.fiveXx).toBe(0);
    expect(stats.failedCachedKey).toBe(0); // every key had a value younger than CACHE_MAX_STALE_S
    expect(stats.stale).toBeGreaterThan(0); // failures were served stale…
    expect(stats.fresh).toBeGreaterThan(0); // …and healthy phases refreshed
    expect(Math.max(...rss) - Math.min(...rss)).toBeLessThan(300 * 1024 * 1024);

    // Recovery by itself: after backoff and TTL, every key is fresh again.
    await new Promise((r) => setTimeout(r, 2200));
    for (const q of queries) {
      const { status, json } = await post(q.body);
      expect(status).toBe(200);
      expect(q.pick(json.data).stale).toBe(false);
    }
    const status = await post({ query: '{ cacheStatus { caches { name staleServed upstreamErrors } } }' });
    const byName = Object.fromEntries(status.json.data.cacheStatus.caches.map((c: any) => [c.name, c]));
    expect(byName.STOCK_INFO.staleServed + byName.STOCK_DATA.staleServed).toBeGreaterThan(0);
    console.log(`chaos: ${JSON.stringify(stats)}; yahoo requests ${fake.count()}; rss ${Math.round(Math.min(...rss) / 1e6)}–${Math.round(Math.max(...rss) / 1e6)} MB`);
  });
});
