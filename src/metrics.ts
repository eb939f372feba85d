// Prometheus metrics (/metrics). One registry per app (tests run several apps in one process).
// Cache and store counters are read at scrape time from the services' own exact counters, so
// the hot path pays nothing for them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export interface MetricsSources {
  caches: () => Array<{ name: string; entries: number; hits: number; misses: number; coalesced: number; staleServed: number; upstreamCalls: number; upstreamErrors: number; evictions: number }>;
  responseCache: () => { hits: number; misses: number; stored: number; retired: number; entries: number } | undefined;
}

export class Metrics {
  readonly registry = new Registry();
  /** Request counts and latency per route; see HttpMeter. */
  readonly http: HttpMeter;
  readonly upstreamRequests: Counter<'upstream' | 'status'>;
  readonly upstreamDuration: Histogram<'upstream'>;
  private readonly extraCollectors: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'stockroom_' });
    this.http = new HttpMeter(this.registry);
    this.upstreamRequests = new Counter({ name: 'stockroom_upstream_requests_total', help: 'Requests sent to upstreams, by answer status (error = no answer)', labelNames: ['upstream', 'status'], registers });
    this.upstreamDuration = new Histogram({
      name: 'stockroom_upstream_request_duration_seconds',
      help: 'Upstream request latency',
      labelNames: ['upstream'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });

    const cacheCounter = (name: string, help: string, pick: (c: ReturnType<MetricsSources['caches']>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['cache'],
        registers,
        collect() {
          for (const c of sources.caches()) this.set({ cache: c.name }, pick(c));
        },
      });
    cacheCounter('stockroom_cache_entries', 'Entries in each cache', (c) => c.entries);
    cacheCounter('stockroom_cache_hits_total', 'Lookups answered from the cache', (c) => c.hits);
    cacheCounter('stockroom_cache_misses_total', 'Lookups that needed the upstream', (c) => c.misses);
    cacheCounter('stockroom_cache_coalesced_total', 'Misses that joined an upstream call in flight', (c) => c.coalesced);
    cacheCounter('stockroom_cache_stale_served_total', 'Answers served stale because the upstream failed', (c) => c.staleServed);
    cacheCounter('stockroom_cache_upstream_calls_total', 'Upstream calls made by each cache', (c) => c.upstreamCalls);
    cacheCounter('stockroom_cache_upstream_errors_total', 'Upstream calls that failed', (c) => c.upstreamErrors);
    cacheCounter('stockroom_cache_evictions_total', 'Entries evicted to stay within the memory bound', (c) => c.evictions);

    const responseGauge = (name: string, help: string, pick: (r: NonNullable<ReturnType<MetricsSources['responseCache']>>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const r = sources.responseCache();
          if (r) this.set(pick(r));
        },
      });
    responseGauge('stockroom_response_cache_hits_total', 'Requests answered with a reused serialized response', (r) => r.hits);
    responseGauge('stockroom_response_cache_misses_total', 'Reusable-looking requests that had to execute', (r) => r.misses);
    responseGauge('stockroom_response_cache_entries', 'Serialized responses held', (r) => r.entries);
  }

  /** Adds a gauge read at scrape time (news quota, model store, …). */
  gauge(name: string, help: string, labelNames: string[], read: () => Array<{ labels?: Record<string, string>; value: number }>): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        for (const { labels, value } of read()) (labels ? this.set(labels, value) : this.set(value));
      },
    });
  }

  observeUpstream(upstream: string, status: number | 'error', seconds: number): void {
    this.upstreamRequests.inc({ upstream, status: String(status) });
    this.upstreamDuration.observe({ upstream }, seconds);
  }
}

const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One route's tallies: counts by method and status, and a latency histogram (per-bucket, not cumulative). */
export class RouteMeter {
  readonly counts = new Map<string, Map<number, number>>();
  readonly buckets = new Float64Array(HTTP_BUCKETS.length + 1);
  sum = 0;

  constructor(readonly route: string) {}

  record(method: string, status: number, seconds: number): void {
    let byStatus = this.counts.get(method);
    if (!byStatus) this.counts.set(method, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    let i = 0;
    while (i < HTTP_BUCKETS.length && seconds > HTTP_BUCKETS[i]) i++;
    this.buckets[i]++;
    this.sum += seconds;
  }
}

interface ComputedValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** A metric whose series are computed from the caller's own tallies at scrape time. */
function registerComputed(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', values: () => ComputedValue[]): void {
  registry.registerMetric({ name, help, type, get: async () => ({ name, help, type, aggregator: 'sum', values: values() }) } as unknown as Metric);
}

/**
 * stockroom_http_requests_total and stockroom_http_request_duration_seconds. Every request is
 * recorded, so the hot path does plain arithmetic on a route's tallies (prom-client's labelled
 * inc/observe hash a label object per call, a measurable share of a reused answer); the series
 * are built from the tallies when /metrics is scraped.
 */
export class HttpMeter {
  private readonly routes = new Map<string, RouteMeter>();

  constructor(registry: Registry) {
    const routes = this.routes;
    registerComputed(registry, 'stockroom_http_requests_total', 'HTTP requests answered', 'counter', () =>
      [...routes.values()].flatMap((meter) =>
        [...meter.counts].flatMap(([method, byStatus]) =>
          [...byStatus].map(([status, value]) => ({ labels: { route: meter.route, method, status: String(status) }, value })),
        ),
      ),
    );
    const name = 'stockroom_http_request_duration_seconds';
    registerComputed(registry, name, 'Time to answer an HTTP request', 'histogram', () =>
      [...routes.values()].flatMap((meter): ComputedValue[] => {
        let cumulative = 0;
        const buckets = HTTP_BUCKETS.map((le, i) => {
          cumulative += meter.buckets[i];
          return { metricName: `${name}_bucket`, labels: { le, route: meter.route }, value: cumulative };
        });
        const count = cumulative + meter.buckets[HTTP_BUCKETS.length];
        return [
          ...buckets,
          { metricName: `${name}_bucket`, labels: { le: '+Inf', route: meter.route }, value: count },
          { metricName: `${name}_sum`, labels: { route: meter.route }, value: meter.sum },
          { metricName: `${name}_count`, labels: { route: meter.route }, value: count },
        ];
      }),
    );
  }

  /** The tallies of one route (a small fixed set: never derive it from the raw URL). */
  route(route: string): RouteMeter {
    let meter = this.routes.get(route);
    if (!meter) this.routes.set(route, (meter = new RouteMeter(route)));
    return meter;
  }
}
