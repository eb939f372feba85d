// The cache beneath every upstream, driven directly: these rules are what keep upstream calls low.
import { describe, expect, it } from 'vitest';
import { NOT_FOUND, UpstreamCache, type UpstreamCacheOptions } from '../src/cache/upstream-cache.js';
import { AppError } from '../src/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeCache(overrides: Partial<UpstreamCacheOptions> = {}) {
  return new UpstreamCache<{ n: number; key: string }>({
    name: 'TEST',
    ttlMs: 60_000,
    maxStaleMs: 60_000,
    notFoundTtlMs: 60_000,
    backoffMs: 0,
    maxBytes: 10_000_000,
    maxEntries: 1000,
    notFoundError: (key) => new AppError('SYMBOL_NOT_FOUND', `missing ${key}`),
    ...overrides,
  });
}

/** An upstream that counts calls and can be told to fail. */
function upstream() {
  const state = { calls: 0, batches: [] as string[][], failWith: undefined as Error | undefined, delayMs: 5, missing: new Set<string>() };
  const fetchMany = async (keys: string[]) => {
    state.calls++;
    state.batches.push(keys);
    await sleep(state.delayMs);
    if (state.failWith) throw state.failWith;
    return new Map(keys.filter((k) => !state.missing.has(k)).map((k) => [k, { n: state.calls, key: k }]));
  };
  return { state, fetchMany, fetchOne: async (key: string) => (await fetchMany([key])).get(key) ?? NOT_FOUND };
}

describe('UpstreamCache', () => {
  it('coalesces concurrent requests for one key into one upstream call', async () => {
    const cache = makeCache();
    const up = upstream();
    const results = await Promise.all(Array.from({ length: 25 }, () => cache.get('AAPL', up.fetchOne)));
    expect(up.state.calls).toBe(1);
    expect(new Set(results.map((r) => r.value.n))).toEqual(new Set([1]));
    expect(cache.counters).toMatchObject({ upstreamCalls: 1, misses: 25, coalesced: 24, hits: 0 });
    await cache.get('AAPL', up.fetchOne);
    expect(cache.counters.hits).toBe(1);
    expect(up.state.calls).toBe(1);
  });

  it('batches uncached keys into chunks and skips cached ones', async () => {
    const cache = makeCache();
    const up = upstream();
    const keys = Array.from({ length: 120 }, (_, i) => `S${i}`);
    await cache.getMany(keys.slice(0, 10), up.fetchMany, 50);
    expect(up.state.calls).toBe(1);
    const results = await cache.getMany(keys, up.fetchMany, 50);
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    // 110 uncached keys → 50 + 50 + 10
    expect(up.state.batches.slice(1).map((b) => b.length)).toEqual([50, 50, 10]);
    expect(up.state.batches.slice(1).flat()).not.toContain('S0');
  });

  it('remembers unknown keys as not found for a while', async () => {
    const cache = makeCache();
    const up = upstream();
    up.state.missing.add('NOPE');
    await expect(cache.get('NOPE', up.fetchOne)).rejects.toMatchObject({ code: 'SYMBOL_NOT_FOUND' });
    await expect(cache.get('NOPE', up.fetchOne)).rejects.toMatchObject({ code: 'SYMBOL_NOT_FOUND' });
    expect(up.state.calls).toBe(1);
  });

  it('refetches after the TTL and serves the old value, marked stale, when the upstream fails', async () => {
    const cache = makeCache({ ttlMs: 40, maxStaleMs: 10_000, backoffMs: 10_000 });
    const up = upstream();
    const first = await cache.get('AAPL', up.fetchOne);
    expect(first.stale).toBe(false);
    await sleep(60);
    up.state.failWith = new AppError('UPSTREAM_UNAVAILABLE', 'down');
    const second = await cache.get('AAPL', up.fetchOne);
    expect(second).toMatchObject({ stale: true, value: { n: 1 } });
    expect(second.fetchedAt).toEqual(first.fetchedAt);
    expect(up.state.calls).toBe(2);
    // Backed off: more requests are served stale without calling the upstream.
    for (let i = 0; i < 5; i++) expect((await cache.get('AAPL', up.fetchOne)).stale).toBe(true);
    expect(up.state.calls).toBe(2);
    expect(cache.counters.staleServed).toBe(6);
  });

  it('fails with the upstream error when nothing usable is cached, and backs off the key', async () => {
    const cache = makeCache({ ttlMs: 20, maxStaleMs: 0, backoffMs: 10_000 });
    const up = upstream();
    await cache.get('AAPL', up.fetchOne);
    await sleep(40);
    up.state.failWith = new AppError('UPSTREAM_RATE_LIMITED', 'slow down');
    await expect(cache.get('AAPL', up.fetchOne)).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    await expect(cache.get('AAPL', up.fetchOne)).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    expect(up.state.calls).toBe(2);
  });

  it('recovers by itself once the backoff has passed', async () => {
    const cache = makeCache({ ttlMs: 20, backoffMs: 50 });
    const up = upstream();
    await cache.get('AAPL', up.fetchOne);
    await sleep(30);
    up.state.failWith = new AppError('UPSTREAM_UNAVAILABLE', 'down');
    expect((await cache.get('AAPL', up.fetchOne)).stale).toBe(true);
    up.state.failWith = undefined;
    await sleep(60);
    const fresh = await cache.get('AAPL', up.fetchOne);
    expect(fresh.stale).toBe(false);
    expect(fresh.value.n).toBe(3);
  });

  it('clear() empties it, and a call in flight during the clear does not repopulate it', async () => {
    const cache = makeCache();
    const up = upstream();
    up.state.delayMs = 30;
    const pending = cache.get('AAPL', up.fetchOne);
    cache.clear();
    await pending;
    expect(cache.size).toBe(0);
    await cache.get('AAPL', up.fetchOne);
    expect(up.state.calls).toBe(2);
  });

  it('stays within its memory bound by evicting least recently used entries', async () => {
    const cache = makeCache({ maxBytes: 2_000 });
    const up = upstream();
    for (let i = 0; i < 100; i++) await cache.get(`KEY${i}`, up.fetchOne);
    expect(cache.size).toBeLessThan(100);
    expect(cache.counters.evictions).toBe(100 - cache.size);
  });
});
