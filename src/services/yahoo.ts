// Yahoo Finance through yahoo-finance2 (3.15.x: 4.x needs Node 22). One client per server.
// Every request goes through createYahooFetch (base URL, timeout, typed 429/5xx errors); this
// file maps the library's results into market-types and its errors into AppErrors.
import YahooFinance from 'yahoo-finance2';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CompanyProfile, Interval, MarketUpstream, Period, PriceBar, Quote, StockData } from './market-types.js';
import { periodStart, YAHOO_INTERVAL } from './periods.js';
import { createYahooFetch, type YahooFetchOptions } from './yahoo-fetch.js';

export interface YahooUpstreamOptions extends YahooFetchOptions {
  concurrency: number;
  logger: Logger;
}

export type YahooClient = InstanceType<typeof YahooFinance>;

export function createYahooClient(opts: YahooUpstreamOptions): YahooClient {
  const log = opts.logger.child({ upstream: 'yahoo' });
  return new YahooFinance({
    fetch: createYahooFetch(opts),
    versionCheck: false, // would call the npm registry directly, bypassing `fetch`
    suppressNotices: ['yahooSurvey', 'ripHistorical'],
    validation: { logErrors: false, logOptionsErrors: false },
    queue: { concurrency: opts.concurrency },
    logger: {
      // The library warns on every construction that it wants Node 22; it works on 20.
      info: () => {},
      warn: (...args: unknown[]) => {
        const text = args.map(String).join(' ');
        if (!text.includes('Unsupported environment')) log.warn('yahoo-finance2 warning', { detail: text });
      },
      error: (...args: unknown[]) => log.debug('yahoo-finance2 error output', { detail: args.map(String).join(' ') }),
      debug: () => {},
      dir: () => {},
    },
  });
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const iso = (v: unknown): string | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : null);

/** Maps whatever the library threw to an AppError (or `undefined` for a "does not exist" answer). */
export function classify(error: unknown, what: string): AppError | 'not-found' {
  if (isAppError(error)) return error;
  const e = error as { name?: string; message?: string; code?: unknown };
  const message = e?.message ?? '';
  if (/No data found|Quote not found|symbol may be delisted|Not Found/i.test(message)) return 'not-found';
  if (/status 429|Too Many Requests/i.test(message)) {
    return new AppError('UPSTREAM_RATE_LIMITED', 'Yahoo Finance is rate-limiting requests; try again later', { upstream: 'yahoo' });
  }
  if (e?.name === 'FailedYahooValidationError') {
    return new AppError('UPSTREAM_UNAVAILABLE', `Yahoo Finance returned ${what} data in an unexpected shape`, { upstream: 'yahoo' }, undefined, { cause: error });
  }
  if (e?.name === 'BadRequestError' || e?.name === 'InvalidOptionsError') {
    return new AppError('BAD_USER_INPUT', `Yahoo Finance refused the ${what} request: ${message.slice(0, 300)}`, { upstream: 'yahoo' });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', `Yahoo Finance ${what} request failed`, { upstream: 'yahoo' }, undefined, { cause: error });
}

function toQuote(q: Record<string, unknown>): Quote {
  return {
    symbol: String(q.symbol).toUpperCase(),
    name: str(q.longName) ?? str(q.shortName) ?? str(q.displayName),
    currency: str(q.currency),
    exchange: str(q.fullExchangeName) ?? str(q.exchange),
    quoteType: str(q.quoteType),
    marketState: str(q.marketState),
    marketTime: iso(q.regularMarketTime),
    price: num(q.regularMarketPrice),
    previousClose: num(q.regularMarketPreviousClose),
    change: num(q.regularMarketChange),
    changePercent: num(q.regularMarketChangePercent),
    marketCap: num(q.marketCap),
    volume: num(q.regularMarketVolume),
    fiftyTwoWeekHigh: num(q.fiftyTwoWeekHigh),
    fiftyTwoWeekLow: num(q.fiftyTwoWeekLow),
  };
}

export function createYahooUpstream(client: YahooClient): MarketUpstream {
  return {
    async quotes(symbols) {
      let rows: Array<Record<string, unknown>>;
      try {
        rows = (await client.quote(symbols, { return: 'array' })) as unknown as Array<Record<string, unknown>>;
      } catch (error) {
        const mapped = classify(error, 'quote');
        if (mapped === 'not-found') return new Map();
        throw mapped;
      }
      const found = new Map<string, Quote>();
      for (const row of rows ?? []) {
        if (row && typeof row.symbol === 'string') found.set(row.symbol.toUpperCase(), toQuote(row));
      }
      return found;
    },

    async chart(symbol: string, period: Period, interval: Interval): Promise<StockData | null> {
      let result: { meta: unknown; quotes: Array<Record<string, unknown> & { date: Date }> };
      try {
        result = await client.chart(symbol, {
          period1: periodStart(period),
          period2: new Date(),
          interval: YAHOO_INTERVAL[interval] as '1d',
          includePrePost: false,
          events: 'div|split',
        }) as typeof result;
      } catch (error) {
        const mapped = classify(error, 'chart');
        if (mapped === 'not-found') return null;
        throw mapped;
      }
      const bars: PriceBar[] = [];
      for (const q of result.quotes ?? []) {
        const time = iso(q.date);
        if (!time) continue;
        bars.push({
          time,
          open: num(q.open),
          high: num(q.high),
          low: num(q.low),
          close: num(q.close),
          adjClose: num((q as { adjclose?: unknown }).adjclose),
          volume: num(q.volume),
        });
      }
      const meta = result.meta as unknown as Record<string, unknown>;
      return {
        symbol,
        period,
        interval,
        currency: str(meta?.currency),
        exchangeTimezone: str(meta?.exchangeTimezoneName),
        bars,
      };
    },

    async profile(symbol: string): Promise<CompanyProfile | null | undefined> {
      try {
        const summary = await client.quoteSummary(symbol, { modules: ['assetProfile'] });
        const p = summary.assetProfile as Record<string, unknown> | undefined;
        if (!p) return null;
        return {
          sector: str(p.sector),
          industry: str(p.industry),
          website: str(p.website),
          summary: str(p.longBusinessSummary),
          employees: num(p.fullTimeEmployees),
          country: str(p.country),
        };
      } catch (error) {
        const message = (error as Error)?.message ?? '';
        // ETFs, currencies and indices exist but have no company profile.
        if (/No fundamentals data found/i.test(message)) return null;
        const mapped = classify(error, 'profile');
        if (mapped === 'not-found') return undefined;
        throw mapped;
      }
    },
  };
}
