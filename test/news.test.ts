// News through NewsAPI: the server under test reaches the fake NewsAPI only through
// NEWSAPI_BASE_URL. Yahoo points at a dead port here (Yahoo news and fallback: news-yahoo.test.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { FAKE_NEWSAPI_KEY, startFakeNewsApi, type FakeNewsApi } from './fakes/newsapi.js';
import { ADMIN_TOKEN, codeOf, NEWS_FIELDS, QUOTA_FIELDS, startServer, type TestServer } from './news-helpers.js';

let fake: FakeNewsApi;
let server: TestServer | undefined;

beforeAll(async () => {
  fake = await startFakeNewsApi({ disabledKeys: ['disabled-key-00000000'] });
});
afterAll(() => fake.close());
afterEach(async () => {
  if (server) assertNoKeyLeaked(server);
  await server?.close();
  server = undefined;
  fake.reset();
  vi.useRealTimers();
});

function start(env: Record<string, string | undefined> = {}): TestServer {
  server = startServer({ NEWSAPI_KEY: FAKE_NEWSAPI_KEY, NEWSAPI_BASE_URL: fake.url, ...env });
  return server;
}

/** The key arrived only in X-Api-Key: never in a URL, never elsewhere; and never left the server. */
function assertNoKeyLeaked(s: TestServer) {
  const key = FAKE_NEWSAPI_KEY;
  for (const request of fake.requests) {
    expect(request.url).not.toContain(key);
    expect(request.query.apiKey).toBeUndefined();
    expect(request.headers.authorization).toBeUndefined();
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== 'x-api-key') expect(String(value)).not.toContain(key);
    }
  }
  for (const body of s.bodies) expect(body).not.toContain(key);
  for (const line of s.logs) expect(line).not.toContain(key);
}

const NEWS = `query News($symbol: String, $query: String, $limit: Int, $provider: NewsProvider) {
  news(symbol: $symbol, query: $query, limit: $limit, provider: $provider) { ${NEWS_FIELDS} }
}`;
const QUOTA = `{ newsQuota { ${QUOTA_FIELDS} } }`;
const newsCache = async (s: TestServer) =>
  (await s.gql('{ cacheStatus { caches { name entries hits misses coalesced staleServed upstreamCalls upstreamErrors } } }')).body
    .data!.cacheStatus.caches.find((c: { name: string }) => c.name === 'NEWS');

function useClock(iso: string) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(iso));
}
const advance = (ms: number) => vi.setSystemTime(new Date(Date.now() + ms));
const HOUR = 3_600_000;

