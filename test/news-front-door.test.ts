// News through the front door (createServer(app.handler)): repeated news reads are reused while
// their cache entries are current; a Yahoo fallback answer is never reused, so NewsAPI answers
// again as soon as it can be asked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_NEWSAPI_KEY, startFakeNewsApi, type FakeNewsApi } from './fakes/newsapi.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { startServer, type TestServer } from './news-helpers.js';

let yahoo: FakeYahoo;
let newsapi: FakeNewsApi;
const running: Array<{ s: TestServer; server: Server }> = [];

beforeAll(async () => {
  [yahoo, newsapi] = await Promise.all([startFakeYahoo(), startFakeNewsApi()]);
});
afterAll(() => Promise.all([yahoo.close(), newsapi.close()]));
afterEach(async () => {
  for (const { s, server } of running.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await s.close();
  }
  yahoo.reset();
  newsapi.reset();
  vi.useRealTimers();
});

async function serve(env: Record<string, string> = {}) {
  const s = startServer({ YAHOO_BASE_URL: yahoo.url, NEWSAPI_KEY: FAKE_NEWSAPI_KEY, NEWSAPI_BASE_URL: newsapi.url, ...env });
  const server = createServer(s.app.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  running.push({ s, server });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return async (query: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const text = await res.text();
    expect(text).not.toContain(FAKE_NEWSAPI_KEY);
    return { hit: res.headers.get('x-stockroom-cache') === 'hit', text, body: JSON.parse(text) };
  };
}

const NEWS = (q: string) => `{ news(query: "${q}", limit: 3) { provider stale fetchedAt articles { title } } }`;

describe('news through the front door', () => {
  it('reuses a repeated news response while its cache entry is fresh', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T09:00:00Z'));
    const post = await serve();
    const first = await post(NEWS('tesla'));
    const second = await post(NEWS('tesla'));
    expect([first.hit, second.hit]).toEqual([false, true]);
    expect(second.text).toBe(first.text);
    const nested = '{ stockInfo(symbol: "AAPL") { name news(limit: 2) { provider articles { title } } } }';
    await post(nested);
    expect((await post(nested)).hit).toBe(true);
    expect(newsapi.count('everything')).toBe(2);

    vi.setSystemTime(new Date('2026-03-02T10:00:01Z')); // past the news TTL: rebuilt, not reused
    const third = await post(NEWS('tesla'));
    expect(third.hit).toBe(false);
    expect(newsapi.count('everything')).toBe(3);
  });

  it('never reuses a Yahoo fallback answer: NewsAPI answers once it can be asked again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T00:00:00Z'));
    const post = await serve({ NEWSAPI_DAILY_LIMIT: '1' });
    await post(NEWS('bitcoin'));
    vi.setSystemTime(new Date('2026-03-02T23:30:00Z'));
    const fallback = await post(NEWS('tesla'));
    expect(fallback.body.data.news.provider).toBe('YAHOO');
    const again = await post(NEWS('tesla'));
    expect([again.hit, again.body.data.news.provider]).toEqual([false, 'YAHOO']);

    // The budget frees up while the Yahoo entry the fallback answer was built from is still fresh.
    vi.setSystemTime(new Date('2026-03-03T00:00:01Z'));
    const back = await post(NEWS('tesla'));
    expect([back.hit, back.body.data.news.provider]).toEqual([false, 'NEWSAPI']);
  });
});
