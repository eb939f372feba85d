// A fake Yahoo Finance HTTP server for tests.
//
// Our server hands yahoo-finance2 the fetch from src/services/yahoo-fetch.ts; with `baseUrl` set to
// this server's url every request (cookie page, crumb, API) arrives here with the same path and
// query, and the original host in X-Forwarded-Host. The answers are built from the real responses
// recorded by the yahoo-finance2 project (test/fixtures/yahoo, see its README), so the real client
// library parses and validates them exactly as it would Yahoo's, and errors have Yahoo's status
// codes and body shapes. Tests can count requests and inject faults and latency.
//
// Self-contained on purpose (node:http, node:fs only): it must keep working whatever the app does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';

export type YahooCallKind = 'cookie' | 'consent' | 'crumb' | 'quote' | 'chart' | 'quoteSummary' | 'search' | 'other';
export type YahooFault =
  | { status: number; body?: string; headers?: Record<string, string> }
  | 'timeout'
  | 'garbage'
  | 'invalid';
export interface RecordedYahooRequest {
  kind: YahooCallKind;
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Status the fake answered with; undefined while pending or for a hung 'timeout' request. */
  status?: number;
}
export interface FakeYahoo {
  url: string;
  requests: RecordedYahooRequest[];
  count(kind?: YahooCallKind): number;
  symbolsRequested(kind: 'quote'): string[][];
  reset(): void;
  fail(kind: YahooCallKind | '*', fault: YahooFault, times?: number): void;
  clearFaults(): void;
  delay(kind: YahooCallKind | '*', ms: number): void;
  unknownSymbols: Set<string>;
  close(): Promise<void>;
}

// JSON from the recordings is manipulated freely; typing Yahoo's payloads here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

const JSON_TYPE = 'application/json;charset=utf-8';
const DEFAULT_UNKNOWN = ['NONEXIST', 'SIX', 'ZZZZ'];
const MAX_QUOTE_SYMBOLS = 200;
// What a Yahoo ticker can look like (AAPL, BRK-B, BTC-USD, EURUSD=X, ^GSPC, 7203.T). Anything else
// (e.g. the recorded "QQQ,") is answered like an unknown symbol.
const SYMBOL_RE = /^[A-Z0-9.\-=^]{1,20}$/;

// ---------------------------------------------------------------------------------------------
// Recordings

const FIXTURES = new URL('../fixtures/yahoo/', import.meta.url);
const envelopes = new Map<string, Json>();

/** The `response` of a recorded `{request, response}` envelope (cached; callers must not mutate). */
function recorded(file: string): Json {
  let env = envelopes.get(file);
  if (!env) {
    env = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8'));
    envelopes.set(file, env);
  }
  return env.response;
}

/** The recorded body as text, whichever of bodyJson / body / bodyText the envelope uses. */
function recordedText(file: string): string {
  const r = recorded(file);
  if (r.bodyJson !== undefined) return JSON.stringify(r.bodyJson);
  return r.body ?? r.bodyText ?? '';
}

/** A private deep copy of a recorded JSON body. */
function recordedJson(file: string): Json {
  return JSON.parse(recordedText(file));
}

/** Replay a recording as-is: status, content-type, cookies, redirect and body. */
function replay(file: string): Answer {
  const r = recorded(file);
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as string | undefined;
  const headers: Record<string, string | string[]> = { 'content-type': first(r.headers?.['content-type']) ?? JSON_TYPE };
  if (r.headers?.['set-cookie']) headers['set-cookie'] = [].concat(r.headers['set-cookie']);
  if (r.headers?.location) headers.location = first(r.headers.location)!;
  return { status: r.status, headers, body: recordedText(file) };
}

const F = {
  crumb: 'getCrumb-getcrumb.json',
  quotes: ['quote-AAPL-BABA.json', 'quote-BTC-USD.json'], // full quotes, served verbatim
  quoteTsla: 'quote-TSLA-fields-symbol-shortName.json', // partial (recorded with `fields=`)
  chartTemplate: 'historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.json',
  chartMetas: [
    'historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.json',
    'historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json',
  ],
  chart404: 'historical-via-chart-SI-2020-01-01-to-2020-01-03.json',
  summaryModules: ['price', 'summaryDetail', 'assetProfile', 'summaryProfile', 'financialData', 'defaultKeyStatistics', 'quoteType'],
  summaryAll: 'quoteSummary-all-AAPL.json',
  summary404: 'quoteSummary-assetProfile-QQQ,.json',
  searchAapl: 'search-AAPL.json',
  searchGoog: 'search-GOOG.json',
  searchEmpty: 'search-NO0010123060.json',
  search400: 'search-noOpts.json',
  consent: {
    guceConsent: 'getCrumb-quote-AAPL-consent.html.json',
    collectConsent: 'getCrumb-quote-AAPL-collectConsent.html.json',
    collectConsentSubmit: 'getCrumb-quote-AAPL-collectConsentSubmit.json',
    copyConsent: 'getCrumb-quote-AAPL-copyConsent.json',
  },
};