describe('news from NewsAPI', () => {
  it('searches /v2/everything in English, newest first, 100 results on page 1, key in X-Api-Key only', async () => {
    const s = start();
    const result = await s.gql(NEWS, { query: 'tesla', limit: 5 });
    expect(result.body.errors).toBeUndefined();
    const news = result.body.data!.news;
    expect(news).toMatchObject({ query: 'tesla', provider: 'NEWSAPI', totalResults: 15214, stale: false });
    expect(news.articles).toHaveLength(5);
    expect(news.articles[0]).toEqual({
      title: 'Billionaire Ackman to reincorporate management company in Nevada',
      url: 'https://finance.yahoo.com/news/billionaire-ackman-reincorporate-management-company-161305263.html',
      source: 'Yahoo Entertainment',
      author: 'Reuters',
      summary: expect.stringContaining('We are reincorporating our management company in Nevada'),
      publishedAt: '2025-02-01T16:13:05.000Z',
      imageUrl: 'https://media.zenfs.com/en/reuters-finance.com/7124b952c049bfc7548a8a96aabd0d6f',
      relatedSymbols: [],
    });
    const times = news.articles.map((a: { publishedAt: string }) => a.publishedAt);
    expect([...times].sort().reverse()).toEqual(times);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.path).toBe('/v2/everything');
    expect(request.query).toEqual({ q: 'tesla', language: 'en', sortBy: 'publishedAt', pageSize: '100', page: '1' });
    expect(request.headers['x-api-key']).toBe(FAKE_NEWSAPI_KEY);
    expect(request.status).toBe(200);
  });

  it('normalises articles: empty descriptions are null, limit 100 gives every article, no duplicates', async () => {
    const s = start();
    const { articles } = (await s.gql(NEWS, { query: 'tesla', limit: 100 })).body.data!.news;
    expect(articles).toHaveLength(100);
    expect(articles.filter((a: { summary: string | null }) => a.summary === '')).toHaveLength(0);
    expect(articles.filter((a: { summary: string | null }) => a.summary === null)).toHaveLength(3);
    expect(new Set(articles.map((a: { url: string }) => a.url)).size).toBe(100);
  });

  it('drops "[Removed]" placeholders and non-http links, and keeps what it can of odd articles', async () => {
    const s = start();
    fake.route(/odd/, {
      status: 'ok',
      totalResults: 4,
      articles: [
        { source: { id: null, name: '[Removed]' }, author: null, title: '[Removed]', description: '[Removed]', url: 'https://removed.com', urlToImage: null, publishedAt: '2025-01-30T10:00:00Z', content: '[Removed]' },
        { source: { id: null, name: 'X' }, title: 'Script', url: 'javascript:alert(1)', publishedAt: '2025-01-30T10:00:00Z' },
        { Source: { Id: null, Name: 'Capitalised' }, title: 'Old shape', url: 'https://example.com/a?utm_source=x', urlToImage: 'data:image/png;base64,AAAA', publishedAt: 'not a date' },
        { source: { name: 'Dup' }, title: 'Old shape again', url: 'https://example.com/a', publishedAt: '2025-01-29T10:00:00Z' },
      ],
    });
    const { articles, totalResults } = (await s.gql(NEWS, { query: 'odd news' })).body.data!.news;
    expect(totalResults).toBe(4);
    expect(articles).toEqual([
      { title: 'Old shape', url: 'https://example.com/a?utm_source=x', source: 'Capitalised', author: null, summary: null, publishedAt: null, imageUrl: null, relatedSymbols: [] },
    ]);
  });

  it('caches 1 h per query: every limit shares one request; quota and counters show it', async () => {
    useClock('2026-03-02T09:00:00Z');
    const s = start();
    await s.gql(NEWS, { query: 'tesla', limit: 5 });
    await s.gql(NEWS, { query: '  tesla ', limit: 50 });
    const third = await s.gql(NEWS, { query: 'tesla' });
    expect(third.body.data!.news.articles).toHaveLength(20); // the default limit
    expect(fake.count('everything')).toBe(1);
    expect(await newsCache(s)).toMatchObject({ entries: 1, hits: 2, misses: 1, upstreamCalls: 1 });
    const quota = (await s.gql(QUOTA)).body.data!.newsQuota;
    expect(quota).toEqual({
      enabled: true,
      dailyLimit: 100,
      used: 1,
      remaining: 99,
      windowSeconds: 86400,
      nextSlotAt: '2026-03-03T09:00:00.000Z',
      rateLimitedUntil: null,
    });

    advance(HOUR - 1000);
    await s.gql(NEWS, { query: 'tesla' });
    expect(fake.count('everything')).toBe(1);
    advance(2000);
    const refreshed = await s.gql(NEWS, { query: 'tesla' });
    expect(refreshed.body.data!.news.fetchedAt).toBe(new Date().toISOString());
    expect(fake.count('everything')).toBe(2);
    expect((await s.gql(QUOTA)).body.data!.newsQuota).toMatchObject({ used: 2, remaining: 98 });
  });

  it('coalesces concurrent identical requests into one NewsAPI call', async () => {
    const s = start();
    fake.setDelay(150);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.gql(NEWS, { query: 'electric cars', limit: 1 + i })),
    );
    for (const [i, r] of results.entries()) {
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!.news.articles).toHaveLength(1 + i);
    }
    expect(fake.count('everything')).toBe(1);
    expect(await newsCache(s)).toMatchObject({ misses: 10, coalesced: 9, upstreamCalls: 1 });
    expect((await s.gql(QUOTA)).body.data!.newsQuota.used).toBe(1);
  });

  it('serves the stale copy when NewsAPI fails after the TTL, and backs off', async () => {
    useClock('2026-03-02T09:00:00Z');
    const s = start();
    const first = (await s.gql(NEWS, { query: 'tesla' })).body.data!.news;
    advance(2 * HOUR);
    fake.fail('unexpectedError');
    const stale = (await s.gql(NEWS, { query: 'tesla' })).body.data!.news;
    expect(stale).toMatchObject({ provider: 'NEWSAPI', stale: true, fetchedAt: first.fetchedAt });
    expect(stale.articles).toEqual(first.articles);
    // Backing off: no new request for CACHE_FAILURE_BACKOFF_S.
    expect((await s.gql(NEWS, { query: 'tesla' })).body.data!.news.stale).toBe(true);
    expect(fake.count('everything')).toBe(2);
    expect(await newsCache(s)).toMatchObject({ staleServed: 2, upstreamErrors: 1 });
  });

  it('without a stale copy, NewsAPI failures are UPSTREAM_UNAVAILABLE (500, 502, dropped connection, timeout)', async () => {
    const s = start({ NEWSAPI_TIMEOUT_MS: '300', CACHE_FAILURE_BACKOFF_S: '0' });
    fake.fail('unexpectedError');
    expect(codeOf(await s.gql(NEWS, { query: 'a' }))).toBe('UPSTREAM_UNAVAILABLE');
    fake.fail('badGateway');
    expect(codeOf(await s.gql(NEWS, { query: 'a' }))).toBe('UPSTREAM_UNAVAILABLE');
    fake.fail('dropConnection');
    expect(codeOf(await s.gql(NEWS, { query: 'a' }))).toBe('UPSTREAM_UNAVAILABLE');
    fake.fail('hang');
    const timedOut = await s.gql(NEWS, { query: 'a' });
    expect(codeOf(timedOut)).toBe('UPSTREAM_UNAVAILABLE');
    expect(timedOut.body.errors![0].message).toBe('NewsAPI did not answer within 300 ms');
    expect(fake.count('everything')).toBe(4);
    expect((await s.gql(NEWS, { query: 'a' })).body.data!.news.provider).toBe('NEWSAPI');
  });
});

