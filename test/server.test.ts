// The real server process (npm start's entry point) on port 0: typed SDK operations against it,
// the generated admin token, and graceful shutdown with a request in flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStockroomClient, StockroomRequestError } from '../sdk/client.js';
import { CacheStatusDocument, ClearCacheDocument, StockDataDocument, StockInfoDocument, StockInfosDocument, StockInfoWithProfileDocument } from '../sdk/gql/graphql.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { spawnServer, type SpawnedServer } from './helpers.js';

let fake: FakeYahoo;
let server: SpawnedServer;
let generatedToken: string;

beforeAll(async () => {
  fake = await startFakeYahoo();
  server = await spawnServer({ YAHOO_BASE_URL: fake.url, ADMIN_TOKEN: '' });
  await new Promise((r) => setTimeout(r, 100));
  const printed = server.stderr.join('').match(/Authorization: Bearer (\S+)/g) ?? [];
  expect(printed).toHaveLength(1);
  generatedToken = printed[0]!.split(' ').pop()!;
});

afterAll(async () => {
  server.child.kill('SIGKILL');
  await fake.close();
});

describe('the typed SDK against a live server', () => {
  it('runs the shipped operations with typed results', async () => {
    const client = createStockroomClient({ url: server.url });
    const { stockInfo } = await client.request(StockInfoDocument, { symbol: 'AAPL' });
    expect(stockInfo.symbol).toBe('AAPL');
    expect(stockInfo.price).toBeGreaterThan(0);

    const { stockInfos } = await client.request(StockInfosDocument, { symbols: ['AAPL', 'MSFT'] });
    expect(stockInfos.map((s) => s?.symbol)).toEqual(['AAPL', 'MSFT']);

    const { stockData } = await client.request(StockDataDocument, { symbol: 'AAPL', period: 'ONE_MONTH', interval: 'ONE_DAY' });
    expect(stockData.period).toBe('ONE_MONTH');
    expect(stockData.bars.length).toBeGreaterThan(15);

    const { stockInfo: withProfile } = await client.request(StockInfoWithProfileDocument, { symbol: 'AAPL' });
    expect(withProfile.profile?.sector).toBe('Technology');

    const { cacheStatus } = await client.request(CacheStatusDocument);
    expect(cacheStatus.caches.map((c) => c.name)).toEqual(expect.arrayContaining(['STOCK_DATA', 'STOCK_INFO']));
  });

  it('surfaces error codes, and the admin token printed at start unlocks mutations', async () => {
    const anonymous = createStockroomClient({ url: server.url });
    const refused = await anonymous.request(ClearCacheDocument, {}).catch((e) => e);
    expect(refused).toBeInstanceOf(StockroomRequestError);
    expect(refused.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const admin = createStockroomClient({ url: server.url, adminToken: generatedToken });
    const { clearCache } = await admin.request(ClearCacheDocument, { caches: ['STOCK_INFO'] });
    expect(clearCache.lastClearedAt).not.toBeNull();
    expect(server.stdout.join('')).not.toContain(generatedToken);
  });
});

describe('graceful shutdown', () => {
  it('finishes the request in flight on SIGTERM, then exits 0', async () => {
    fake.delay('chart', 1500);
    const inFlight = fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ stockData(symbol: "TSLA") { symbol bars { close } } }' }),
    });
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.data.stockData.symbol).toBe('TSLA');
    expect(await server.exited).toBe(0);
    await expect(fetch(server.url)).rejects.toThrow();
    expect(server.stdout.join('')).toContain('"msg":"stopped"');
  });
});
