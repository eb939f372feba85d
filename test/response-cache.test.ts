// The front door's reuse of serialized responses, over real HTTP (createServer(app.handler)):
// every shortcut must answer exactly what full execution answers.
import { request } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { ADMIN_TOKEN, listen, makeApp, type TestApp } from './helpers.js';

let fake: FakeYahoo;
const running: Array<{ app: TestApp; server: Awaited<ReturnType<typeof listen>> }> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fake = await startFakeYahoo();
});
afterAll(() => fake.close());
afterEach(async () => {
  fake.reset();
  for (const { app, server } of running.splice(0)) {
    await server.close();
    await app.close();
  }
});

async function serve(env: Record<string, string> = {}) {
  const app = makeApp({ YAHOO_BASE_URL: fake.url, ...env });
  const server = await listen(app);
  running.push({ app, server });
  const url = server.url;
  const post = async (query: string, variables?: object, headers: Record<string, string> = {}, operationName?: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query, variables, operationName }),
    });
    return { status: res.status, hit: res.headers.get('x-stockroom-cache') === 'hit', contentType: res.headers.get('content-type'), text: await res.text() };
  };
  const get = async (query: string, accept = 'application/json') => {
    const res = await fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: { accept } });
    return { status: res.status, hit: res.headers.get('x-stockroom-cache') === 'hit', contentType: res.headers.get('content-type'), text: await res.text() };
  };
  return { app, url, post, get };
}

const INFO = 'query Info($s: String!) { stockInfo(symbol: $s) { symbol price fetchedAt stale } }';
const DATA = '{ stockData(symbol: "AAPL") { symbol bars { time close } fetchedAt stale } }';

