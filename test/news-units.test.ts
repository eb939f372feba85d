// Small pure parts of the news domain: the NewsAPI query for a symbol, the rolling budget.
import { describe, expect, it, vi } from 'vitest';
import { NOT_FOUND, UpstreamCache } from '../src/cache/upstream-cache.js';
import { NewsQuota } from '../src/services/news-quota.js';
import { headlineName, newsApiQuery } from '../src/services/newsapi.js';

describe('NewsAPI query for a symbol', () => {
  it.each([
    ['Apple Inc.', 'Apple'],
    ['Tesla, Inc.', 'Tesla'],
    ['Microsoft Corporation', 'Microsoft'],
    ['Alphabet Inc. Class A', 'Alphabet'],
    ['NVIDIA Corporation', 'NVIDIA'],
    ['Berkshire Hathaway Inc. New', 'Berkshire Hathaway'],
    ['Equinor ASA', 'Equinor'],
    ['The Coca-Cola Company', 'Coca-Cola'],
    ['The Trade Desk, Inc.', 'Trade Desk'],
    ['S&P 500', 'S&P 500'],
    ['Co', 'Co'],
  ])('%s is searched as %s', (name, expected) => {
    expect(headlineName(name)).toBe(expected);
  });

  it('searches the company name or the ticker, each as a phrase', () => {
    expect(newsApiQuery({ symbol: 'AAPL', companyName: 'Apple Inc.', count: 100 })).toBe('"Apple" OR "AAPL"');
    expect(newsApiQuery({ symbol: 'BRK-B', companyName: 'Berkshire "Hathaway"', count: 100 })).toBe('"Berkshire Hathaway" OR "BRK-B"');
    expect(newsApiQuery({ symbol: 'IBM', companyName: 'IBM', count: 100 })).toBe('"IBM"');
    expect(newsApiQuery({ symbol: 'XYZ', companyName: null, count: 100 })).toBe('"XYZ"');
    expect(newsApiQuery({ query: 'electric cars', count: 100 })).toBe('electric cars');
  });
});

describe('NewsQuota', () => {
  it('counts in a rolling window and refuses past the limit', () => {
    let now = 0;
    const quota = new NewsQuota(2, 1000, () => now);
    expect(quota.tryAcquire()).toBe(true);
    now = 400;
    expect(quota.tryAcquire()).toBe(true);
    expect(quota.tryAcquire()).toBe(false);
    expect(quota.status()).toMatchObject({ used: 2, remaining: 0, nextSlotAt: new Date(1000) });
    expect(quota.retryAfterSeconds()).toBe(1); // 600 ms, rounded up
    now = 1000;
    expect(quota.used).toBe(1);
    expect(quota.tryAcquire()).toBe(true);
    expect(quota.exhaustedError().details).toMatchObject({ reason: 'dailyLimit', retryAfterSeconds: 1 });
  });

  it('sends nothing while blocked', () => {
    let now = 0;
    const quota = new NewsQuota(10, 1000, () => now);
    quota.block(5000);
    expect(quota.canSend()).toBe(false);
    expect(quota.tryAcquire()).toBe(false);
    expect(quota.status()).toMatchObject({ used: 0, rateLimitedUntil: new Date(5000) });
    expect(quota.exhaustedError().details).toMatchObject({ reason: 'rateLimited', retryAfterSeconds: 5 });
    now = 5000;
    expect(quota.tryAcquire()).toBe(true);
  });

  it('stays correct over many requests', () => {
    let now = 0;
    const quota = new NewsQuota(100, 10_000, () => now);
    let sent = 0;
    for (let t = 0; t < 100_000; t += 10) {
      now = t;
      if (quota.tryAcquire()) sent++;
    }
    expect(sent).toBe(1000); // 100 per 10 s over 100 s
    expect(quota.used).toBeLessThanOrEqual(100);
  });
});

describe('UpstreamCache.peekServable (what the news budget serves without asking)', () => {
  it('answers fresh (a hit), else stale (a miss, served stale), else nothing (a miss); never calls the upstream', async () => {
    let now = 1_000_000;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const cache = new UpstreamCache<string>({
        name: 'T', ttlMs: 1000, maxStaleMs: 5000, notFoundTtlMs: 1000, backoffMs: 0, maxBytes: 1e6, maxEntries: 10,
        notFoundError: (key) => new Error(`not found: ${key}`),
      });
      expect(cache.peekServable('a')).toBeUndefined();
      await cache.get('a', async () => 'A');
      await expect(cache.get('gone', async () => NOT_FOUND)).rejects.toThrow('not found: gone');
      expect(cache.peekServable('a')).toMatchObject({ value: 'A', stale: false });
      expect(() => cache.peekServable('gone')).toThrow('not found: gone');
      now += 2000;
      expect(cache.peekServable('a')).toMatchObject({ value: 'A', stale: true });
      expect(cache.peekServable('gone')).toBeUndefined();
      now += 5000;
      expect(cache.peekServable('a')).toBeUndefined();
      expect(cache.counters).toMatchObject({ hits: 2, misses: 6, staleServed: 1, upstreamCalls: 2 });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('news schema contract (issue 3)', () => {
  it('has the fields and types exactly as specified', async () => {
    const { printSchema } = await import('graphql');
    const { schema } = await import('../src/schema/index.js');
    const sdl = printSchema(schema).replace(/\s*"""[\s\S]*?"""/g, '').replace(/\s*"[^"\n]*"\n/g, '\n');
    const type = (name: string) => sdl.match(new RegExp(`(type|enum) ${name} \\{([^}]*)\\}`))![2].trim().split(/\s+/).join(' ');
    expect(sdl.replace(/\s+/g, ' ')).toContain(
      'news( limit: Int = 20 provider: NewsProvider query: String symbol: String ): News!',
    );
    expect(sdl).toContain('newsQuota: NewsQuota!');
    expect(type('StockInfo')).toContain('news(limit: Int = 10): News!');
    expect(type('News')).toBe(
      'articles: [NewsArticle!]! fetchedAt: DateTime! provider: NewsProvider! query: String! stale: Boolean! totalResults: Int!',
    );
    expect(type('NewsArticle')).toBe(
      'author: String imageUrl: String publishedAt: DateTime relatedSymbols: [String!]! source: String summary: String title: String! url: String!',
    );
    expect(type('NewsProvider')).toBe('NEWSAPI YAHOO');
  });
});
