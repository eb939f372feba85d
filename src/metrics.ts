// Prometheus metrics (/metrics). One registry per app (tests run several apps in one process).
// Cache and store counters are read at scrape time from the services' own exact counters, so
// the hot path pays nothing for them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  caches: () => Array<{ name: string; entries: number; hits: number; misses: number; coalesced: number; staleServed: number; upstreamCalls: number; upstreamErrors: number; evictions: number }>;
  responseCache: () => { hits: number; misses: number; stored: number; retired: number; entries: number } | undefined;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpDuration: Histogram<'route'>;
  readonly upstreamRequests: Counter<'upstream' | 'status'>;
  readonly upstreamDuration: Histogram<'upstream'>;
  private readonly extraCollectors: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'stockroom_' });
    this.httpRequests = new Counter({ name: 'stockroom_http_requests_total', help: 'HTTP requests answered', labelNames: ['route', 'method', 'status'], registers });
    this.httpDuration = new Histogram({
      name: 'stockroom_http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
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