describe('reused responses', () => {
  it('answer byte-for-byte what full execution answers, without executing or calling upstream', async () => {
    const s = await serve();
    const first = await s.post(INFO, { s: 'AAPL' });
    const second = await s.post(INFO, { s: 'AAPL' });
    expect(first.hit).toBe(false);
    expect(second.hit).toBe(true);
    expect(second.text).toBe(first.text);
    expect(second.contentType).toBe(first.contentType);
    const executed = await s.app.yoga.fetch('http://x/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: INFO, variables: { s: 'AAPL' } }),
    });
    expect(await executed.text()).toBe(second.text);
    expect(fake.count('quote')).toBe(1);
  });

  it('compiled (graphql-jit) and plain execution give the same answer', async () => {
    const s = await serve({ RESPONSE_CACHE_MB: '0' });
    const full = 'query Full { stockInfo(symbol: "AAPL") { symbol name price change changePercent marketCap fetchedAt stale profile { sector employees } } stockData(symbol: "AAPL", period: ONE_MONTH) { symbol currency bars { time open high low close adjClose volume } } }';
    const jit = await s.post(full);
    // A second operation in the document turns compilation off (see app.ts).
    const plain = await s.post(`${full} query Other { __typename }`, undefined, {}, 'Full');
    expect(JSON.parse(jit.text).errors).toBeUndefined();
    expect(JSON.parse(jit.text)).toEqual(JSON.parse(plain.text));
  });

  it('count as cache hits in cacheStatus', async () => {
    const s = await serve();
    await s.post(DATA);
    await s.post(DATA);
    await s.post(DATA);
    const status = JSON.parse((await s.post('{ cacheStatus { caches { name hits misses } } }')).text);
    expect(status.data.cacheStatus.caches.find((c: any) => c.name === 'STOCK_DATA')).toMatchObject({ hits: 2, misses: 1 });
  });

  it('work over GET too, and GraphiQL still renders for browsers', async () => {
    const s = await serve();
    const first = await s.get(DATA);
    const second = await s.get(DATA);
    expect([first.hit, second.hit]).toEqual([false, true]);
    expect(second.text).toBe(first.text);
    const html = await fetch(s.url, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('stockroom');
  });

  it('carry an ETag and a max-age from the data TTL on GET, and answer 304 to If-None-Match', async () => {
    const s = await serve({ CACHE_TTL_STOCK_DATA_S: '120' });
    const url = `${s.url}?query=${encodeURIComponent(DATA)}`;
    const first = await fetch(url, { headers: { accept: 'application/json' } });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=(119|120)$/);
    const body = await first.text();
    const notModified = await fetch(url, { headers: { accept: 'application/json', 'if-none-match': etag! } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    const changed = await fetch(url, { headers: { accept: 'application/json', 'if-none-match': '"other"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(etag);
    expect(await changed.text()).toBe(body);
    const admin = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.headers.get('cache-control')).toMatch(/^private, /);
    await s.post(DATA);
    const post = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DATA }) });
    await post.text();
    expect(post.headers.get('cache-control')).toBeNull(); // POST answers are not for proxies
  });

  it('are retired at once by clearCache', async () => {
    const s = await serve();
    await s.post(DATA);
    expect((await s.post(DATA)).hit).toBe(true);
    const cleared = await s.post('mutation { clearCache(caches: [STOCK_DATA]) { lastClearedAt } }', undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(JSON.parse(cleared.text).errors).toBeUndefined();
    const after = await s.post(DATA);
    expect(after.hit).toBe(false);
    expect(fake.count('chart')).toBe(2);
  });

  it('are retired when the data expires, and a stale answer is never stored', async () => {
    const s = await serve({ CACHE_TTL_STOCK_DATA_S: '1', CACHE_FAILURE_BACKOFF_S: '60' });
    const fresh = await s.post(DATA);
    expect((await s.post(DATA)).hit).toBe(true);
    await sleep(1100);
    fake.fail('chart', { status: 500 });
    const stale1 = await s.post(DATA);
    const stale2 = await s.post(DATA);
    for (const r of [stale1, stale2]) {
      expect(r.hit).toBe(false);
      expect(JSON.parse(r.text).data.stockData.stale).toBe(true);
    }
    expect(JSON.parse(stale1.text).data.stockData.fetchedAt).toBe(JSON.parse(fresh.text).data.stockData.fetchedAt);
    fake.clearFaults();
  });

  it('never share an entry across variables, operation names or auth scopes', async () => {
    const s = await serve();
    await s.post(INFO, { s: 'AAPL' });
    expect((await s.post(INFO, { s: 'MSFT' })).hit).toBe(false);
    const two = 'query A { stockInfo(symbol: "AAPL") { symbol } } query B { stockInfo(symbol: "MSFT") { symbol } }';
    const a = await s.post(two, undefined, {}, 'A');
    const b = await s.post(two, undefined, {}, 'B');
    expect(JSON.parse(a.text).data.stockInfo.symbol).toBe('AAPL');
    expect(JSON.parse(b.text).data.stockInfo.symbol).toBe('MSFT');
    expect(b.hit).toBe(false);
    expect((await s.post(INFO, { s: 'AAPL' }, { authorization: `Bearer ${ADMIN_TOKEN}` })).hit).toBe(false);
    expect((await s.post(INFO, { s: 'AAPL' }, { authorization: `Bearer ${ADMIN_TOKEN}` })).hit).toBe(true);
    expect((await s.post(INFO, { s: 'AAPL' }, { accept: 'application/json' })).hit).toBe(false);
  });

  it('key the auth scope the execution runs with, also for repeated Authorization headers', async () => {
    const s = await serve();
    const { hostname, port, pathname } = new URL(s.url);
    const path = `${pathname}?query=${encodeURIComponent('{ stockInfo(symbol: "AAPL") { symbol price fetchedAt stale } }')}`;
    // fetch() joins repeated headers itself; a raw request sends them as a client may.
    const rawGet = (headerLines: string[]) =>
      new Promise<{ head: string; body: string }>((resolve, reject) => {
        const socket = connect(Number(port), hostname);
        let text = '';
        socket.on('data', (chunk) => (text += chunk));
        socket.on('end', () => {
          const at = text.indexOf('\r\n\r\n');
          resolve({ head: text.slice(0, at).toLowerCase(), body: text.slice(at + 4) });
        });
        socket.on('error', reject);
        socket.write(`GET ${path} HTTP/1.1\r\nhost: ${hostname}\r\naccept: application/json\r\n${headerLines.map((l) => `${l}\r\n`).join('')}connection: close\r\n\r\n`);
      });
    const anon = await rawGet([]);
    expect(anon.head).toMatch(/cache-control: public, /);
    const admin = await rawGet([`Authorization: Bearer ${ADMIN_TOKEN}`]);
    expect(admin.head).toMatch(/cache-control: private, /);
    expect(admin.head).not.toContain('x-stockroom-cache: hit'); // not the anonymous entry
    // Two Authorization headers reach GraphQL joined ("Bearer <admin>, Bearer x"): not admin. The
    // front door must see the same, or an anonymous execution would be stored under the admin key.
    const repeated = await rawGet([`Authorization: Bearer ${ADMIN_TOKEN}`, 'Authorization: Bearer x']);
    expect(repeated.head).toMatch(/cache-control: public, /);
    expect(repeated.head).toContain('x-stockroom-cache: hit');
    expect(repeated.body).toBe(anon.body);
    const adminAgain = await rawGet([`authorization: Bearer ${ADMIN_TOKEN}`]);
    expect(adminAgain.head).toMatch(/cache-control: private, /);
    expect(adminAgain.head).toContain('x-stockroom-cache: hit');
  });

  it('carry the CORS headers yoga gives each origin, and never another origin\'s', async () => {
    const s = await serve();
    const ask = (origin: string) =>
      fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ query: DATA }) });
    for (const origin of ['https://dash.example', 'https://dash.example', 'https://other.example', 'https://other.example']) {
      const res = await ask(origin);
      await res.text();
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
    const hits = await fetch(`${s.url.replace('/graphql', '')}/metrics`).then((r) => r.text());
    expect(hits).toMatch(/^stockroom_response_cache_hits_total 2$/m); // each origin's second ask
    const noOrigin = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DATA }) });
    await noOrigin.text();
    expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('are sent gzip-encoded to clients that accept it, identical once decoded', async () => {
    const s = await serve();
    const { hostname, port } = new URL(s.url);
    // node:http does not decode, so the test sees the bytes on the wire (fetch would decode them).
    const raw = (query: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
        request({ host: hostname, port, path: `/graphql?query=${encodeURIComponent(query)}`, headers: { accept: 'application/json', ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        })
          .on('error', reject)
          .end();
      });
    const miss = await raw(DATA, { 'accept-encoding': 'gzip, deflate, br' });
    const hit = await raw(DATA, { 'accept-encoding': 'gzip' });
    const plain = await raw(DATA, {});
    expect(miss.headers['x-stockroom-cache']).toBe('miss');
    expect(hit.headers['x-stockroom-cache']).toBe('hit');
    expect(plain.headers['x-stockroom-cache']).toBe('hit');
    for (const r of [miss, hit]) {
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
      expect(gunzipSync(r.body).equals(plain.body)).toBe(true);
      expect(r.body.length).toBeLessThan(plain.body.length / 3);
    }
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString()).data.stockData.bars.length).toBeGreaterThan(200);
    expect(hit.headers.vary).toBe('Accept, Accept-Encoding');
    expect(plain.headers.vary).toBe('Accept, Accept-Encoding');
    // Each encoding is its own representation with its own strong validator.
    expect(hit.headers.etag).not.toBe(plain.headers.etag);
    expect((await raw(DATA, { 'accept-encoding': 'gzip', 'if-none-match': hit.headers.etag as string })).status).toBe(304);
    expect((await raw(DATA, { 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag as string })).status).toBe(200);
    expect((await raw(DATA, { 'if-none-match': `"x", W/${plain.headers.etag}` })).status).toBe(304);
    // gzip refused (q=0), or not named: the plain bytes; "*" admits it.
    expect((await raw(DATA, { 'accept-encoding': 'gzip;q=0, br' })).headers['content-encoding']).toBeUndefined();
    expect((await raw(DATA, { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
    expect((await raw(DATA, { 'accept-encoding': '*' })).headers['content-encoding']).toBe('gzip');
    // A small answer is not worth compressing.
    const small = '{ stockInfo(symbol: "AAPL") { symbol } }';
    await raw(small, { 'accept-encoding': 'gzip' });
    const smallHit = await raw(small, { 'accept-encoding': 'gzip' });
    expect(smallHit.headers['x-stockroom-cache']).toBe('hit');
    expect(smallHit.headers['content-encoding']).toBeUndefined();
    expect(smallHit.headers.vary).toBe('Accept');
    expect(fake.count('chart')).toBe(1);
  });

  it('are never made of mutations, errors or volatile fields', async () => {
    const s = await serve();
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const m1 = await s.post('mutation { clearCache { lastClearedAt } }', undefined, admin);
    await sleep(5);
    const m2 = await s.post('mutation { clearCache { lastClearedAt } }', undefined, admin);
    expect(m2.hit).toBe(false);
    expect(m2.text).not.toBe(m1.text);

    await s.post(INFO, { s: 'NOPE9' });
    const notFound = await s.post(INFO, { s: 'NOPE9' });
    expect(notFound.hit).toBe(false);
    expect(JSON.parse(notFound.text).errors[0].extensions.code).toBe('SYMBOL_NOT_FOUND');

    const mixed = '{ stockInfo(symbol: "AAPL") { symbol } cacheStatus { caches { hits } } }';
    await s.post(mixed);
    const again = await s.post(mixed);
    expect(again.hit).toBe(false);
  });

  it('leave the body limits as they were (413, 411)', async () => {
    const s = await serve({ MAX_REQUEST_BYTES: '2048' });
    const big = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(3000)}` }) });
    expect(big.status).toBe(413);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(s.url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end('{"query":"{ __typename }"}');
    });
    expect(status).toBe(411);
  });
});