// ---------------------------------------------------------------------------------------------
// Small helpers

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** Yahoo's error envelope: `{ <key>: { result: null, error: { code, description } } }`. */
function yahooError(status: number, key: string, code: string, description: string): Answer {
  return json(status, { [key]: { result: null, error: { code, description } } });
}

/** FNV-1a: a stable hash so derived data depends only on the symbol. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const DAY = 86_400;
const SESSION_SECONDS = 6.5 * 3600; // 09:30-16:00 New York

// ---------------------------------------------------------------------------------------------
// Per-symbol identity: names and a price level, from the recordings when they have the symbol.

interface Profile {
  symbol: string;
  shortName: string;
  longName: string;
  displayName: string;
  price: number;
}

let recordedProfiles: Map<string, Partial<Profile>> | undefined;

function profilesFromRecordings(): Map<string, Partial<Profile>> {
  if (recordedProfiles) return recordedProfiles;
  const m = new Map<string, Partial<Profile>>();
  const add = (sym: string, p: Partial<Profile>) => {
    const cur = m.get(sym) ?? {};
    for (const [k, v] of Object.entries(p)) if (v != null && (cur as Json)[k] == null) (cur as Json)[k] = v;
    m.set(sym, cur);
  };
  for (const file of [...F.quotes, F.quoteTsla])
    for (const q of recorded(file).bodyJson.quoteResponse.result)
      add(q.symbol, { shortName: q.shortName, longName: q.longName, displayName: q.displayName, price: q.regularMarketPrice });
  for (const file of F.chartMetas) {
    const meta = recorded(file).bodyJson.chart.result[0].meta;
    add(meta.symbol, { shortName: meta.shortName, longName: meta.longName, price: meta.regularMarketPrice });
  }
  for (const file of [F.searchAapl, F.searchGoog])
    for (const q of recorded(file).bodyJson.quotes)
      if (q.symbol) add(q.symbol, { shortName: q.shortname, longName: q.longname });
  return (recordedProfiles = m);
}

function profileFor(symbol: string): Profile {
  const known = profilesFromRecordings().get(symbol) ?? {};
  const h = hash(symbol);
  const shortName = known.shortName ?? known.displayName ?? `${symbol} Corp.`;
  return {
    symbol,
    shortName,
    longName: known.longName ?? (known.shortName || known.displayName ? shortName : `${symbol} Corporation`),
    displayName: known.displayName ?? shortName.replace(/,? (Inc\.|Corp\.|Corporation)$/, ''),
    price: known.price ?? round(10 + (h % 50_000) / 100), // 10.00 .. 509.99
  };
}

// ---------------------------------------------------------------------------------------------
// US market calendar, so a year of daily bars has ~250 rows like the real thing.

const holidayCache = new Map<number, Set<string>>();

function ymd(y: number, m: number, d: number): string {
  return new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);
}

function nyseHolidays(year: number): Set<string> {
  let set = holidayCache.get(year);
  if (set) return set;
  set = new Set();
  // Fixed-date holidays move to Friday/Monday when on a weekend (New Year's Day never moves back).
  const fixed = (m: number, d: number, backToFriday = true) => {
    const wd = new Date(Date.UTC(year, m, d)).getUTCDay();
    if (wd === 6) {
      if (backToFriday) set!.add(ymd(year, m, d - 1));
    } else if (wd === 0) set!.add(ymd(year, m, d + 1));
    else set!.add(ymd(year, m, d));
  };
  const nth = (m: number, weekday: number, n: number) => {
    const first = new Date(Date.UTC(year, m, 1)).getUTCDay();
    set!.add(ymd(year, m, 1 + ((weekday - first + 7) % 7) + 7 * (n - 1)));
  };
  const last = (m: number, weekday: number) => {
    const lastDay = new Date(Date.UTC(year, m + 1, 0));
    set!.add(ymd(year, m, lastDay.getUTCDate() - ((lastDay.getUTCDay() - weekday + 7) % 7)));
  };
  fixed(0, 1, false); // New Year's Day
  nth(0, 1, 3); // Martin Luther King Jr. Day
  nth(1, 1, 3); // Washington's Birthday
  // Good Friday: two days before Easter (anonymous Gregorian algorithm).
  const a = year % 19, b = Math.floor(year / 100), c = year % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, mm = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * mm + 114) / 31) - 1, day = ((h + l - 7 * mm + 114) % 31) + 1;
  set.add(ymd(year, month, day - 2));
  last(4, 1); // Memorial Day
  if (year >= 2022) fixed(5, 19); // Juneteenth
  fixed(6, 4); // Independence Day
  nth(8, 1, 1); // Labor Day
  nth(10, 4, 4); // Thanksgiving
  fixed(11, 25); // Christmas
  holidayCache.set(year, set);
  return set;
}

/** US daylight saving time (second Sunday of March to first Sunday of November, since 2007). */
function isUsDst(dayStart: number): boolean {
  const date = new Date(dayStart * 1000);
  const y = date.getUTCFullYear();
  const sunday = (m: number, n: number) => {
    const first = new Date(Date.UTC(y, m, 1)).getUTCDay();
    return Date.UTC(y, m, 1 + ((7 - first) % 7) + 7 * (n - 1)) / 1000;
  };
  const lastSunday = (m: number) => {
    const last = new Date(Date.UTC(y, m + 1, 0));
    return Date.UTC(y, m, last.getUTCDate() - last.getUTCDay()) / 1000;
  };
  const [start, end] = y >= 2007 ? [sunday(2, 2), sunday(10, 1)] : [sunday(3, 1), lastSunday(9)];
  return dayStart >= start && dayStart < end;
}

