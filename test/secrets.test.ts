// Secrets never leak: with every secret configured (admin token, NewsAPI key, GitHub token,
// encryption key), drive the error paths — bad tokens, upstream 401/403/429/5xx from Yahoo,
// NewsAPI and GitHub, invalid input, failed saves — through the real listener, and check that no
// response body, response header or log line contains any secret in any form.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyForms } from '../src/storage/crypto.js';
import { DEFAULT_TOKEN, startFakeGitHub, type FakeGitHub } from './fakes/github.js';
import { FAKE_NEWSAPI_KEY, startFakeNewsApi, type FakeNewsApi } from './fakes/newsapi.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { ADMIN_TOKEN, listen, makeApp, type TestApp } from './helpers.js';

const KEY = randomBytes(32);
let yahoo: FakeYahoo;
let newsapi: FakeNewsApi;
let github: FakeGitHub;
let app: TestApp;
let server: Awaited<ReturnType<typeof listen>>;
const seen: string[] = []; // every response body and header block

beforeAll(async () => {
  [yahoo, newsapi, github] = await Promise.all([startFakeYahoo(), startFakeNewsApi(), startFakeGitHub({ inlineLimitBytes: 16 * 1024 })]);
  app = makeApp({
    YAHOO_BASE_URL: yahoo.url,
    NEWSAPI_KEY: FAKE_NEWSAPI_KEY,
    NEWSAPI_BASE_URL: newsapi.url,
    GITHUB_TOKEN: DEFAULT_TOKEN,
    GITHUB_API_URL: github.url,
    STORAGE_BACKEND: 'github',
    STORAGE_ENCRYPTION_KEY: KEY.toString('base64'),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'stockroom-secrets-')),
    GITHUB_WRITE_INTERVAL_MS: '0',
    GITHUB_RATE_LIMIT_MAX_WAIT_S: '0',
    CACHE_FAILURE_BACKOFF_S: '0',
    LOG_LEVEL: 'debug',
  }, { storageTuning: { client: { retryBaseMs: 5, writeSpacingMs: 0 } } });
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  await app.close();
  await Promise.all([yahoo.close(), newsapi.close(), github.close()]);
});

async function send(path: string, init: RequestInit = {}) {
  const res = await fetch(`${server.base}${path}`, init);
  const body = await res.text();
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  seen.push(body, headers);
  return { status: res.status, body, json: () => JSON.parse(body) };
}
const gql = (query: string, variables: object = {}, headers: Record<string, string> = {}) =>
  send('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SAVE = 'mutation($input: SaveModelInput!) { saveModel(input: $input) { id version } }';

describe('secrets', () => {
  it('appear in no response, header or log line on any error path', { timeout: 60_000 }, async () => {
    // Bad and missing admin tokens; a near-miss of the real one.
    for (const authorization of ['', 'Bearer nope', `Bearer ${ADMIN_TOKEN}x`, `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`]) {
      const r = await gql('mutation { clearCache { lastClearedAt } }', {}, authorization ? { authorization } : {});
      expect(r.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect((await send('/models/x/content', { headers: authorization ? { authorization } : {} })).status).toBe(401);
    }
    // Yahoo failures.
    for (const fault of [{ status: 429 }, { status: 500 }, { status: 503 }, 'garbage'] as const) {
      yahoo.fail('*', fault as never, 1);
      await gql('{ stockInfo(symbol: "ZZTOP") { price } }');
    }
    // NewsAPI failures: rate limited, bad key, server errors.
    for (const fault of ['rateLimited', 'apiKeyInvalid', 'apiKeyDisabled', 'unexpectedError', 'badGateway'] as const) {
      newsapi.fail(fault, 1);
      const r = await gql('query($q: String!) { news(query: $q, provider: NEWSAPI) { articles { title } } }', { q: `q${fault}` });
      expect(r.json().errors?.[0]?.extensions?.code).toBeTruthy();
    }
    // A save that works, then GitHub failing in every way while saving and reading.
    expect((await gql(SAVE, { input: { id: 'secret-model', contentBase64: randomBytes(3000).toString('base64'), metadata: { a: 1 } } }, admin)).json().errors).toBeUndefined();
    for (const fault of [{ status: 401 }, { status: 403 }, { status: 429, headers: { 'retry-after': '120' } }, { status: 502 }, 'reset'] as const) {
      github.fail({ method: 'PATCH' }, fault as never);
      github.fail({ method: 'POST' }, fault as never);
      const r = await gql(SAVE, { input: { id: 'secret-model', contentBase64: randomBytes(2000).toString('base64') } }, admin);
      expect(r.json().errors?.[0]?.extensions?.code).toBeTruthy();
      github.clearFaults();
    }
    await gql('{ storageStatus { backend github { tokenConfigured tokenValid login scopes encrypted } } }', {}, admin);
    // Invalid input of every kind.
    await gql(SAVE, { input: { id: '../etc', contentBase64: 'AAAA' } }, admin);
    await gql(SAVE, { input: { id: 'ok', contentBase64: '!!notbase64!!' } }, admin);
    await gql('{ stockData(symbol: "AAPL", period: MAX, interval: ONE_MINUTE) { symbol } }');
    await gql('{ nonsense }');
    await send('/graphql?query=%7B&variables=%7B');
    expect(await (await send('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })).status).toBeGreaterThanOrEqual(400);

    const secrets = [ADMIN_TOKEN, FAKE_NEWSAPI_KEY, DEFAULT_TOKEN, ...keyForms(KEY)];
    expect(app.logs.length).toBeGreaterThan(20);
    expect(seen.length).toBeGreaterThan(40);
    for (const secret of secrets) {
      for (const text of seen) expect(text.includes(secret), `a response leaks a secret: ${text.slice(0, 160)}`).toBe(false);
      for (const line of app.logs) expect(line.includes(secret), `a log line leaks a secret: ${line.slice(0, 160)}`).toBe(false);
    }
    // The keys did travel where they must: NewsAPI's in X-Api-Key, GitHub's in Authorization.
    expect(newsapi.requests.some((r) => r.headers['x-api-key'] === FAKE_NEWSAPI_KEY)).toBe(true);
    expect(github.requests.some((r) => (r.headers.authorization ?? '').includes(DEFAULT_TOKEN))).toBe(true);
    expect(github.requests.filter((r) => r.host === 'raw').every((r) => !r.headers.authorization)).toBe(true);
  });
});