describe('NewsAPI budget (NEWSAPI_DAILY_LIMIT, rolling 24 h)', () => {
  it('never sends past the limit; cached answers keep being served, fresh then stale', async () => {
    useClock('2026-03-02T00:00:00Z');
    const s = start({ NEWSAPI_DAILY_LIMIT: '3' });
    for (const q of ['one', 'two', 'three']) {
      expect((await s.gql(NEWS, { query: q, provider: 'NEWSAPI' })).body.data!.news.provider).toBe('NEWSAPI');
      advance(HOUR / 2);
    }
    expect(fake.count('everything')).toBe(3);
    const refused = await s.gql(NEWS, { query: 'four', provider: 'NEWSAPI' });
    expect(codeOf(refused)).toBe('UPSTREAM_RATE_LIMITED');
    expect(refused.body.errors![0].extensions).toMatchObject({ upstream: 'newsapi', reason: 'dailyLimit', retryAfterSeconds: 22.5 * 3600 });
    expect(fake.count('everything')).toBe(3); // nothing sent
    expect((await s.gql(QUOTA)).body.data!.newsQuota).toMatchObject({ used: 3, remaining: 0, nextSlotAt: '2026-03-03T00:00:00.000Z' });

    // Still fresh: a hit. Expired: served stale, nothing sent, no upstream call counted.
    expect((await s.gql(NEWS, { query: 'three' })).body.data!.news.stale).toBe(false);
    advance(HOUR);
    const stale = (await s.gql(NEWS, { query: 'one', provider: 'NEWSAPI' })).body.data!.news;
    expect(stale).toMatchObject({ provider: 'NEWSAPI', stale: true, fetchedAt: '2026-03-02T00:00:00.000Z' });
    expect(fake.count('everything')).toBe(3);
    expect(await newsCache(s)).toMatchObject({ upstreamCalls: 3, upstreamErrors: 0, staleServed: 1 });

    // The oldest request leaves the window 24 h after it was sent: one slot frees up.
    vi.setSystemTime(new Date('2026-03-03T00:00:01Z'));
    expect((await s.gql(NEWS, { query: 'four', provider: 'NEWSAPI' })).body.data!.news.stale).toBe(false);
    expect(codeOf(await s.gql(NEWS, { query: 'five', provider: 'NEWSAPI' }))).toBe('UPSTREAM_RATE_LIMITED');
    expect(fake.count('everything')).toBe(4);
    expect((await s.gql(QUOTA)).body.data!.newsQuota).toMatchObject({ used: 3, remaining: 0 });
  });

  it('NEWSAPI_DAILY_LIMIT=0 sends nothing', async () => {
    const s = start({ NEWSAPI_DAILY_LIMIT: '0' });
    expect(codeOf(await s.gql(NEWS, { query: 'tesla', provider: 'NEWSAPI' }))).toBe('UPSTREAM_RATE_LIMITED');
    expect(fake.requests).toHaveLength(0);
  });

  it('pauses after NewsAPI says rateLimited: stale where cached, UPSTREAM_RATE_LIMITED for provider NEWSAPI', async () => {
    useClock('2026-03-02T00:00:00Z');
    const s = start();
    await s.gql(NEWS, { query: 'tesla' });
    advance(2 * HOUR);
    fake.setLimits({ halfDayLimit: 1 }); // the real Developer plan: 50 per 12 h
    const stale = (await s.gql(NEWS, { query: 'tesla' })).body.data!.news;
    expect(stale).toMatchObject({ provider: 'NEWSAPI', stale: true });
    expect(fake.requests.at(-1)).toMatchObject({ status: 429, code: 'rateLimited' });
    const quota = (await s.gql(QUOTA)).body.data!.newsQuota;
    expect(quota.rateLimitedUntil).toBe(new Date(Date.now() + 15 * 60_000).toISOString());

    const refused = await s.gql(NEWS, { query: 'bitcoin', provider: 'NEWSAPI' });
    expect(codeOf(refused)).toBe('UPSTREAM_RATE_LIMITED');
    expect(refused.body.errors![0].extensions).toMatchObject({ reason: 'rateLimited', retryAfterSeconds: 900 });
    expect(fake.count('everything')).toBe(2); // the pause sent nothing

    fake.setLimits({ halfDayLimit: 50 });
    advance(15 * 60_000);
    expect((await s.gql(NEWS, { query: 'bitcoin', provider: 'NEWSAPI' })).body.data!.news.articles).toHaveLength(2);
  });

  it('apiKeyExhausted is rate limiting too', async () => {
    const s = start();
    fake.fail('apiKeyExhausted');
    const refused = await s.gql(NEWS, { query: 'tesla', provider: 'NEWSAPI' });
    expect(codeOf(refused)).toBe('UPSTREAM_RATE_LIMITED');
    expect(refused.body.errors![0].extensions).toMatchObject({ upstream: 'newsapi', reason: 'apiKeyExhausted' });
  });

  it('never asks past the 100th result, so maximumResultsReached (426) cannot happen', async () => {
    const s = start();
    for (const limit of [1, 20, 99, 100]) await s.gql(NEWS, { query: `q${limit}`, limit });
    expect(fake.requests).toHaveLength(4);
    for (const r of fake.requests) {
      expect(Number(r.query.page) * Number(r.query.pageSize)).toBeLessThanOrEqual(100);
      expect(r.status).toBe(200);
    }
  });
});

