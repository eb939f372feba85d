// The fake NewsAPI behaves like the real one (documented codes, statuses and bodies), so tests of
// the server against it mean something.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_NEWSAPI_KEY, FIXTURE, MESSAGES, startFakeNewsApi, type FakeNewsApi } from './fakes/newsapi.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/newsapi/${name}`, import.meta.url), 'utf8');

let fake: FakeNewsApi;
beforeAll(async () => {
  fake = await startFakeNewsApi({ disabledKeys: ['disabled-key-0000'] });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.reset();
  vi.useRealTimers();
});

async function get(path: string, headers: Record<string, string> = { 'x-api-key': FAKE_NEWSAPI_KEY }) {
  const response = await fetch(fake.url + path, { headers });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text), headers: response.headers };
}

describe('fake NewsAPI', () => {
  it('serves the recorded Tesla search, paged, with the real headers', async () => {
    const { status, body, headers } = await get('/v2/everything?q=tesla&sortBy=publishedAt&pageSize=5');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(headers.get('x-cached-result')).toBe('false');
    const recorded = JSON.parse(fixture(FIXTURE.tesla));
    expect(body.totalResults).toBe(15214);
    expect(body.articles).toEqual(recorded.articles.slice(0, 5));
    const page2 = await get('/v2/everything?q=tesla&pageSize=5&page=2');
    expect(page2.body.articles).toEqual(recorded.articles.slice(5, 10));
    expect((await get('/v2/everything?q=bitcoin')).body.articles).toHaveLength(2);
  });

  it('accepts the key as X-Api-Key, Authorization or apiKey=, and records where it came', async () => {
    expect((await get('/v2/everything?q=a', { authorization: `Bearer ${FAKE_NEWSAPI_KEY}` })).status).toBe(200);
    expect((await get('/v2/everything?q=a', { authorization: FAKE_NEWSAPI_KEY })).status).toBe(200);
    expect((await get(`/v2/everything?q=a&apiKey=${FAKE_NEWSAPI_KEY}`, {})).status).toBe(200);
    expect(fake.requests[2].url).toContain(FAKE_NEWSAPI_KEY);
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${FAKE_NEWSAPI_KEY}`);
  });

  it('answers key problems with 401 and the documented codes (the recorded apiKeyMissing body)', async () => {
    const missing = await get('/v2/everything?q=tesla', {});
    expect(missing.status).toBe(401);
    expect(missing.text).toBe(fixture(FIXTURE.apiKeyMissing));
    const invalid = await get('/v2/everything?q=tesla', { 'x-api-key': 'wrong' });
    expect([invalid.status, invalid.body]).toEqual([401, { status: 'error', code: 'apiKeyInvalid', message: MESSAGES.apiKeyInvalid }]);
    const disabled = await get('/v2/everything?q=tesla', { 'x-api-key': 'disabled-key-0000' });
    expect([disabled.status, disabled.body.code]).toEqual([401, 'apiKeyDisabled']);
    expect(fake.used()).toBe(0);
  });

  it('validates parameters like the real API', async () => {
    const missing = await get('/v2/everything?language=en');
    expect([missing.status, missing.body.code, missing.body.message]).toEqual([400, 'parametersMissing', MESSAGES.parametersMissing]);
    expect((await get('/v2/everything?q=a&language=xx')).body.code).toBe('parameterInvalid');
    expect((await get('/v2/everything?q=a&sortBy=newest')).body.code).toBe('parameterInvalid');
    expect((await get('/v2/everything?q=a&pageSize=0')).body.code).toBe('parameterInvalid');
    expect((await get('/v2/everything?q=a&pageSize=101')).body.code).toBe('parameterInvalid');
    expect((await get('/v2/everything?q=a&page=x')).body.code).toBe('parameterInvalid');
    expect((await get('/v2/everything?q=a&from=yesterday')).body.code).toBe('parameterInvalid');
    expect((await get(`/v2/everything?q=${'a'.repeat(501)}`)).status).toBe(400);
    const sources = Array.from({ length: 21 }, (_, i) => `s${i}`).join(',');
    expect((await get(`/v2/everything?sources=${sources}`)).body.code).toBe('sourcesTooMany');
    const mixed = await get('/v2/top-headlines?sources=bbc-news&country=us');
    expect([mixed.status, mixed.body.code]).toEqual([400, 'parametersIncompatible']);
    expect((await get('/v2/top-headlines')).body.code).toBe('parametersMissing');
  });

  it('refuses results past the 100th with 426 maximumResultsReached (the recorded body)', async () => {
    const tooFar = await get('/v2/everything?q=tesla&pageSize=90&page=2');
    expect(tooFar.status).toBe(426);
    expect(tooFar.text).toBe(fixture(FIXTURE.maximumResultsReached));
    expect((await get('/v2/everything?q=tesla&pageSize=100&page=1')).status).toBe(200);
    expect((await get('/v2/everything?q=tesla&page=2')).status).toBe(426); // default pageSize is 100
  });

  it('serves top headlines and sources', async () => {
    const business = await get('/v2/top-headlines?category=business&country=us');
    expect(business.body.articles).toHaveLength(20);
    expect(business.body.totalResults).toBe(44);
    expect((await get('/v2/top-headlines/sources')).body.sources).toHaveLength(4);
    expect(fake.count('top-headlines')).toBe(1);
    expect(fake.count('sources')).toBe(1);
  });

  it('limits each key to 50 per 12 h and 100 per 24 h, rolling', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    fake.setLimits({ dailyLimit: 3, halfDayLimit: 2 });
    expect((await get('/v2/everything?q=a')).status).toBe(200);
    expect((await get('/v2/everything?q=b')).status).toBe(200);
    const limited = await get('/v2/everything?q=c');
    expect([limited.status, limited.body.code, limited.body.message]).toEqual([429, 'rateLimited', MESSAGES.rateLimited]);
    vi.setSystemTime(new Date('2026-01-01T12:00:01Z'));
    expect((await get('/v2/everything?q=d')).status).toBe(200);
    expect((await get('/v2/everything?q=e')).status).toBe(429); // 3 in 24 h
    vi.setSystemTime(new Date('2026-01-02T00:00:01Z'));
    expect((await get('/v2/everything?q=f')).status).toBe(200);
    expect(fake.used()).toBe(2);
    expect(fake.count('everything')).toBe(6);
  });

  it('injects faults', async () => {
    fake.fail('rateLimited');
    fake.fail('unexpectedError');
    fake.fail('badGateway');
    expect((await get('/v2/everything?q=a')).status).toBe(429);
    expect((await get('/v2/everything?q=a')).body.code).toBe('unexpectedError');
    expect((await fetch(`${fake.url}/v2/everything?q=a`)).status).toBe(502);
    expect((await get('/v2/everything?q=a')).status).toBe(200);
    fake.fail('dropConnection');
    await expect(fetch(`${fake.url}/v2/everything?q=a`)).rejects.toThrow();
  });
});
