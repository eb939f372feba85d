// /metrics in Prometheus text format, read from the services' exact counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { listen, makeApp, type TestApp } from './helpers.js';

let fake: FakeYahoo;
let app: TestApp;
let base: string;
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  fake = await startFakeYahoo();
  app = makeApp({ YAHOO_BASE_URL: fake.url });
  server = await listen(app);
  base = server.base;
});
afterAll(async () => {
  await server.close();
  await app.close();
  await fake.close();
});

const post = (query: string) =>
  fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then((r) => r.json());

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  it('reports requests, cache counters, reused responses and upstream calls', async () => {
    const q = '{ stockInfo(symbol: "AAPL") { symbol price } }';
    for (let i = 0; i < 3; i++) await post(q);
    fake.fail('chart', { status: 503 });
    await post('{ stockData(symbol: "MSFT") { symbol } }');
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(value(text, 'stockroom_cache_hits_total{cache="STOCK_INFO"}')).toBe(2);
    expect(value(text, 'stockroom_cache_misses_total{cache="STOCK_INFO"}')).toBe(1);
    expect(value(text, 'stockroom_cache_upstream_errors_total{cache="STOCK_DATA"}')).toBe(1);
    expect(value(text, 'stockroom_response_cache_hits_total')).toBe(2);
    expect(value(text, 'stockroom_upstream_requests_total{upstream="yahoo",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'stockroom_upstream_requests_total{upstream="yahoo",status="503"}')).toBe(1);
    expect(value(text, 'stockroom_http_requests_total{route="graphql",method="POST",status="200"}')).toBe(4);
    expect(text).toContain('stockroom_http_request_duration_seconds_bucket{le="0.005",route="graphql"}');
    expect(text).toContain('stockroom_process_resident_memory_bytes');
    expect(value(text, 'stockroom_newsapi_quota{state="limit"}')).toBe(100);
    expect(value(text, 'stockroom_newsapi_quota{state="used"}')).toBe(0);
  });
});