describe('news errors', () => {
  it('NEWS_AUTH_FAILED for an invalid or disabled key, logged as an error without the key', async () => {
    const s = start({ NEWSAPI_KEY: 'not-a-valid-key-1234' });
    const invalid = await s.gql(NEWS, { query: 'tesla' });
    expect(codeOf(invalid)).toBe('NEWS_AUTH_FAILED');
    expect(invalid.body.errors![0].message).toBe('NewsAPI rejected the configured API key (apiKeyInvalid)');
    expect(s.logs.some((l) => JSON.parse(l).level === 'error' && l.includes('apiKeyInvalid'))).toBe(true);
    expect(fake.requests[0].headers['x-api-key']).toBe('not-a-valid-key-1234');
    for (const text of [...s.bodies, ...s.logs]) expect(text).not.toContain('not-a-valid-key-1234');

    const s2 = startServer({ NEWSAPI_KEY: 'disabled-key-00000000', NEWSAPI_BASE_URL: fake.url });
    const disabled = await s2.gql(NEWS, { query: 'tesla' });
    expect(codeOf(disabled)).toBe('NEWS_AUTH_FAILED');
    expect(disabled.body.errors![0].extensions).toMatchObject({ reason: 'apiKeyDisabled' });
    for (const text of [...s2.bodies, ...s2.logs]) expect(text).not.toContain('disabled-key-00000000');
    await s2.close();
  });

  it('NEWS_AUTH_FAILED when NewsAPI says the key is missing or invalid mid-way', async () => {
    const s = start();
    fake.fail('apiKeyInvalid');
    expect(codeOf(await s.gql(NEWS, { query: 'tesla' }))).toBe('NEWS_AUTH_FAILED');
  });

  it('NEWSAPI_KEY_MISSING for provider NEWSAPI without a key; the quota says disabled', async () => {
    const s = start({ NEWSAPI_KEY: undefined });
    const missing = await s.gql(NEWS, { query: 'tesla', provider: 'NEWSAPI' });
    expect(codeOf(missing)).toBe('NEWSAPI_KEY_MISSING');
    expect((await s.gql(QUOTA)).body.data!.newsQuota).toMatchObject({ enabled: false, used: 0, remaining: 100 });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{}, 'BAD_USER_INPUT', 'symbol'],
    [{ symbol: 'AAPL', query: 'apple' }, 'BAD_USER_INPUT', 'query'],
    [{ query: '   ' }, 'BAD_USER_INPUT', 'query'],
    [{ query: 'x'.repeat(501) }, 'BAD_USER_INPUT', 'query'],
    [{ query: 'tesla', limit: 0 }, 'BAD_USER_INPUT', 'limit'],
    [{ query: 'tesla', limit: 101 }, 'BAD_USER_INPUT', 'limit'],
    [{ symbol: 'not a symbol!' }, 'INVALID_SYMBOL', undefined],
    [{ symbol: '' }, 'INVALID_SYMBOL', undefined],
  ])('rejects %j with %s, sending nothing', async (variables, code, argument) => {
    const s = start();
    const result = await s.gql(NEWS, variables);
    expect(codeOf(result)).toBe(code);
    if (argument) expect(result.body.errors![0].extensions!.argument).toBe(argument);
    expect(fake.requests).toHaveLength(0);
    expect((await s.gql(QUOTA)).body.data!.newsQuota.used).toBe(0);
  });

  it('a search NewsAPI refuses is BAD_USER_INPUT with its message; an answer in an unknown shape is UPSTREAM_UNAVAILABLE', async () => {
    const s = start();
    fake.fail('parameterInvalid');
    const refused = await s.gql(NEWS, { query: 'tesla' });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.body.errors![0].message).toContain('too far in the past');
    expect(refused.body.errors![0].extensions).toMatchObject({ upstream: 'newsapi', reason: 'parameterInvalid' });
    fake.route(/odd shape/, { status: 'ok', totalResults: 1 }); // no articles
    expect(codeOf(await s.gql(NEWS, { query: 'odd shape' }))).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('clearCache(NEWS) makes the next request go to NewsAPI again', async () => {
    const s = start();
    await s.gql(NEWS, { query: 'tesla' });
    const cleared = await s.gql('mutation { clearCache(caches: [NEWS]) { caches { name entries } } }', undefined, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(cleared.body.data!.clearCache.caches.find((c: { name: string }) => c.name === 'NEWS').entries).toBe(0);
    await s.gql(NEWS, { query: 'tesla' });
    expect(fake.count('everything')).toBe(2);
  });
});

describe('news configuration', () => {
  it('reads NEWSAPI_* with defaults', () => {
    const config = loadConfig({});
    expect(config.newsapi).toEqual({ key: undefined, baseUrl: 'https://newsapi.org', dailyLimit: 100, timeoutMs: 10_000 });
    expect(loadConfig({ NEWSAPI_BASE_URL: 'http://proxy.local:8080/newsapi/' }).newsapi.baseUrl).toBe('http://proxy.local:8080/newsapi');
  });

  it('reports every bad NEWSAPI_* variable at once, never echoing the key', () => {
    const secret = 'short';
    let error: unknown;
    try {
      loadConfig({ NEWSAPI_KEY: secret, NEWSAPI_BASE_URL: 'ftp://x', NEWSAPI_DAILY_LIMIT: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['NEWSAPI_BASE_URL', 'NEWSAPI_DAILY_LIMIT', 'NEWSAPI_KEY']);
    expect((error as Error).message).not.toContain(secret);
  });
});
