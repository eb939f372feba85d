// Yahoo news, symbol searches (company name from the stock-info cache) and the fallback from
// NewsAPI to Yahoo. The server reaches the fakes only through YAHOO_BASE_URL and NEWSAPI_BASE_URL.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_NEWSAPI_KEY, startFakeNewsApi, type FakeNewsApi } from './fakes/newsapi.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { codeOf, NEWS_FIELDS, QUOTA_FIELDS, startServer, type TestServer } from './news-helpers.js';

let yahoo: FakeYahoo;
let newsapi: FakeNewsApi;
let server: TestServer | undefined;

beforeAll(async () => {
  [yahoo, newsapi] = await Promise.all([startFakeYahoo(), startFakeNewsApi()]);
});
afterAll(() => Promise.all([yahoo.close(), newsapi.close()]));
afterEach(async () => {
  if (server) {
    for (const request of newsapi.requests) expect(request.url).not.toContain(FAKE_NEWSAPI_KEY);
    for (const text of [...server.bodies, ...server.logs]) expect(text).not.toContain(FAKE_NEWSAPI_KEY);
    await server.close();
  }
  server = undefined;
  yahoo.reset();
  yahoo.clearFaults();
  newsapi.reset();
  vi.useRealTimers();
});

/** With NEWSAPI_KEY unless `env` unsets it. */
function start(env: Record<string, string | undefined> = {}): TestServer {
  server = startServer({ YAHOO_BASE_URL: yahoo.url, NEWSAPI_KEY: FAKE_NEWSAPI_KEY, NEWSAPI_BASE_URL: newsapi.url, ...env });
  return server;
}

const NEWS = `query News($symbol: String, $query: String, $limit: Int, $provider: NewsProvider) {
  news(symbol: $symbol, query: $query, limit: $limit, provider: $provider) { ${NEWS_FIELDS} }
}`;
const QUOTA = `{ newsQuota { ${QUOTA_FIELDS} } }`;
const HOUR = 3_600_000;

describe('Yahoo news', () => {
  it('is the provider without NEWSAPI_KEY: search news for the symbol, normalised, newest first', async () => {
    const s = start({ NEWSAPI_KEY: undefined });
    const result = await s.gql(NEWS, { symbol: ' aapl ', limit: 10 });
    expect(result.body.errors).toBeUndefined();
    const news = result.body.data!.news;
    expect(news).toMatchObject({ query: 'AAPL', provider: 'YAHOO', stale: false });
    expect(news.articles).toHaveLength(10);
    expect(news.articles[0]).toEqual({
      title: 'Warren Buffett Just Gave Investors 3 Big Warnings About the Stock Market',
      url: expect.stringMatching(/^https:\/\/finance\.yahoo\.com\//),
      source: expect.any(String),
      author: null,
      summary: null,
      publishedAt: new Date(1740477120 * 1000).toISOString(),
      imageUrl: expect.stringMatching(/^https:\/\/s\.yimg\.com\//),
      relatedSymbols: ['BRK-B'],
    });
    expect(news.articles.filter((a: { relatedSymbols: string[] }) => a.relatedSymbols[0] === 'AAPL').length).toBeGreaterThan(0);
    const times = news.articles.map((a: { publishedAt: string }) => a.publishedAt);
    expect([...times].sort().reverse()).toEqual(times);

    expect(yahoo.count('search')).toBe(1);
    const search = yahoo.requests.find((r) => r.kind === 'search')!;
    expect(search.query).toMatchObject({ q: 'AAPL', quotesCount: '0', newsCount: '100' });
    expect(yahoo.count('quote')).toBe(0); // Yahoo needs no company name
    expect(newsapi.requests).toHaveLength(0);
    expect((await s.gql(QUOTA)).body.data!.newsQuota).toMatchObject({ enabled: false, used: 0 });
  });

  it('answers provider: YAHOO even with a key, and keyword queries', async () => {
    const s = start();
    const news = (await s.gql(NEWS, { query: 'apple earnings', provider: 'YAHOO', limit: 2 })).body.data!.news;
    expect(news).toMatchObject({ query: 'apple earnings', provider: 'YAHOO' });
    expect(news.articles).toHaveLength(2);
    expect(yahoo.requests.find((r) => r.kind === 'search')!.query.q).toBe('apple earnings');
    expect(newsapi.requests).toHaveLength(0);
    const none = (await s.gql(NEWS, { query: 'no such thing at all', provider: 'YAHOO' })).body.data!.news;
    expect(none).toMatchObject({ provider: 'YAHOO', totalResults: 0, articles: [] });
  });

  it('caches per query and coalesces concurrent requests', async () => {
    const s = start({ NEWSAPI_KEY: undefined });
    yahoo.delay('search', 150);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.gql(NEWS, { symbol: 'MSFT', limit: i + 1 })));
    for (const [i, r] of results.entries()) expect(r.body.data!.news.articles).toHaveLength(i + 1);
    expect(yahoo.count('search')).toBe(1);
    await s.gql(NEWS, { symbol: 'msft', limit: 50 });
    expect(yahoo.count('search')).toBe(1);
  });

  it('keeps what it can of a search answer that fails validation', async () => {
    const s = start({ NEWSAPI_KEY: undefined });
    yahoo.fail('search', 'invalid', 1); // providerPublishTime: "abc"
    const news = (await s.gql(NEWS, { symbol: 'AAPL', limit: 2 })).body.data!.news;
    expect(news.articles).toHaveLength(2);
    expect(news.articles[0].publishedAt).toBeNull();
  });

  it('Yahoo failures: UPSTREAM_* errors, or the stale copy after the TTL', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T09:00:00Z'));
    const s = start({ NEWSAPI_KEY: undefined });
    yahoo.fail('search', { status: 429 }, 1);
    expect(codeOf(await s.gql(NEWS, { symbol: 'AAPL' }))).toBe('UPSTREAM_RATE_LIMITED');
    vi.setSystemTime(new Date('2026-03-02T09:01:00Z')); // past the failure backoff
    yahoo.fail('search', { status: 503 }, 1);
    expect(codeOf(await s.gql(NEWS, { symbol: 'TSLA' }))).toBe('UPSTREAM_UNAVAILABLE');

    const fresh = (await s.gql(NEWS, { symbol: 'AAPL' })).body.data!.news;
    vi.setSystemTime(new Date(Date.now() + 2 * HOUR));
    yahoo.fail('search', { status: 503 }, 1);
    const stale = (await s.gql(NEWS, { symbol: 'AAPL' })).body.data!.news;
    expect(stale).toMatchObject({ provider: 'YAHOO', stale: true, fetchedAt: fresh.fetchedAt });
  });
});

