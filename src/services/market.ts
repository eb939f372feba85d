// Market data for GraphQL and anything else: normalised symbols, per-kind caches, batching of
// quotes into few upstream requests. Knows nothing of GraphQL.
import { NOT_FOUND, type Cached, type UpstreamCache } from '../cache/upstream-cache.js';
import { AppError } from '../errors.js';
import type { CompanyProfile, Interval, MarketUpstream, Period, Quote, StockData } from './market-types.js';
import { assertPeriodInterval } from './periods.js';

/** Yahoo's practical limit per quote request is ~100 symbols; 50 keeps well clear of it. */
export const QUOTE_BATCH_SIZE = 50;
export const MAX_SYMBOLS_PER_REQUEST = 250;

// Tickers, indices (^GSPC), currencies (EURUSD=X), crypto (BTC-USD), share classes (BRK.B, BRK-B),
// foreign listings (0700.HK), futures (ES=F).
const SYMBOL_PATTERN = /^\^?[A-Z0-9][A-Z0-9.=-]{0,23}$/;

export function normaliseSymbol(raw: string): string {
  const symbol = raw.trim().toUpperCase();
  if (!SYMBOL_PATTERN.test(symbol) || symbol.includes('..')) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw new AppError(
      'INVALID_SYMBOL',
      `"${shown}" is not a valid ticker symbol (1-24 characters: letters, digits, ".", "-", "=", optionally starting with "^")`,
      { symbol: shown },
    );
  }
  return symbol;
}

export function symbolNotFound(symbol: string): AppError {
  return new AppError('SYMBOL_NOT_FOUND', `No such symbol on Yahoo Finance: ${symbol}`, { symbol });
}

export type StockInfoCacheValue = Quote | CompanyProfile | null;

export interface MarketCaches {
  stockData: UpstreamCache<StockData>;
  /** Quotes under "quote:SYM" and company profiles under "profile:SYM" (same 30 min TTL). */
  stockInfo: UpstreamCache<StockInfoCacheValue>;
}

export class MarketService {
  constructor(
    private readonly upstream: MarketUpstream,
    readonly caches: MarketCaches,
  ) {}

  /** A fresh cached quote, synchronously (the hot path of a cached stockInfo). */
  peekQuote(symbol: string): Cached<Quote> | undefined {
    return this.caches.stockInfo.peekFresh(`quote:${symbol}`) as Cached<Quote> | undefined;
  }

  /** Quotes for normalised symbols, in order; an Error in place of each one that failed. */
  async quotes(symbols: readonly string[]): Promise<Array<Cached<Quote> | Error>> {
    const keys = symbols.map((s) => `quote:${s}`);
    const results = await this.caches.stockInfo.getMany(
      keys,
      async (batch) => {
        const found = await this.upstream.quotes(batch.map((k) => k.slice('quote:'.length)));
        return new Map([...found].map(([symbol, quote]) => [`quote:${symbol}`, quote as StockInfoCacheValue]));
      },
      QUOTE_BATCH_SIZE,
    );
    return results as Array<Cached<Quote> | Error>;
  }

  async profile(symbol: string): Promise<Cached<CompanyProfile | null>> {
    return (await this.caches.stockInfo.get(`profile:${symbol}`, async () => {
      const profile = await this.upstream.profile(symbol);
      return profile === undefined ? NOT_FOUND : profile;
    })) as Cached<CompanyProfile | null>;
  }

  stockDataKey(symbol: string, period: Period, interval: Interval): string {
    return `${symbol}|${period}|${interval}`;
  }

  peekStockData(symbol: string, period: Period, interval: Interval): Cached<StockData> | undefined {
    return this.caches.stockData.peekFresh(this.stockDataKey(symbol, period, interval));
  }

  async stockData(symbol: string, period: Period, interval: Interval): Promise<Cached<StockData>> {
    assertPeriodInterval(period, interval);
    return this.caches.stockData.get(this.stockDataKey(symbol, period, interval), async () => {
      const data = await this.upstream.chart(symbol, period, interval);
      return data ?? NOT_FOUND;
    });
  }
}
