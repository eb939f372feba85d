// A fake NewsAPI (newsapi.org v2) for offline tests: node:http on 127.0.0.1, port 0, serving the
// real recorded responses in test/fixtures/newsapi and behaving like the real API where it is
// documented or observed (see /work/shared/upstreams/newsapi.md):
// - the key may come as X-Api-Key, Authorization (optionally "Bearer ") or ?apiKey= — all are
//   accepted, like the real API, and every request is recorded so tests can assert where it came;
// - 401 apiKeyMissing (the recorded body) / apiKeyInvalid / apiKeyDisabled;
// - a Developer-plan quota per key: 100 per rolling 24 h and 50 per rolling 12 h, then 429
//   rateLimited (the verbatim message);
// - /v2/everything: 400 parametersMissing without q/qInTitle/sources/domains, 400 parameterInvalid
//   for bad language/sortBy/pageSize/page/dates or a q over 500 characters, 400 sourcesTooMany,
//   426 maximumResultsReached when page * pageSize > 100 (the recorded body for pageSize=90&page=2);
// - /v2/top-headlines (parametersMissing, parametersIncompatible) and /v2/top-headlines/sources;
// - injected faults (429 rateLimited/apiKeyExhausted, 401, 400 parameterInvalid, 500 unexpectedError, a Cloudflare 502
//   HTML page, a dropped connection, a request that never answers), a response delay, and call
//   counters.
// The clock is Date.now(), so vi.setSystemTime moves the quota windows too.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURES = new URL('../fixtures/newsapi/', import.meta.url);
const fixtureText = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const fixtureJson = (name: string) => JSON.parse(fixtureText(name)) as { status: string; totalResults?: number; articles?: unknown[] };

export const FIXTURE = {
  tesla: 'everything_q-tesla_sortBy-publishedAt_2025-02-01.json',
  bitcoin: 'everything_bitcoin_trimmed_2019-03.json',
  business: 'top-headlines_category-business_2025-02-01.json',
  headlines2019: 'top-headlines_trimmed_2019-03-27.json',
  sources: 'top-headlines-sources_trimmed.json',
  apiKeyMissing: 'error_401_apiKeyMissing.json',
  maximumResultsReached: 'error_426_maximumResultsReached.json',
} as const;

/** The key the fake accepts unless told otherwise (32 hex characters, like a real key). */
export const FAKE_NEWSAPI_KEY = '0123456789abcdef0123456789abcdef';

// Verbatim (or, where marked, inferred) messages of the real API.
export const MESSAGES = {
  apiKeyInvalid: 'Your API key is invalid or incorrect. Check your key, or go to https://newsapi.org to create a free API key.',
  apiKeyDisabled: 'Your API key has been disabled.', // inferred wording
  apiKeyExhausted: 'Your API key has no more requests available.', // inferred wording
  rateLimited:
    'You have made too many requests recently. Developer accounts are limited to 100 requests over a 24 hour period (50 requests available every 12 hours). Please upgrade to a paid plan if you need more requests.',
  parametersMissing:
    'Required parameters are missing, the scope of your search is too broad. Please set any of the following required parameters and try again: q, qInTitle, sources, domains.',
  parametersMissingHeadlines:
    'Required parameters are missing. Please set any of the following parameters and try again: sources, q, language, country, category.',
  parametersIncompatible: 'You cannot mix the sources parameter with the country or category parameters.',
  unexpectedError: "This shouldn't happen, and if it does then it's our fault, not yours. Try the request again shortly.",
  parameterInvalid:
    'You are trying to request results too far in the past. Your plan permits you to request articles as far back as 2019-07-07, but you have requested 2019-07-01. To extend this please upgrade to a paid plan.',
  sourcesTooMany: 'You have requested too many sources in a single request. Try splitting the request into 2 smaller requests.',
} as const;

const LANGUAGES = new Set(['ar', 'de', 'en', 'es', 'fr', 'he', 'it', 'nl', 'no', 'pt', 'ru', 'sv', 'se', 'ud', 'zh']);
const SORT_BY = new Set(['relevancy', 'popularity', 'publishedAt']);
const HOUR = 3_600_000;