describe('symbol news from NewsAPI', () => {
  it('searches the company name (from the quote) or the ticker, and shares the cache with StockInfo.news', async () => {
    const s = start();
    const news = (await s.gql(NEWS, { symbol: 'AAPL', limit: 5 })).body.data!.news;
    expect(news).toMatchObject({ query: '"Apple" OR "AAPL"', provider: 'NEWSAPI', totalResults: 15214 });
    expect(news.articles[0].relatedSymbols).toEqual(['AAPL']);
    expect(newsapi.requests[0].query).toEqual({ q: '"Apple" OR "AAPL"', language: 'en', sortBy: 'publishedAt', pageSize: '100', page: '1' });
    expect(newsapi.requests[0].headers['x-api-key']).toBe(FAKE_NEWSAPI_KEY);
    expect(yahoo.count('quote')).toBe(1);

    const info = await s.gql('{ stockInfo(symbol: "AAPL") { name news { provider query articles { title } } } }');
    expect(info.body.errors).toBeUndefined();
    expect(info.body.data!.stockInfo.name).toBe('Apple Inc.');
    expect(info.body.data!.stockInfo.news).toMatchObject({ provider: 'NEWSAPI', query: '"Apple" OR "AAPL"' });
    expect(info.body.data!.stockInfo.news.articles).toHaveLength(10); // StockInfo.news defaults to 10
    expect(newsapi.count('everything')).toBe(1);
    expect(yahoo.count('quote')).toBe(1); // the quote came from the stock-info cache
  });

  it('StockInfo.news uses the quote it already has, for every symbol of stockInfos', async () => {
    const s = start();
    const result = await s.gql('{ stockInfos(symbols: ["MSFT", "BABA"]) { symbol name news(limit: 2) { query articles { title } } } }');
    expect(result.body.errors).toBeUndefined();
    const [msft, baba] = result.body.data!.stockInfos;
    expect(msft.news.articles).toHaveLength(2);
    expect([msft.name, msft.news.query]).toEqual(['Microsoft Corporation', '"Microsoft" OR "MSFT"']);
    expect([baba.name, baba.news.query]).toEqual(['Alibaba Group Holding Limited', '"Alibaba" OR "BABA"']);
    expect(yahoo.count('quote')).toBe(1);
    expect(newsapi.count('everything')).toBe(2);
  });

  it('an unknown symbol is SYMBOL_NOT_FOUND without spending NewsAPI budget, and is remembered', async () => {
    const s = start();
    for (let i = 0; i < 2; i++) {
      const result = await s.gql(NEWS, { symbol: 'ZZZZ' });
      expect(codeOf(result)).toBe('SYMBOL_NOT_FOUND');
    }
    expect(newsapi.requests).toHaveLength(0);
    expect(yahoo.count('quote')).toBe(1);
    expect((await s.gql(QUOTA)).body.data!.newsQuota.used).toBe(0);
  });

  it('searches the ticker alone when Yahoo cannot give the company name', async () => {
    const s = start();
    yahoo.fail('quote', { status: 503 }, 1);
    const news = (await s.gql(NEWS, { symbol: 'NVDA' })).body.data!.news;
    expect(news).toMatchObject({ provider: 'NEWSAPI', query: '"NVDA"' });
    expect(s.logs.some((l) => l.includes('searching the ticker only'))).toBe(true);
  });
});

