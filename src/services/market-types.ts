// Plain data shapes of the market domain (no GraphQL, no Yahoo specifics).
export const PERIODS = [
  'ONE_DAY', 'FIVE_DAYS', 'ONE_MONTH', 'THREE_MONTHS', 'SIX_MONTHS', 'YEAR_TO_DATE',
  'ONE_YEAR', 'TWO_YEARS', 'FIVE_YEARS', 'TEN_YEARS', 'MAX',
] as const;
export type Period = (typeof PERIODS)[number];

export const INTERVALS = [
  'ONE_MINUTE', 'FIVE_MINUTES', 'FIFTEEN_MINUTES', 'THIRTY_MINUTES', 'ONE_HOUR', 'ONE_DAY', 'ONE_WEEK', 'ONE_MONTH',
] as const;
export type Interval = (typeof INTERVALS)[number];

export interface PriceBar {
  /** ISO-8601, UTC. */
  time: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  adjClose: number | null;
  volume: number | null;
}

export interface StockData {
  symbol: string;
  period: Period;
  interval: Interval;
  currency: string | null;
  exchangeTimezone: string | null;
  bars: PriceBar[];
}

export interface Quote {
  symbol: string;
  name: string | null;
  currency: string | null;
  exchange: string | null;
  quoteType: string | null;
  marketState: string | null;
  marketTime: string | null;
  price: number | null;
  previousClose: number | null;
  change: number | null;
  changePercent: number | null;
  marketCap: number | null;
  volume: number | null;
  fiftyTwoWeekHigh: number | null;
  fiftyTwoWeekLow: number | null;
}

export interface CompanyProfile {
  sector: string | null;
  industry: string | null;
  website: string | null;
  summary: string | null;
  employees: number | null;
  country: string | null;
}

/** What stockroom needs from a market-data provider (Yahoo Finance today). */
export interface MarketUpstream {
  /** Quotes for many symbols in one request; unknown symbols are absent from the map. */
  quotes(symbols: string[]): Promise<Map<string, Quote>>;
  /** Price history, or null when the symbol does not exist. */
  chart(symbol: string, period: Period, interval: Interval): Promise<StockData | null>;
  /** Company profile; `undefined` when the symbol does not exist, null when it has no profile (ETFs, FX). */
  profile(symbol: string): Promise<CompanyProfile | null | undefined>;
}