/** 09:30 New York on that UTC day: 14:30 UTC in winter, 13:30 UTC in summer (how Yahoo stamps bars). */
function sessionOpen(dayStart: number): number {
  return dayStart + 14.5 * 3600 - (isUsDst(dayStart) ? 3600 : 0);
}

function isTradingDay(dayStart: number): boolean {
  const date = new Date(dayStart * 1000);
  const wd = date.getUTCDay();
  if (wd === 0 || wd === 6) return false;
  return !nyseHolidays(date.getUTCFullYear()).has(date.toISOString().slice(0, 10));
}

// ---------------------------------------------------------------------------------------------
// quote

let aaplQuote: Json;
function quoteTemplate(): Json {
  return (aaplQuote ??= recorded(F.quotes[0]).bodyJson.quoteResponse.result.find((q: Json) => q.symbol === 'AAPL'));
}

const QUOTE_PRICE_FIELDS = [
  'regularMarketPrice', 'regularMarketChange', 'regularMarketDayHigh', 'regularMarketDayLow', 'regularMarketPreviousClose',
  'regularMarketOpen', 'bid', 'ask', 'postMarketPrice', 'postMarketChange', 'fiftyTwoWeekLow', 'fiftyTwoWeekHigh',
  'fiftyTwoWeekLowChange', 'fiftyTwoWeekHighChange', 'fiftyDayAverage', 'fiftyDayAverageChange', 'twoHundredDayAverage',
  'twoHundredDayAverageChange', 'epsTrailingTwelveMonths', 'epsForward', 'epsCurrentYear', 'bookValue', 'dividendRate',
  'trailingAnnualDividendRate',
];

/** The AAPL recording relabelled and rescaled for `p` (keeps every field and type Yahoo sends). */
function deriveQuote(p: Profile): Json {
  const q = structuredClone(quoteTemplate());
  const ratio = p.price / q.regularMarketPrice;
  for (const k of QUOTE_PRICE_FIELDS) if (typeof q[k] === 'number') q[k] = round(q[k] * ratio, 4);
  q.regularMarketPrice = p.price;
  q.marketCap = Math.round(q.marketCap * ratio);
  q.regularMarketDayRange = `${q.regularMarketDayLow} - ${q.regularMarketDayHigh}`;
  q.fiftyTwoWeekRange = `${q.fiftyTwoWeekLow} - ${q.fiftyTwoWeekHigh}`;
  Object.assign(q, { symbol: p.symbol, shortName: p.shortName, longName: p.longName, displayName: p.displayName });
  q.messageBoardId = `finmb_${hash(p.symbol) % 1_000_000}`;
  return q;
}

