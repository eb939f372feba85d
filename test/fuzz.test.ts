// Hostile input: random and malicious symbols, GraphQL documents, JSON bodies, content types and
// multipart bodies against the real listener. Every answer is a 4xx or a GraphQL error with a
// code — never a 5xx, never an uncoded error — and the process keeps serving. Seeded, so a
// failure reproduces (FUZZ_SEED, FUZZ_CASES).
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, serveOnFakeYahoo } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const CASES = Number(process.env.FUZZ_CASES ?? 400);

const { url } = await serveOnFakeYahoo({ LOG_LEVEL: 'error', CLIENT_UPSTREAM_BUDGET: '0' });

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const randomString = (n: number) => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rand() * 0xffff))).join('');

const HOSTILE = [
  '', ' ', '../x', '../../etc/passwd', '..\\..\\win', 'A'.repeat(10_000), '%00', 'AAPL\u0000', '"; DROP TABLE x; --', '<script>alert(1)</script>',
  '${jndi:ldap://x}', '{{7*7}}', '\u202eLPAA', 'AAPL MSFT', '🙂', 'null', 'undefined', '__proto__', 'constructor', 'aapl', ' AAPL ', '^GSPC', 'EURUSD=X',
];
const symbol = () => (rand() < 0.6 ? pick(HOSTILE) : randomString(1 + Math.floor(rand() * 40)));
const VALID = [
  '{ stockInfo(symbol: $s) { symbol price stale } }',
  '{ stockData(symbol: $s, period: ONE_MONTH) { bars { close } } }',
  '{ stockInfos(symbols: [$s, $s]) { symbol } }',
  '{ news(symbol: $s, limit: 3) { articles { title } } }',
  'mutation { clearCache { lastClearedAt } }',
  '{ cacheStatus { caches { name hits } } }',
];

function mutate(doc: string): string {
  const chars = [...doc];
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (chars.length + 1));
    const op = rand();
    if (op < 0.4) chars.splice(at, 1);
    else if (op < 0.8) chars.splice(at, 0, pick(['{', '}', '(', ')', '$', '"', '@', '...', ':', '#', '\\', '\u0000', 'x', ' ', '!', '[', ']']));
    else chars.splice(at, 0, '{ a: stockInfo(symbol: "X") { symbol } }'.repeat(1 + Math.floor(rand() * 50)));
  }
  return chars.join('');
}

type Case = { label: string; init: RequestInit; target?: string };
function makeCase(): Case {
  const kind = rand();
  if (kind < 0.35) {
    const doc = pick(VALID).replace('{ ', 'query($s: String!) { ').replace('query($s: String!) { mutation', 'mutation');
    const variables = { s: symbol() };
    return { label: `symbol ${JSON.stringify(variables.s).slice(0, 40)}`, init: json({ query: doc.includes('$s') ? doc : doc, variables }) };
  }
  if (kind < 0.6) {
    const doc = mutate(pick(VALID).replaceAll('$s', '"AAPL"'));
    return { label: `document ${doc.slice(0, 60)}`, init: json({ query: doc }) };
  }
  if (kind < 0.75) {
    const bodies = ['', '{', 'null', '[]', '[{"query":"{ __typename }"}]', '{"query":1}', '{"query":"{ __typename }","variables":"x"}', '{"variables":{}}', randomString(200), '{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"zz"}}}', '{"query":"{ __typename }","operationName":{}}'];
    const body = pick(bodies);
    return { label: `json ${body.slice(0, 40)}`, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body } };
  }
  if (kind < 0.85) {
    const type = pick(['text/plain', 'application/x-www-form-urlencoded', 'application/graphql', 'application/xml', 'multipart/form-data', 'multipart/form-data; boundary=x', '']);
    return { label: `content-type ${type}`, init: { method: 'POST', headers: type ? { 'content-type': type } : {}, body: pick(['{ __typename }', randomString(50), 'query=%7B__typename%7D', '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ __typename }"}\r\n--x--']) } };
  }
  if (kind < 0.93) {
    const form = new FormData();
    form.append('operations', pick(['{"query":"mutation($f: File!) { __typename }","variables":{"f":null}}', 'garbage', '{}', '']));
    form.append('map', pick(['{"0":["variables.f"]}', '{"0":["x.y.z"]}', 'nope', '{"9":["variables.f"]}']));
    form.append('0', new Blob([randomString(100)]), 'model.pkl');
    return { label: 'multipart', init: { method: 'POST', headers: { 'x-graphql-csrf': '1', authorization: `Bearer ${ADMIN_TOKEN}` }, body: form } };
  }
  const query = encodeURIComponent(mutate('{ stockInfo(symbol: "AAPL") { symbol } }'));
  return { label: `GET ${query.slice(0, 40)}`, init: { method: 'GET', headers: { accept: pick(['application/json', 'text/html', '*/*', 'application/graphql-response+json']) } }, target: `${url}?query=${query}&variables=${pick(['', '%7B', 'null', '%7B%22s%22%3A1%7D'])}` };
}
const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify(body) });

describe('fuzzing', () => {
  it(`answers ${CASES} hostile requests (seed ${SEED}) with 4xx or coded errors, and keeps serving`, { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const c = makeCase();
      const res = await fetch(c.target ?? url, c.init);
      const text = await res.text();
      if (res.status >= 500) problems.push(`${res.status} for ${c.label}: ${text.slice(0, 200)}`);
      if ((res.headers.get('content-type') ?? '').includes('json') && text) {
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          problems.push(`unparsable JSON answer for ${c.label}`);
          continue;
        }
        for (const error of body.errors ?? []) {
          if (!error.extensions?.code) problems.push(`uncoded error for ${c.label}: ${error.message}`);
          if (/\n\s+at |node_modules|\/src\//.test(JSON.stringify(error))) problems.push(`stack trace leaked for ${c.label}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect((await fetch(url.replace('/graphql', '/health'))).status).toBe(200);
    const ok = await fetch(url, json({ query: '{ stockInfo(symbol: "AAPL") { symbol } }' }));
    expect((await ok.json()).data.stockInfo.symbol).toBe('AAPL');
  });
});
