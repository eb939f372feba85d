// /metrics in Prometheus text format, read from the services' exact counters.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { HttpMeter } from '../src/metrics.js';
import { serveOnFakeYahoo } from './helpers.js';

const { fake, server } = await serveOnFakeYahoo();
const base = server.base;

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

describe('HTTP request metrics', () => {
  it('count every route, method and status, with a cumulative latency histogram', async () => {
    const registry = new Registry();
    const meter = new HttpMeter(registry);
    const graphql = meter.route('graphql');
    graphql.record('POST', 200, 0.0004); // first bucket
    graphql.record('POST', 200, 0.0005); // le is inclusive
    graphql.record('GET', 304, 0.003);
    graphql.record('POST', 400, 20); // past the last bucket: only +Inf
    meter.route('health').record('GET', 200, 0.001);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE stockroom_http_requests_total counter');
    expect(text).toContain('# TYPE stockroom_http_request_duration_seconds histogram');
    expect(value(text, 'stockroom_http_requests_total{route="graphql",method="POST",status="200"}')).toBe(2);
    expect(value(text, 'stockroom_http_requests_total{route="graphql",method="GET",status="304"}')).toBe(1);
    expect(value(text, 'stockroom_http_requests_total{route="graphql",method="POST",status="400"}')).toBe(1);
    expect(value(text, 'stockroom_http_requests_total{route="health",method="GET",status="200"}')).toBe(1);
    const bucket = (le: string, route = 'graphql') => value(text, `stockroom_http_request_duration_seconds_bucket{le="${le}",route="${route}"}`);
    expect(bucket('0.0005')).toBe(2);
    expect(bucket('0.001')).toBe(2);
    expect(bucket('0.0025')).toBe(2);
    expect(bucket('0.005')).toBe(3);
    expect(bucket('10')).toBe(3);
    expect(bucket('+Inf')).toBe(4);
    expect(value(text, 'stockroom_http_request_duration_seconds_count{route="graphql"}')).toBe(4);
    expect(value(text, 'stockroom_http_request_duration_seconds_sum{route="graphql"}')).toBeCloseTo(20.0039, 6);
    expect(bucket('0.001', 'health')).toBe(1);
    expect(bucket('0.0005', 'health')).toBe(0);
  });

  it('are recorded by the server for answered, reused and refused requests alike', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    const count = (text: string, labels: string) => value(text, `stockroom_http_requests_total{${labels}}`) ?? 0;
    const q = encodeURIComponent('{ stockInfo(symbol: "AAPL") { symbol } }');
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/graphql?query=${q}`, { headers: { accept: 'application/json' } })).text();
    await (await fetch(`${base}/graphql?query=%7B`, { headers: { accept: 'application/graphql-response+json' } })).text(); // a syntax error: 400
    await (await fetch(`${base}/health`)).text();
    await (await fetch(`${base}/nowhere`)).text();
    const after = await (await fetch(`${base}/metrics`)).text();
    const delta = (labels: string) => count(after, labels) - count(before, labels);
    expect(delta('route="graphql",method="GET",status="200"')).toBe(3);
    expect(delta('route="graphql",method="GET",status="400"')).toBe(1);
    expect(delta('route="health",method="GET",status="200"')).toBe(1);
    expect(delta('route="other",method="GET",status="404"')).toBe(1);
    const histogramCount = (text: string) => value(text, 'stockroom_http_request_duration_seconds_count{route="graphql"}') ?? 0;
    expect(histogramCount(after) - histogramCount(before)).toBe(4);
  });
});