let fullQuotes: Map<string, Json> | undefined;
function quoteFor(symbol: string): Json {
  fullQuotes ??= new Map(F.quotes.flatMap((f) => recorded(f).bodyJson.quoteResponse.result.map((q: Json) => [q.symbol, q])));
  const full = fullQuotes.get(symbol);
  if (full) return structuredClone(full);
  const q = deriveQuote(profileFor(symbol));
  // TSLA was recorded with `fields=`: lay the recorded fields over a complete derived quote.
  if (symbol === 'TSLA') Object.assign(q, structuredClone(recorded(F.quoteTsla).bodyJson.quoteResponse.result[0]));
  return q;
}

// ---------------------------------------------------------------------------------------------
// chart

const INTRADAY_SECONDS: Record<string, number> = { '1m': 60, '2m': 120, '5m': 300, '15m': 900, '30m': 1800, '60m': 3600, '90m': 5400, '1h': 3600 };
const INTERVALS = ['1m', '2m', '5m', '15m', '30m', '60m', '90m', '1h', '1d', '5d', '1wk', '1mo', '3mo'];
// Longest span Yahoo serves per request for each intraday interval.
const MAX_SPAN_DAYS: Record<string, number> = { '1m': 8, '2m': 60, '5m': 60, '15m': 60, '30m': 60, '90m': 60, '60m': 730, '1h': 730 };

/** Bar timestamps in [period1, period2): the session open for daily and longer, session-only intraday. */
function barTimes(interval: string, period1: number, period2: number): number[] {
  const out: number[] = [];
  const push = (t: number) => t >= period1 && t < period2 && out.push(t);
  const firstDay = Math.floor(period1 / DAY) * DAY;
  const step = INTRADAY_SECONDS[interval];
  if (step) {
    for (let day = firstDay; day < period2; day += DAY)
      if (isTradingDay(day)) for (let t = sessionOpen(day); t < sessionOpen(day) + SESSION_SECONDS; t += step) push(t);
  } else if (interval === '1d' || interval === '5d') {
    let n = 0;
    for (let day = firstDay; day < period2; day += DAY)
      if (isTradingDay(day) && (interval === '1d' || n++ % 5 === 0)) push(sessionOpen(day));
  } else if (interval === '1wk') {
    const monday = firstDay - ((new Date(firstDay * 1000).getUTCDay() + 6) % 7) * DAY;
    for (let day = monday; day < period2; day += 7 * DAY) push(sessionOpen(day));
  } else {
    const months = interval === '1mo' ? 1 : 3;
    const start = new Date(firstDay * 1000);
    let m = start.getUTCMonth() - (start.getUTCMonth() % months);
    for (let y = start.getUTCFullYear(); ; m += months) {
      const t = Date.UTC(y, m, 1) / 1000;
      if (t >= period2) break;
      push(sessionOpen(t));
    }
  }
  return out;
}

/**
 * Which recorded bar a bar at time t takes its values from (before the modulo). Daily bars count
 * trading days from the recording's first bar, so the recorded dates get the recorded values;
 * other intervals simply count interval steps since the epoch. Bars come in increasing time.
 */
function barPosition(interval: string, recordingStart: number): (t: number) => number {
  if (interval !== '1d' && interval !== '5d') {
    const unit = INTRADAY_SECONDS[interval] ?? DAY;
    return (t) => Math.floor(t / unit);
  }
  let day = Math.floor(recordingStart / DAY) * DAY;
  let ordinal = 0;
  return (t) => {
    const target = Math.floor(t / DAY) * DAY;
    for (; day < target; day += DAY) if (isTradingDay(day + DAY)) ordinal++;
    for (; day > target; day -= DAY) if (isTradingDay(day)) ordinal--;
    return ordinal;
  };
}

