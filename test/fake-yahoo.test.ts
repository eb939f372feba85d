// Checks the fake Yahoo server (test/fakes/yahoo.ts) against the real client library: if these
// pass, yahoo-finance2@3.15.4 accepts the fake's answers exactly as it accepts Yahoo's, and the
// error paths reach our fetch wrapper with the statuses Yahoo uses.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { readFileSync } from 'node:fs';
import YahooFinance from 'yahoo-finance2';
import { createYahooFetch } from '../src/services/yahoo-fetch.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, dir() {} };

function client(fake: FakeYahoo, timeoutMs = 2000) {
  return new YahooFinance({
    fetch: createYahooFetch({ baseUrl: fake.url, timeoutMs }),
    versionCheck: false,
    suppressNotices: ['yahooSurvey', 'ripHistorical'],
    validation: { logErrors: false },
    logger: silent,
  });
}

/** The rejection of `p` (fails the test if `p` resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: unknown };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const DAY_MS = 86_400_000;

describe('fake Yahoo Finance server', () => {
  let fake: FakeYahoo;
  let yf: InstanceType<typeof YahooFinance>;

  beforeAll(async () => {
    fake = await startFakeYahoo();
    yf = client(fake);
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  describe('quote', () => {
    it('serves the recorded AAPL and BABA quotes in one request, after the cookie and crumb', async () => {
      const quotes = await yf.quote(['AAPL', 'BABA']);
      expect(quotes.map((q) => q.symbol)).toEqual(['AAPL', 'BABA']);
      expect(quotes[0].regularMarketPrice).toBe(244.6); // the recorded value
      expect(quotes[0].regularMarketTime).toBeInstanceOf(Date); // the library validated and coerced it
      expect(quotes[1].longName).toBe('Alibaba Group Holding Limited');
      expect(fake.count('quote')).toBe(1);
      expect(fake.symbolsRequested('quote')).toEqual([['AAPL', 'BABA']]);
      // First crumb-needing call of this process: cookie page, then crumb, then the API call.
      expect(fake.requests.map((r) => r.kind)).toEqual(['cookie', 'crumb', 'quote']);
      expect(fake.requests[0]).toMatchObject({ host: 'finance.yahoo.com', path: '/quote/AAPL' });
      expect(fake.requests[1]).toMatchObject({ host: 'query1.finance.yahoo.com', path: '/v1/test/getcrumb' });
      expect(fake.requests[1].headers.cookie).toContain('A3=d=FAKE');
      expect(fake.requests[2].query.crumb).toBe('haT3oykhHqZ');
      expect(fake.requests[2].status).toBe(200);
    });

    it('derives a quote for any other symbol, deterministically', async () => {
      const symbols = Array.from({ length: 100 }, (_, i) => `S${String(i).padStart(3, '0')}`);
      const quotes = await yf.quote(symbols);
      expect(quotes).toHaveLength(100);
      expect(quotes.map((q) => q.symbol)).toEqual(symbols);
      expect(new Set(quotes.map((q) => q.regularMarketPrice)).size).toBeGreaterThan(90);
      for (const q of quotes) expect(q.regularMarketPrice).toBeGreaterThan(0);
      expect(fake.count('quote')).toBe(1);
      const again = await yf.quote('S042');
      expect(again.regularMarketPrice).toBe(quotes[42].regularMarketPrice);
      expect(again.shortName).toContain('S042');
    });

    it('leaves unknown symbols out of the result, like Yahoo', async () => {
      const quotes = await yf.quote(['AAPL', 'NONEXIST', 'NOPE1', 'MSFT']);
      expect(quotes.map((q) => q.symbol)).toEqual(['AAPL', 'MSFT']);
      expect(await yf.quote('ZZZZ')).toBeUndefined();
      fake.unknownSymbols.add('GONE');
      try {
        expect(await yf.quote(['GONE', 'TSLA'])).toHaveLength(1);
      } finally {
        fake.unknownSymbols.delete('GONE');
      }
      expect(fake.symbolsRequested('quote')).toEqual([['AAPL', 'NONEXIST', 'NOPE1', 'MSFT'], ['ZZZZ'], ['GONE', 'TSLA']]);
    });

    it('refuses more than 200 symbols and a request without crumb', async () => {
      const tooMany = Array.from({ length: 201 }, (_, i) => `T${i}`);
      const err = await rejection(yf.quote(tooMany));
      expect(err.name).toBe('BadRequestError');
      expect(fake.requests.at(-1)?.status).toBe(400);

      const res = await fetch(`${fake.url}/v7/finance/quote?symbols=AAPL`, {
        headers: { 'x-forwarded-host': 'query2.finance.yahoo.com' },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ finance: { result: null, error: { code: 'Unauthorized', description: 'Invalid Crumb' } } });
    });
  });

  describe('chart', () => {
    it('generates one year of daily bars for the requested symbol', async () => {
      const period2 = new Date();
      const period1 = new Date(period2.getTime() - 365 * DAY_MS);
      const chart = await yf.chart('NVDA', { period1, period2, interval: '1d' });
      expect(chart.meta.symbol).toBe('NVDA');
      expect(chart.quotes.length).toBeGreaterThanOrEqual(240);
      expect(chart.quotes.length).toBeLessThanOrEqual(260);
      const first = chart.quotes[0];
      expect(first.date).toBeInstanceOf(Date);
      expect(first.date.getTime()).toBeGreaterThanOrEqual(period1.getTime());
      expect(chart.quotes.at(-1)!.date.getTime()).toBeLessThan(period2.getTime());
      for (const q of chart.quotes) {
        expect([0, 6]).not.toContain(q.date.getUTCDay());
        expect(q.high!).toBeGreaterThanOrEqual(q.low!);
        expect(q.adjclose).toBeTypeOf('number');
      }
      expect(fake.count('chart')).toBe(1);
      expect(fake.requests[0].path).toBe('/v8/finance/chart/NVDA');
    });

    it('gives back the recorded MSFT year bar for bar (same trading calendar, same values)', async () => {
      const file = new URL('./fixtures/yahoo/historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.json', import.meta.url);
      const recording = JSON.parse(readFileSync(file, 'utf8')).response.bodyJson.chart.result[0];
      const chart = await yf.chart('MSFT', { period1: '2021-02-01', period2: '2022-01-31', return: 'object' });
      expect(chart.timestamp).toEqual(recording.timestamp);
      expect(chart.indicators.quote[0].close).toEqual(recording.indicators.quote[0].close);
      expect(chart.indicators.adjclose?.[0].adjclose).toEqual(recording.indicators.adjclose[0].adjclose);
    });

    it('serves intraday bars during the session only', async () => {
      // Monday 2025-02-03, a full trading day: 390 one-minute bars from 14:30 to 21:00 UTC (winter).
      const chart = await yf.chart('AAPL', { period1: '2025-02-03', period2: '2025-02-04', interval: '1m' });
      expect(chart.quotes).toHaveLength(390);
      expect(chart.quotes[0].date.toISOString()).toBe('2025-02-03T14:30:00.000Z');
      expect(chart.quotes.at(-1)!.date.toISOString()).toBe('2025-02-03T20:59:00.000Z');
      // In US summer time the session is 13:30-20:00 UTC (09:30-16:00 New York all year).
      const summer = await yf.chart('AAPL', { period1: '2024-07-01', period2: '2024-07-02', interval: '5m' });
      expect(summer.quotes).toHaveLength(78);
      expect(summer.quotes[0].date.toISOString()).toBe('2024-07-01T13:30:00.000Z');
      // A weekend has no bars: no `timestamp`, like the recorded weekend response.
      const weekend = await yf.chart('AAPL', { period1: '2025-02-01', period2: '2025-02-02', interval: '1m' });
      expect(weekend.quotes).toHaveLength(0);
      const weekly = await yf.chart('AAPL', { period1: '2024-01-01', period2: '2025-01-01', interval: '1wk' });
      expect(weekly.quotes.length).toBeGreaterThanOrEqual(52);
      expect(weekly.quotes.length).toBeLessThanOrEqual(53);
    });

    it('refuses the interval/range combinations Yahoo refuses, with 422', async () => {
      const period2 = new Date();
      const err = await rejection(yf.chart('AAPL', { period1: new Date(period2.getTime() - 365 * DAY_MS), period2, interval: '1m' }));
      expect(err.message).toMatch(/^1m data not available for startTime=\d+ and endTime=\d+\. Only 8 days worth of 1m granularity/);
      expect(fake.requests.at(-1)?.status).toBe(422);
      const err5m = await rejection(yf.chart('AAPL', { period1: new Date(period2.getTime() - 61 * DAY_MS), period2, interval: '5m' }));
      expect(err5m.message).toContain('Only 60 days worth of 5m');
      expect(fake.requests.at(-1)?.status).toBe(422);
      // Within the limits the same intervals work.
      const ok = await yf.chart('AAPL', { period1: new Date(period2.getTime() - 7 * DAY_MS), period2, interval: '1m' });
      expect(ok.quotes.length).toBeGreaterThan(0);
      expect(fake.requests.at(-1)?.status).toBe(200);
    });

    it('answers an unknown symbol with the recorded 404', async () => {
      const err = await rejection(yf.chart('NONEXIST', { period1: '2024-01-01', period2: '2024-02-01' }));
      expect(err.message).toBe('No data found, symbol may be delisted');
      expect(fake.requests.at(-1)?.status).toBe(404);
    });
  });

  describe('quoteSummary', () => {
    it('merges the recorded modules, relabelled for the symbol', async () => {
      const aapl = await yf.quoteSummary('AAPL', { modules: ['price', 'summaryDetail', 'assetProfile'] });
      expect(aapl.price?.symbol).toBe('AAPL');
      expect(aapl.price?.regularMarketPrice).toBe(245.55);
      expect(aapl.summaryDetail?.marketCap).toBeTypeOf('number');
      expect(aapl.assetProfile?.sector).toBe('Technology');

      const msft = await yf.quoteSummary('MSFT', { modules: ['price', 'summaryDetail', 'assetProfile'] });
      expect(msft.price?.symbol).toBe('MSFT');
      expect(msft.price?.longName).toBe('Microsoft Corporation');
      expect(Object.keys(msft).sort()).toEqual(['assetProfile', 'price', 'summaryDetail']);
      expect(fake.count('quoteSummary')).toBe(2);
      expect(fake.requests.at(-1)?.query.modules).toBe('price,summaryDetail,assetProfile');
    });

    it('answers an unknown symbol with "Quote not found"', async () => {
      const err = await rejection(yf.quoteSummary('NOPEX', { modules: ['price'] }));
      expect(err.message).toBe('Quote not found for ticker symbol: NOPEX');
      expect(fake.requests.at(-1)?.status).toBe(404);
    });
  });

  describe('search', () => {
    it('serves the recorded AAPL search and derived news for other symbols', async () => {
      const aapl = await yf.search('AAPL');
      expect(aapl.quotes[0]).toMatchObject({ symbol: 'AAPL' });
      expect(aapl.news).toHaveLength(4);
      expect(aapl.news[0].providerPublishTime).toBeInstanceOf(Date);

      const news = await yf.search('MSFT', { quotesCount: 0, newsCount: 6 });
      expect(news.quotes).toHaveLength(0);
      expect(news.news).toHaveLength(6);
      expect(new Set(news.news.map((n) => n.uuid)).size).toBe(6);
      for (const n of news.news) expect(n.relatedTickers).toEqual(['MSFT']);
      expect(fake.requests.at(-1)?.query).toMatchObject({ q: 'MSFT', quotesCount: '0', newsCount: '6' });

      const err = await rejection(yf.search(''));
      expect(err.name).toBe('BadRequestError');
      expect(fake.count('search')).toBe(3);
    });
  });

  describe('faults', () => {
    it('429 becomes UPSTREAM_RATE_LIMITED in createYahooFetch', async () => {
      fake.fail('quote', { status: 429 });
      const err = await rejection(yf.quote('AAPL'));
      expect(err.name).toBe('AppError');
      expect(err.code).toBe('UPSTREAM_RATE_LIMITED');
      expect(fake.requests.at(-1)).toMatchObject({ kind: 'quote', status: 429 });
      // The body is the real edge's plain text.
      const res = await fetch(`${fake.url}/v7/finance/quote?symbols=AAPL&crumb=x`, { headers: { 'x-forwarded-host': 'query2.finance.yahoo.com' } });
      expect(res.status).toBe(429);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('Edge: Too Many Requests');
      expect(fake.count('quote')).toBe(2);
    });

    it('500 becomes UPSTREAM_UNAVAILABLE', async () => {
      fake.fail('chart', { status: 500 });
      const err = await rejection(yf.chart('AAPL', { period1: '2024-01-01', period2: '2024-02-01' }));
      expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(fake.requests.at(-1)?.status).toBe(500);
    });

    it('garbage and invalid answers make the library throw', async () => {
      fake.fail('quote', 'garbage', 1);
      const garbage = await rejection(yf.quote('AAPL'));
      expect(garbage.message).toContain('not parsable');

      fake.fail('quote', 'invalid', 1);
      const invalidQuote = await rejection(yf.quote('AAPL'));
      expect(invalidQuote.name).toBe('FailedYahooValidationError');

      fake.fail('chart', 'invalid', 1);
      const invalidChart = await rejection(yf.chart('AAPL', { period1: '2024-01-01', period2: '2024-02-01' }));
      expect(invalidChart.name).toBe('FailedYahooValidationError');

      fake.fail('quoteSummary', 'invalid', 1);
      const invalidSummary = await rejection(yf.quoteSummary('AAPL', { modules: ['price'] }));
      expect(invalidSummary.name).toBe('FailedYahooValidationError');

      fake.fail('search', 'invalid', 1);
      const invalidSearch = await rejection(yf.search('AAPL'));
      expect(invalidSearch.name).toBe('FailedYahooValidationError');

      // Each fault was used once: the same calls now succeed.
      expect((await yf.quote('AAPL')).symbol).toBe('AAPL');
      expect((await yf.search('AAPL')).quotes.length).toBeGreaterThan(0);
    });

    it("'timeout' hangs until the client gives up: UPSTREAM_UNAVAILABLE", async () => {
      const impatient = client(fake, 300);
      fake.fail('*', 'timeout', 1);
      const started = Date.now();
      const err = await rejection(impatient.quote('AAPL'));
      expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(fake.requests.at(-1)?.kind).toBe('quote');
      expect(fake.requests.at(-1)?.status).toBeUndefined(); // never answered
      expect((await impatient.quote('AAPL')).symbol).toBe('AAPL');
    });

    it('counts every request and consumes `times` per matching request', async () => {
      fake.fail('quote', { status: 503 }, 2);
      fake.fail('chart', { status: 502 }, 1);
      for (let i = 0; i < 2; i++) expect((await rejection(yf.quote('AAPL'))).code).toBe('UPSTREAM_UNAVAILABLE');
      expect((await yf.quote('AAPL')).symbol).toBe('AAPL');
      expect((await rejection(yf.chart('AAPL', { period1: '2024-01-01', period2: '2024-01-10' }))).code).toBe('UPSTREAM_UNAVAILABLE');
      expect((await yf.chart('AAPL', { period1: '2024-01-01', period2: '2024-01-10' })).quotes.length).toBeGreaterThan(0);
      expect(fake.count('quote')).toBe(3);
      expect(fake.count('chart')).toBe(2);
      expect(fake.count()).toBe(5);
      expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 200, 502, 200]);

      fake.fail('*', { status: 500 });
      await rejection(yf.quote('AAPL'));
      await rejection(yf.search('AAPL'));
      fake.clearFaults();
      expect((await yf.quote('AAPL')).symbol).toBe('AAPL');

      fake.reset();
      expect(fake.count()).toBe(0);
      expect(fake.requests).toHaveLength(0);
    });

    it('delay adds latency, and 0 clears it', async () => {
      fake.delay('quote', 300);
      let started = Date.now();
      await yf.quote('AAPL');
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      fake.delay('quote', 0);
      started = Date.now();
      await yf.quote('AAPL');
      expect(Date.now() - started).toBeLessThan(250);
    });
  });

  it('answers unknown paths with 404 JSON', async () => {
    const res = await fetch(`${fake.url}/v99/nothing`, { headers: { 'x-forwarded-host': 'query2.finance.yahoo.com' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(((await res.json()) as { finance: { error: { code: string } } }).finance.error.code).toBe('Not Found');
    expect(fake.count('other')).toBe(1);
  });
});