export type NewsApiEndpoint = 'everything' | 'top-headlines' | 'sources';
export type NewsApiFault =
  | 'rateLimited'
  | 'apiKeyExhausted'
  | 'apiKeyInvalid'
  | 'apiKeyDisabled'
  | 'unexpectedError'
  | 'parameterInvalid'
  | 'badGateway'
  | 'dropConnection'
  | 'hang';

export interface RecordedNewsApiRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  status: number;
  /** NewsAPI's error code, when the answer was an error. */
  code?: string;
  at: number;
}

export interface FakeNewsApiOptions {
  /** Keys that work (default [FAKE_NEWSAPI_KEY]). */
  keys?: string[];
  /** Keys that exist but are disabled (401 apiKeyDisabled). */
  disabledKeys?: string[];
  /** Requests per key per rolling 24 h (default 100). */
  dailyLimit?: number;
  /** Requests per key per rolling 12 h (default 50). */
  halfDayLimit?: number;
  /** Milliseconds to hold every answer (default 0). */
  delayMs?: number;
}

export interface FakeNewsApi {
  url: string;
  key: string;
  /** Every request received, in order. */
  requests: RecordedNewsApiRequest[];
  /** Requests that reached an endpoint (all endpoints when omitted), whatever the answer. */
  count(endpoint?: NewsApiEndpoint): number;
  /** Requests counted against `key`'s quota in the last 24 h. */
  used(key?: string): number;
  /** The next `times` requests get `fault` instead of their answer. */
  fail(fault: NewsApiFault, times?: number): void;
  /** Serve `fixture` (a file in test/fixtures/newsapi, or a body) for /v2/everything queries whose q matches. */
  route(q: RegExp, fixture: string | object): void;
  setDelay(ms: number): void;
  setLimits(limits: { dailyLimit?: number; halfDayLimit?: number }): void;
  /** Forgets requests, counters, quota use, faults, routes and delay. */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  q: RegExp;
  body: () => { status: string; totalResults?: number; articles?: unknown[] };
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    pragma: 'no-cache',
    expires: '-1',
    'x-cached-result': 'false',
  });
  res.end(body);
}

const errorJson = (code: string, message: string) => JSON.stringify({ status: 'error', code, message });