function chartAnswer(symbol: string, query: URLSearchParams): Answer {
  const interval = query.get('interval') ?? '1d';
  if (!INTERVALS.includes(interval))
    return yahooError(400, 'chart', 'Bad Request', `Invalid input - interval=${interval} is not supported. Valid intervals: [${INTERVALS.join(', ')}]`);
  const now = Math.floor(Date.now() / 1000);
  const period2 = Number(query.get('period2') ?? now);
  const period1 = Number(query.get('period1') ?? period2 - DAY);
  if (!Number.isFinite(period1) || !Number.isFinite(period2))
    return yahooError(400, 'chart', 'Bad Request', 'Invalid input - period1 and period2 must be numbers');
  if (period1 > period2)
    return yahooError(400, 'chart', 'Bad Request', `Invalid input - start date cannot be after end date. startDate = ${period1}, endDate = ${period2}`);
  const maxDays = MAX_SPAN_DAYS[interval];
  if (maxDays !== undefined && period2 - period1 > maxDays * DAY)
    return yahooError(
      422, 'chart', 'Unprocessable Entity',
      `${interval} data not available for startTime=${period1} and endTime=${period2}. ` +
        `Only ${maxDays} days worth of ${interval} granularity data are allowed to be fetched per request.`,
    );

  // Values are cycled from the MSFT recording, indexed by the bar's own time so overlapping
  // requests agree, and scaled to the symbol's price level.
  const template = recorded(F.chartTemplate).bodyJson.chart.result[0];
  const src = template.indicators.quote[0];
  const srcAdj: number[] = template.indicators.adjclose[0].adjclose;
  const n = src.close.length;
  const p = profileFor(symbol);
  const scale = p.price / template.meta.regularMarketPrice;
  const unit = INTRADAY_SECONDS[interval] ?? DAY;
  const volumeScale = INTRADAY_SECONDS[interval] ? unit / SESSION_SECONDS
    : ({ '1d': 1, '5d': 5, '1wk': 5, '1mo': 21, '3mo': 63 } as Record<string, number>)[interval];
  // MSFT itself gets offset 0, so its recorded year comes back bar for bar.
  const offset = symbol === template.meta.symbol ? 0 : hash(symbol) % n;
  const position = barPosition(interval, template.timestamp[0]);

  const meta = structuredClone(template.meta);
  // Data starts at the first trade date and ends now, whatever the request asks.
  const times = barTimes(interval, Math.max(period1, meta.firstTradeDate), Math.min(period2, now + 1));
  const q = { open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
  const adjclose: number[] = [];
  for (const t of times) {
    const i = (((position(t) + offset) % n) + n) % n;
    for (const k of ['open', 'high', 'low', 'close'] as const) q[k].push(scale === 1 ? src[k][i] : round(src[k][i] * scale, 4));
    q.volume.push(Math.round(src.volume[i] * volumeScale));
    adjclose.push(scale === 1 ? srcAdj[i] : round(srcAdj[i] * scale, 4));
  }

  for (const k of ['regularMarketPrice', 'fiftyTwoWeekHigh', 'fiftyTwoWeekLow', 'regularMarketDayHigh', 'regularMarketDayLow', 'chartPreviousClose'])
    meta[k] = round(meta[k] * scale, 4);
  Object.assign(meta, { symbol, longName: p.longName, shortName: p.shortName, regularMarketPrice: p.price, dataGranularity: interval });

  const daily = !INTRADAY_SECONDS[interval];
  // No bars: Yahoo omits `timestamp` and sends an empty quote object (see the weekend 1m recording).
  const indicators: Json = times.length
    ? { quote: [q], ...(daily && { adjclose: [{ adjclose }] }) }
    : { quote: [{}], ...(daily && { adjclose: [{}] }) };
  const result: Json = { meta, ...(times.length && { timestamp: times }), indicators };
  return json(200, { chart: { result: [result], error: null } });
}

// ---------------------------------------------------------------------------------------------
// quoteSummary

const SUMMARY_PRICE_FIELDS: Record<string, string[]> = {
  price: ['preMarketChange', 'preMarketPrice', 'postMarketChange', 'postMarketPrice', 'regularMarketChange', 'regularMarketPrice',
    'regularMarketDayHigh', 'regularMarketDayLow', 'regularMarketPreviousClose', 'regularMarketOpen'],
  summaryDetail: ['previousClose', 'open', 'dayLow', 'dayHigh', 'regularMarketPreviousClose', 'regularMarketOpen', 'regularMarketDayLow',
    'regularMarketDayHigh', 'bid', 'ask', 'fiftyTwoWeekLow', 'fiftyTwoWeekHigh', 'fiftyDayAverage', 'twoHundredDayAverage'],
  financialData: ['currentPrice', 'targetHighPrice', 'targetLowPrice', 'targetMeanPrice', 'targetMedianPrice'],
};

function summaryModule(name: string): Json {
  if (F.summaryModules.includes(name))
    return recordedJson(`quoteSummary-${name}-AAPL.json`).quoteSummary.result[0][name];
  // Other modules come from the all-modules recording (some of which fail 3.15.4's validation,
  // exactly as Yahoo's real data does; see the fixtures README).
  const all = recorded(F.summaryAll).bodyJson.quoteSummary.result[0];
  return name in all ? structuredClone(all[name]) : undefined;
}

function quoteSummaryAnswer(symbol: string, query: URLSearchParams): Answer {
  const modules = (query.get('modules') ?? '').split(',').filter(Boolean);
  if (!modules.length) return yahooError(400, 'quoteSummary', 'Bad Request', 'Missing value for the "modules" argument');
  const p = profileFor(symbol);
  const aaplPrice = recorded('quoteSummary-price-AAPL.json').bodyJson.quoteSummary.result[0].price.regularMarketPrice;
  const ratio = p.price / aaplPrice;
  const result: Json = {};
  for (const name of modules) {
    const mod = summaryModule(name);
    if (mod === undefined) continue;
    if (symbol !== 'AAPL' && mod && typeof mod === 'object') {
      for (const k of ['symbol', 'underlyingSymbol']) if (mod[k] === 'AAPL') mod[k] = symbol;
      for (const k of ['shortName', 'longName'] as const) if (typeof mod[k] === 'string') mod[k] = p[k];
      for (const k of SUMMARY_PRICE_FIELDS[name] ?? []) if (typeof mod[k] === 'number') mod[k] = round(mod[k] * ratio, 4);
      if (name === 'price') mod.regularMarketPrice = p.price;
      if (name === 'financialData') mod.currentPrice = p.price;
    }
    result[name] = mod;
  }
  return json(200, { quoteSummary: { result: [result], error: null } });
}

// ---------------------------------------------------------------------------------------------
// search

function searchAnswer(query: URLSearchParams, isUnknown: (s: string) => boolean): Answer {
  const q = (query.get('q') ?? '').trim();
  if (!q) return replay(F.search400);
  const quotesCount = Number(query.get('quotesCount') ?? 6);
  const newsCount = Number(query.get('newsCount') ?? 4);
  const upper = q.toUpperCase();

  let body: Json;
  let news: Json[];
  if (upper.includes('AAPL') || upper.includes('APPLE')) {
    body = recordedJson(F.searchAapl);
    news = body.news;
  } else if (upper.includes('GOOG') || upper.includes('ALPHABET')) {
    body = recordedJson(F.searchGoog);
    news = body.news;
  } else if (SYMBOL_RE.test(upper) && !isUnknown(upper)) {
    // Derived: one equity hit for the symbol and the AAPL news rewritten to be about it.
    const p = profileFor(upper);
    body = recordedJson(F.searchAapl);
    body.quotes = [{ ...body.quotes[0], symbol: upper, shortname: p.shortName, longname: p.longName, score: 100_000 + (hash(upper) % 100_000) }];
    news = body.news.map((item: Json, i: number) => ({
      ...item,
      uuid: fakeUuid(`${upper}:${i}`),
      link: `${item.link}?fake=${upper}-${i}`,
      title: item.title.replace(/Apple/g, p.displayName),
      relatedTickers: [upper],
    }));
  } else {
    body = recordedJson(F.searchEmpty);
    news = [];
  }

  // quotesCount limits the symbol hits (Yahoo may add non-symbol entries, as in the AAPL recording).
  let hits = 0;
  body.quotes = quotesCount <= 0 ? [] : body.quotes.filter((x: Json) => !x.symbol || ++hits <= quotesCount);
  // newsCount: the recorded/derived items, then copies with their own uuid and an older time.
  const out: Json[] = [];
  for (let i = 0; news.length && i < newsCount; i++) {
    const base = news[i % news.length];
    const cycle = Math.floor(i / news.length);
    out.push(cycle === 0 ? base : {
      ...base,
      uuid: fakeUuid(`${upper}:${i}`),
      link: `${base.link.split('?')[0]}?fake=${upper}-${i}`,
      providerPublishTime: base.providerPublishTime - cycle * 3600,
    });
  }
  body.news = out;
  body.count = body.quotes.length + body.news.length;
  return json(200, body);
}

function fakeUuid(seed: string): string {
  const hex = [0, 1, 2, 3].map((i) => hash(`${seed}#${i}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// Faults

/** Make a valid answer fail yahoo-finance2's schema validation while staying valid JSON. */
function invalidate(kind: YahooCallKind, answer: Answer, firstSymbol: string): Answer {
  let body: Json;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return json(200, { unexpected: 'abc' });
  }
  if (kind === 'quote' && body?.quoteResponse?.result) {
    const rows = body.quoteResponse.result;
    if (!rows.length) rows.push({ ...quoteFor(firstSymbol || 'AAPL'), symbol: firstSymbol || 'AAPL' });
    for (const row of rows) row.regularMarketPrice = 'abc';
  } else if (kind === 'chart' && body?.chart?.result) {
    const r = body.chart.result[0];
    r.timestamp = (r.timestamp ?? [Math.floor(Date.now() / 1000)]).map(String);
    r.meta.regularMarketPrice = 'abc';
  } else if (kind === 'quoteSummary' && body?.quoteSummary?.result) {
    for (const mod of Object.values(body.quoteSummary.result[0]) as Json[]) corruptFirstNumber(mod);
  } else if (kind === 'search') {
    body.count = 'abc';
    for (const n of body.news ?? []) n.providerPublishTime = 'abc';
  } else {
    body = { unexpected: 'abc' };
  }
  return json(200, body);
}

function corruptFirstNumber(obj: Json): boolean {
  if (!obj || typeof obj !== 'object') return false;
  for (const k of Object.keys(obj)) {
    if (typeof obj[k] === 'number') {
      obj[k] = 'abc';
      return true;
    }
    if (corruptFirstNumber(obj[k])) return true;
  }
  return false;
}

function statusFault(f: { status: number; body?: string; headers?: Record<string, string> }): Answer {
  let body = f.body;
  let type = 'text/plain;charset=utf-8';
  if (body === undefined) {
    if (f.status === 429) body = 'Edge: Too Many Requests'; // what Yahoo's edge sends, as plain text
    else if (f.status >= 500) body = `${f.status} ${STATUS_TEXT[f.status] ?? 'Server Error'}`;
    else {
      const text = STATUS_TEXT[f.status] ?? 'Error';
      body = JSON.stringify({ finance: { result: null, error: { code: text, description: text } } });
    }
  }
  try {
    JSON.parse(body);
    type = JSON_TYPE;
  } catch {
    /* not JSON: keep text/plain */
  }
  return { status: f.status, headers: { 'content-type': type, ...f.headers }, body };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

// ---------------------------------------------------------------------------------------------
// Routing

function classify(host: string | undefined, path: string): YahooCallKind {
  const api = !host || /^query\d\.finance\.yahoo\.com$/.test(host);
  if ((!host || host === 'finance.yahoo.com') && path.startsWith('/quote/')) return 'cookie';
  if ((!host || /^(guce|consent)\.yahoo\.com$/.test(host)) && /^\/(consent|copyConsent|v2\/collectConsent)\b/.test(path)) return 'consent';
  if (!api) return 'other';
  if (path === '/v1/test/getcrumb') return 'crumb';
  if (path === '/v7/finance/quote') return 'quote';
  if (/^\/v8\/finance\/chart\/[^/]+$/.test(path)) return 'chart';
  if (/^\/v10\/finance\/quoteSummary\/[^/]+$/.test(path)) return 'quoteSummary';
  if (path === '/v1/finance/search') return 'search';
  return 'other';
}

const lastSegment = (path: string) => decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)).toUpperCase();

export async function startFakeYahoo(): Promise<FakeYahoo> {
  const requests: RecordedYahooRequest[] = [];
  const unknownSymbols = new Set<string>(DEFAULT_UNKNOWN);
  let faults: { kind: YahooCallKind | '*'; fault: YahooFault; left: number }[] = [];
  const delays = new Map<YahooCallKind | '*', number>();
  const hung = new Set<ServerResponse>();
  const sleeping = new Set<() => void>();
  let closed = false;

  const isUnknown = (symbol: string) =>
    unknownSymbols.has(symbol) || unknownSymbols.has(symbol.toUpperCase()) || symbol.startsWith('NOPE') || !SYMBOL_RE.test(symbol);

  function route(kind: YahooCallKind, method: string, url: URL): Answer {
    const query = url.searchParams;
    switch (kind) {
      case 'cookie':
        // One first-party cookie is all yahoo-finance2 needs before it asks for a crumb.
        return {
          status: 200,
          headers: {
            'content-type': 'text/html; charset=utf-8',
            'set-cookie': ['A3=d=FAKE; Max-Age=31557600; Domain=.yahoo.com; Path=/; Secure; SameSite=None'],
          },
          body: '<!DOCTYPE html><html><head><title>Fake Yahoo Finance</title></head><body></body></html>',
        };
      case 'consent': {
        // Only reached if a test replays the EU consent chain; answer with the recorded steps.
        const c = F.consent;
        if (url.pathname === '/consent') return replay(c.guceConsent);
        if (url.pathname === '/copyConsent') return replay(c.copyConsent);
        return replay(method === 'POST' ? c.collectConsentSubmit : c.collectConsent);
      }
      case 'crumb':
        return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8' }, body: recordedText(F.crumb) };
      case 'quote': {
        if (!query.get('crumb')) return yahooError(401, 'finance', 'Unauthorized', 'Invalid Crumb');
        const raw = query.get('symbols');
        if (!raw) return yahooError(400, 'finance', 'Bad Request', 'Missing required query parameter=symbols');
        const symbols = [...new Set(raw.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean))];
        if (symbols.length > MAX_QUOTE_SYMBOLS)
          return yahooError(400, 'finance', 'Bad Request', `Too many symbols: ${symbols.length}, the maximum is ${MAX_QUOTE_SYMBOLS}`);
        // Unknown symbols are simply left out, as Yahoo does (quote-SIX.json).
        const result = symbols.filter((s) => !isUnknown(s)).map(quoteFor);
        return json(200, { quoteResponse: { result, error: null } });
      }
      case 'chart': {
        const symbol = lastSegment(url.pathname);
        if (isUnknown(symbol)) return replay(F.chart404);
        return chartAnswer(symbol, query);
      }
      case 'quoteSummary': {
        if (!query.get('crumb')) return yahooError(401, 'finance', 'Unauthorized', 'Invalid Crumb');
        const symbol = lastSegment(url.pathname);
        if (isUnknown(symbol)) {
          const body = recordedJson(F.summary404);
          body.quoteSummary.error.description = `Quote not found for ticker symbol: ${decodeURIComponent(url.pathname.split('/').pop()!)}`;
          return json(404, body);
        }
        return quoteSummaryAnswer(symbol, query);
      }
      case 'search':
        return searchAnswer(query, isUnknown);
      default:
        return yahooError(404, 'finance', 'Not Found', 'HTTP 404 Not Found');
    }
  }

  function takeFault(kind: YahooCallKind): YahooFault | undefined {
    // First registered matching fault wins (so fail(a,1); fail(b,1) answers a, then b).
    const entry = faults.find((f) => (f.kind === kind || f.kind === '*') && f.left > 0);
    if (!entry) return undefined;
    entry.left -= 1;
    faults = faults.filter((f) => f.left > 0);
    return entry.fault;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleeping.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleeping.add(done);
    });
  }

  function send(res: ServerResponse, rec: RecordedYahooRequest, a: Answer) {
    rec.status = a.status;
    if (res.destroyed) return;
    res.writeHead(a.status, a.headers);
    res.end(a.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    req.resume(); // bodies (the consent form POST) are not needed
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const forwarded = headers['x-forwarded-host'] || undefined;
    const kind = classify(forwarded, url.pathname);
    const method = req.method ?? 'GET';
    // Recorded first, so faulted and hung requests are counted too.
    const rec: RecordedYahooRequest = {
      kind, method, host: forwarded ?? headers.host ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers,
    };
    requests.push(rec);

    const ms = delays.get(kind) ?? delays.get('*') ?? 0;
    if (ms > 0) await sleep(ms);
    if (closed) return void res.destroy();

    const fault = takeFault(kind);
    if (fault === 'timeout') {
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    if (typeof fault === 'object') return send(res, rec, statusFault(fault));

    let answer: Answer;
    try {
      answer = route(kind, method, url);
    } catch (err) {
      // A bug in the fake must not look like an ordinary Yahoo outage.
      console.error('[fake-yahoo] internal error', err);
      answer = { status: 500, headers: { 'content-type': 'text/plain' }, body: `fake yahoo internal error: ${String(err)}` };
    }
    if (fault === 'garbage') {
      // Truncated JSON, as from a dropped connection behind a proxy.
      answer = { status: 200, headers: { 'content-type': JSON_TYPE }, body: answer.body.slice(0, 40).replace(/[}\]]+$/, '') + '{"unterminated' };
    } else if (fault === 'invalid') {
      answer = invalidate(kind, answer, (rec.query.symbols ?? '').split(',')[0]?.toUpperCase() ?? '');
    }
    send(res, rec, answer);
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake yahoo: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    unknownSymbols,
    count: (kind) => (kind ? requests.filter((r) => r.kind === kind).length : requests.length),
    symbolsRequested: (kind) =>
      requests.filter((r) => r.kind === kind).map((r) => (r.query.symbols ? r.query.symbols.split(',') : [])),
    reset() {
      requests.length = 0;
      faults = [];
      delays.clear();
    },
    fail(kind, fault, times = Infinity) {
      if (times > 0) faults.push({ kind, fault, left: times });
    },
    clearFaults() {
      faults = [];
    },
    delay(kind, ms) {
      if (ms > 0) delays.set(kind, ms);
      else delays.delete(kind);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const wake of [...sleeping]) wake();
      for (const res of hung) res.destroy();
      hung.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
