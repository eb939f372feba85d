// The real server process (npm start's entry point) on port 0: typed SDK operations against it,
// the generated admin token, and graceful shutdown with a request in flight.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStockroomClient, StockroomRequestError } from '../sdk/client.js';
import { CacheStatusDocument, ClearCacheDocument, StockDataDocument, StockInfoDocument, StockInfosDocument, StockInfoWithProfileDocument } from '../sdk/gql/graphql.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';

interface RunningServer {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ADMIN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (c) => stderr.push(String(c)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout.push(String(chunk));
      const match = stdout.join('').match(/"url":"(http:\/\/localhost:\d+\/graphql)"/);
      if (match) resolve(match[1].replace('localhost', '127.0.0.1'));
    });
    void exited.then((code) => reject(new Error(`server exited (${code}): ${stderr.join('')}`)));
  });
  return { child, url, stdout, stderr, exited };
}

let fake: FakeYahoo;
let server: RunningServer;
let generatedToken: string;

beforeAll(async () => {
  fake = await startFakeYahoo();
  server = await startServer({ YAHOO_BASE_URL: fake.url });
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