export async function startFakeNewsApi(options: FakeNewsApiOptions = {}): Promise<FakeNewsApi> {
  const keys = new Set(options.keys ?? [FAKE_NEWSAPI_KEY]);
  const disabled = new Set(options.disabledKeys ?? []);
  let dailyLimit = options.dailyLimit ?? 100;
  let halfDayLimit = options.halfDayLimit ?? 50;
  let delayMs = options.delayMs ?? 0;
  let requests: RecordedNewsApiRequest[] = [];
  let counts = new Map<NewsApiEndpoint, number>();
  let spent = new Map<string, number[]>();
  let faults: Array<{ fault: NewsApiFault; times: number }> = [];
  let routes: Route[] = [];

  const defaultRoutes: Route[] = [
    { q: /bitcoin/i, body: () => fixtureJson(FIXTURE.bitcoin) },
    { q: /nothing-matches/i, body: () => ({ status: 'ok', totalResults: 0, articles: [] }) },
    { q: /./, body: () => fixtureJson(FIXTURE.tesla) },
  ];

  const inWindow = (key: string, windowMs: number) =>
    (spent.get(key) ?? []).filter((t) => t > Date.now() - windowMs).length;

  function keyOf(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
    const header = headers['x-api-key'];
    if (typeof header === 'string' && header) return header;
    const authorization = headers.authorization;
    if (authorization) return authorization.replace(/^Bearer\s+/i, '').trim() || undefined;
    return query.get('apiKey') ?? undefined;
  }

  function fault(res: ServerResponse, which: NewsApiFault): { status: number; code?: string } {
    switch (which) {
      case 'rateLimited':
      case 'apiKeyExhausted':
        sendJson(res, 429, errorJson(which, MESSAGES[which]));
        return { status: 429, code: which };
      case 'apiKeyInvalid':
      case 'apiKeyDisabled':
        sendJson(res, 401, errorJson(which, MESSAGES[which]));
        return { status: 401, code: which };
      case 'parameterInvalid':
        sendJson(res, 400, errorJson(which, MESSAGES.parameterInvalid));
        return { status: 400, code: which };
      case 'unexpectedError':
        sendJson(res, 500, errorJson(which, MESSAGES.unexpectedError));
        return { status: 500, code: which };
      case 'badGateway':
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>');
        return { status: 502 };
      case 'dropConnection':
        res.socket?.destroy();
        return { status: 0 };
      case 'hang':
        return { status: 0 };
    }
  }

  /** Validates like the real API and answers; returns the status and error code sent. */
  function answer(res: ServerResponse, path: string, query: URLSearchParams, headers: IncomingHttpHeaders): { status: number; code?: string } {
    const error = (status: number, code: string, message: string) => {
      sendJson(res, status, errorJson(code, message));
      return { status, code };
    };
    const endpoint = endpointOf(path);
    if (!endpoint) return error(404, 'routeNotFound', 'The route you requested does not exist.'); // wording not recorded

    const key = keyOf(headers, query);
    if (!key) {
      sendJson(res, 401, fixtureText(FIXTURE.apiKeyMissing));
      return { status: 401, code: 'apiKeyMissing' };
    }
    if (disabled.has(key)) return error(401, 'apiKeyDisabled', MESSAGES.apiKeyDisabled);
    if (!keys.has(key)) return error(401, 'apiKeyInvalid', MESSAGES.apiKeyInvalid);
    if (inWindow(key, 24 * HOUR) >= dailyLimit || inWindow(key, 12 * HOUR) >= halfDayLimit) {
      return error(429, 'rateLimited', MESSAGES.rateLimited);
    }
    spent.set(key, [...(spent.get(key) ?? []), Date.now()]);

    if (endpoint === 'sources') {
      sendJson(res, 200, JSON.stringify(fixtureJson(FIXTURE.sources)));
      return { status: 200 };
    }

    const invalid = checkCommon(query);
    if (invalid) return error(400, 'parameterInvalid', invalid);

    if (endpoint === 'everything') {
      const q = query.get('q') ?? query.get('qInTitle');
      if (!q && !query.get('sources') && !query.get('domains')) return error(400, 'parametersMissing', MESSAGES.parametersMissing);
      if (q && q.length > 500) return error(400, 'parameterInvalid', 'The q parameter is too long: it can be at most 500 characters.');
      if (query.has('language') && !LANGUAGES.has(query.get('language')!)) {
        return error(400, 'parameterInvalid', `The language param you've provided (${query.get('language')}) is not supported.`);
      }
      if (query.has('sortBy') && !SORT_BY.has(query.get('sortBy')!)) {
        return error(400, 'parameterInvalid', `The sortBy param you've provided (${query.get('sortBy')}) is not supported.`);
      }
      for (const name of ['from', 'to']) {
        const value = query.get(name);
        if (value && Number.isNaN(Date.parse(value))) return error(400, 'parameterInvalid', `The ${name} param must be an ISO 8601 date.`);
      }
    } else {
      const hasSources = !!query.get('sources');
      if (hasSources && (query.get('country') || query.get('category'))) {
        return error(400, 'parametersIncompatible', MESSAGES.parametersIncompatible);
      }
      if (!hasSources && !query.get('q') && !query.get('country') && !query.get('category') && !query.get('language')) {
        return error(400, 'parametersMissing', MESSAGES.parametersMissingHeadlines);
      }
    }
    if ((query.get('sources') ?? '').split(',').filter(Boolean).length > 20) {
      return error(400, 'sourcesTooMany', MESSAGES.sourcesTooMany);
    }

    const pageSize = Number(query.get('pageSize') ?? (endpoint === 'everything' ? 100 : 20));
    const page = Number(query.get('page') ?? 1);
    if (page * pageSize > 100) {
      // The real API's message counts "results from to" as (page-1)*pageSize to page*pageSize.
      const message = `You have requested too many results. Developer accounts are limited to a max of 100 results. You are trying to request results ${(page - 1) * pageSize} to ${page * pageSize}. Please upgrade to a paid plan if you need more results.`;
      sendJson(res, 426, errorJson('maximumResultsReached', message));
      return { status: 426, code: 'maximumResultsReached' };
    }

    let body: { status: string; totalResults?: number; articles?: unknown[] };
    if (endpoint === 'everything') {
      const q = query.get('q') ?? query.get('qInTitle') ?? '';
      body = [...routes, ...defaultRoutes].find((r) => r.q.test(q))!.body();
    } else {
      body = fixtureJson(query.get('category') === 'business' ? FIXTURE.business : FIXTURE.headlines2019);
    }
    const paged = Array.isArray(body.articles) ? { ...body, articles: body.articles.slice((page - 1) * pageSize, page * pageSize) } : body;
    sendJson(res, 200, JSON.stringify(paged));
    return { status: 200 };
  }

  const server = createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://fake-newsapi');
    const path = parsed.pathname.replace(/\/+$/, '');
    const record: RecordedNewsApiRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path,
      query: Object.fromEntries(parsed.searchParams),
      headers: req.headers,
      status: 0,
      at: Date.now(),
    };
    requests.push(record);
    const endpoint = endpointOf(path);
    if (endpoint) counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);

    const respond = () => {
      const pending = faults[0];
      let result: { status: number; code?: string };
      if (pending && endpoint) {
        if (--pending.times <= 0) faults.shift();
        result = fault(res, pending.fault);
      } else if (req.method !== 'GET') {
        sendJson(res, 405, errorJson('methodNotAllowed', 'Only GET requests are supported.')); // wording not recorded
        result = { status: 405, code: 'methodNotAllowed' };
      } else {
        result = answer(res, path, parsed.searchParams, req.headers);
      }
      record.status = result.status;
      record.code = result.code;
    };
    req.resume();
    req.on('end', () => (delayMs > 0 ? setTimeout(respond, delayMs) : respond()));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    key: [...keys][0] ?? FAKE_NEWSAPI_KEY,
    get requests() {
      return requests;
    },
    count: (endpoint) =>
      endpoint ? (counts.get(endpoint) ?? 0) : [...counts.values()].reduce((sum, n) => sum + n, 0),
    used: (key = [...keys][0]) => inWindow(key, 24 * HOUR),
    fail(which, times = 1) {
      faults.push({ fault: which, times });
    },
    route(q, fixture) {
      routes.unshift({ q, body: () => (typeof fixture === 'string' ? fixtureJson(fixture) : structuredClone(fixture) as never) });
    },
    setDelay(ms) {
      delayMs = ms;
    },
    setLimits(limits) {
      dailyLimit = limits.dailyLimit ?? dailyLimit;
      halfDayLimit = limits.halfDayLimit ?? halfDayLimit;
    },
    reset() {
      requests = [];
      counts = new Map();
      spent = new Map();
      faults = [];
      routes = [];
      delayMs = options.delayMs ?? 0;
      dailyLimit = options.dailyLimit ?? 100;
      halfDayLimit = options.halfDayLimit ?? 50;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function endpointOf(path: string): NewsApiEndpoint | undefined {
  if (path === '/v2/everything') return 'everything';
  if (path === '/v2/top-headlines') return 'top-headlines';
  if (path === '/v2/top-headlines/sources' || path === '/v2/sources') return 'sources';
  return undefined;
}

/** pageSize and page must be whole numbers in range (the real API answers parameterInvalid). */
function checkCommon(query: URLSearchParams): string | undefined {
  const pageSize = query.get('pageSize');
  if (pageSize !== null && !(/^\d+$/.test(pageSize) && Number(pageSize) >= 1 && Number(pageSize) <= 100)) {
    return `The pageSize param must be a whole number between 1 and 100; you gave ${pageSize}.`;
  }
  const page = query.get('page');
  if (page !== null && !(/^\d+$/.test(page) && Number(page) >= 1)) {
    return `The page param must be a whole number of at least 1; you gave ${page}.`;
  }
  return undefined;
}