describe('falling back from NewsAPI to Yahoo', () => {
  it('when the daily budget is spent and nothing is cached: provider YAHOO, nothing sent to NewsAPI', async () => {
    const s = start({ NEWSAPI_DAILY_LIMIT: '1' });
    expect((await s.gql(NEWS, { symbol: 'AAPL' })).body.data!.news.provider).toBe('NEWSAPI');
    const fallback = (await s.gql(NEWS, { symbol: 'MSFT', limit: 3 })).body.data!.news;
    expect(fallback).toMatchObject({ provider: 'YAHOO', query: 'MSFT', stale: false });
    expect(fallback.articles).toHaveLength(3);
    expect(newsapi.count('everything')).toBe(1);
    expect(yahoo.count('search')).toBe(1);
    expect((await s.gql(QUOTA)).body.data!.newsQuota).toMatchObject({ used: 1, remaining: 0 });
    expect(s.logs.some((l) => l.includes('serving Yahoo news'))).toBe(true);

    // The cached NewsAPI answer is still preferred; the fallback answer is cached too.
    expect((await s.gql(NEWS, { symbol: 'AAPL' })).body.data!.news.provider).toBe('NEWSAPI');
    expect((await s.gql(NEWS, { symbol: 'MSFT' })).body.data!.news.provider).toBe('YAHOO');
    expect(yahoo.count('search')).toBe(1);
    // An explicit provider: NEWSAPI does not fall back.
    expect(codeOf(await s.gql(NEWS, { symbol: 'MSFT', provider: 'NEWSAPI' }))).toBe('UPSTREAM_RATE_LIMITED');
  });

  it('when NewsAPI answers rateLimited and nothing stale is cached; StockInfo.news too', async () => {
    const s = start();
    newsapi.setLimits({ halfDayLimit: 0 });
    const news = (await s.gql(NEWS, { query: 'tesla' })).body.data!.news;
    expect(news).toMatchObject({ provider: 'YAHOO', query: 'tesla' });
    expect(newsapi.requests.map((r) => [r.status, r.code])).toEqual([[429, 'rateLimited']]);
    const info = (await s.gql('{ stockInfo(symbol: "AAPL") { news(limit: 1) { provider articles { title } } } }')).body.data!;
    expect(info.stockInfo.news.provider).toBe('YAHOO');
    expect(newsapi.requests).toHaveLength(1); // paused after the 429
    expect((await s.gql(QUOTA)).body.data!.newsQuota.rateLimitedUntil).not.toBeNull();
  });

  it('prefers a stale NewsAPI copy to the fallback', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T09:00:00Z'));
    const s = start({ NEWSAPI_DAILY_LIMIT: '1' });
    await s.gql(NEWS, { query: 'tesla' });
    vi.setSystemTime(new Date('2026-03-02T11:00:00Z'));
    const stale = (await s.gql(NEWS, { query: 'tesla' })).body.data!.news;
    expect(stale).toMatchObject({ provider: 'NEWSAPI', stale: true, fetchedAt: '2026-03-02T09:00:00.000Z' });
    expect(yahoo.count('search')).toBe(0);
    expect(newsapi.requests).toHaveLength(1);
  });

  it('does not fall back for other NewsAPI failures', async () => {
    const s = start();
    newsapi.fail('unexpectedError');
    expect(codeOf(await s.gql(NEWS, { query: 'tesla' }))).toBe('UPSTREAM_UNAVAILABLE');
    newsapi.fail('apiKeyInvalid');
    expect(codeOf(await s.gql(NEWS, { query: 'bitcoin' }))).toBe('NEWS_AUTH_FAILED');
    expect(yahoo.count('search')).toBe(0);
  });

  it('when the fallback fails too: UPSTREAM_RATE_LIMITED, naming the fallback error', async () => {
    const s = start({ NEWSAPI_DAILY_LIMIT: '0' });
    yahoo.fail('search', { status: 503 }, 1);
    const result = await s.gql(NEWS, { query: 'tesla' });
    expect(codeOf(result)).toBe('UPSTREAM_RATE_LIMITED');
    expect(result.body.errors![0].extensions).toMatchObject({ upstream: 'newsapi', reason: 'dailyLimit', fallbackError: 'UPSTREAM_UNAVAILABLE' });
    expect(newsapi.requests).toHaveLength(0);
  });
});
