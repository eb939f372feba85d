// The per-client budget of uncached upstream work: a client walking thousands of symbols is
// stopped with 429 + Retry-After; cached answers stay unlimited; other clients are unaffected.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { makeApp, type TestApp } from './helpers.js';

let fake: FakeYahoo;
let app: TestApp;
beforeAll(async () => {
  fake = await startFakeYahoo();
});
afterAll(() => fake.close());
afterEach(async () => {
  fake.reset();
  await app.close();
});

const INFOS = 'query($s: [String!]!) { stockInfos(symbols: $s) { symbol } }';
const symbols = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

async function ask(list: string[], client: string) {
  const response = await app.yoga.fetch('http://stockroom.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-forwarded-for': client },
    body: JSON.stringify({ query: INFOS, variables: { s: list } }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

describe('per-client upstream budget', () => {
  it('refuses uncached work past the budget with 429 and Retry-After, keeps cached answers free', async () => {
    app = makeApp({ YAHOO_BASE_URL: fake.url, TRUST_PROXY: 'true', CLIENT_UPSTREAM_BUDGET: '60', CLIENT_UPSTREAM_WINDOW_S: '600' });
    const first = await ask(symbols(100, 'A'), '203.0.113.7');
    expect(first.status).toBe(429);
    expect(Number(first.retryAfter)).toBeGreaterThan(0);
    const served = first.body.data.stockInfos.filter(Boolean);
    expect(served).toHaveLength(60);
    const codes = new Set(first.body.errors.map((e: any) => e.extensions.code));
    expect(codes).toEqual(new Set(['UPSTREAM_BUDGET_EXCEEDED']));
    expect(first.body.errors).toHaveLength(40);
    expect(fake.symbolsRequested('quote').flat()).toHaveLength(60);

    // What is cached stays available, as often as asked.
    for (let i = 0; i < 3; i++) {
      const again = await ask(served.map((s: any) => s.symbol), '203.0.113.7');
      expect(again.status).toBe(200);
      expect(again.body.errors).toBeUndefined();
    }
    // Nothing more was fetched for this client…
    expect((await ask(['ZZZ1'], '203.0.113.7')).body.errors[0].extensions.code).toBe('UPSTREAM_BUDGET_EXCEEDED');
    expect(fake.symbolsRequested('quote').flat()).toHaveLength(60);
    // …but another client has its own budget.
    const other = await ask(symbols(10, 'B'), '198.51.100.2');
    expect(other.status).toBe(200);
    expect(other.body.data.stockInfos.every(Boolean)).toBe(true);
  });

  it('refills over time', async () => {
    app = makeApp({ YAHOO_BASE_URL: fake.url, TRUST_PROXY: 'true', CLIENT_UPSTREAM_BUDGET: '5', CLIENT_UPSTREAM_WINDOW_S: '1' });
    expect((await ask(symbols(8, 'C'), '192.0.2.1')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1100));
    const later = await ask(symbols(8, 'C').slice(5), '192.0.2.1');
    expect(later.status).toBe(200);
  });
});
