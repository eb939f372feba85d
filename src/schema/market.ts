// Market domain: stock price history and stock info.
import { builder } from '../builder.js';
import * as resolve from '../resolvers/market.js';
import { INTERVALS, PERIODS, type CompanyProfile, type PriceBar } from '../services/market-types.js';

export const PeriodEnum = builder.enumType('Period', {
  description: 'How far back a price history reaches, ending now (yfinance: 1d, 5d, 1mo, 3mo, 6mo, ytd, 1y, 2y, 5y, 10y, max).',
  values: PERIODS,
});

export const IntervalEnum = builder.enumType('Interval', {
  description:
    'Bar size. Yahoo limits intraday history: ONE_MINUTE up to FIVE_DAYS; FIVE/FIFTEEN/THIRTY_MINUTES up to ONE_MONTH; ONE_HOUR up to ONE_YEAR; daily and longer for any period.',
  values: INTERVALS,
});

const PriceBarRef = builder.objectRef<PriceBar>('PriceBar').implement({
  description: 'One OHLCV bar. Prices are as traded (not adjusted); adjClose is adjusted for splits and dividends. Null where Yahoo has no value.',
  fields: (t) => ({
    time: t.expose('time', { type: 'DateTime', nullable: false, description: 'Start of the bar, UTC.' }),
    open: t.exposeFloat('open'),
    high: t.exposeFloat('high'),
    low: t.exposeFloat('low'),
    close: t.exposeFloat('close'),
    adjClose: t.exposeFloat('adjClose'),
    volume: t.exposeFloat('volume'),
  }),
});

const StockDataRef = builder.objectRef<resolve.StockDataShape>('StockData').implement({
  description: 'Price history of one symbol. Cached for CACHE_TTL_STOCK_DATA_S (1 h by default).',
  fields: (t) => ({
    symbol: t.string({ nullable: false, resolve: (d) => d.value.symbol }),
    period: t.field({ type: PeriodEnum, nullable: false, resolve: (d) => d.value.period }),
    interval: t.field({ type: IntervalEnum, nullable: false, resolve: (d) => d.value.interval }),
    currency: t.string({ resolve: (d) => d.value.currency }),
    exchangeTimezone: t.string({ description: 'IANA time zone of the exchange, e.g. America/New_York.', resolve: (d) => d.value.exchangeTimezone }),
    bars: t.field({ type: [PriceBarRef], nullable: false, resolve: (d) => d.value.bars }),
    fetchedAt: t.field({ type: 'DateTime', nullable: false, description: 'When stockroom fetched this from Yahoo.', resolve: (d) => d.fetchedAt }),
    stale: t.boolean({
      nullable: false,
      description: 'True when Yahoo failed and this is an older copy (at most CACHE_MAX_STALE_S old).',
      resolve: (d) => d.stale,
    }),
  }),
});

const CompanyProfileRef = builder.objectRef<CompanyProfile>('CompanyProfile').implement({
  fields: (t) => ({
    sector: t.exposeString('sector'),
    industry: t.exposeString('industry'),
    website: t.exposeString('website'),
    summary: t.exposeString('summary'),
    employees: t.exposeInt('employees'),
    country: t.exposeString('country'),
  }),
});

export const StockInfoRef = builder.objectRef<resolve.StockInfoShape>('StockInfo').implement({
  description: 'Quote-level information about one symbol. Cached for CACHE_TTL_STOCK_INFO_S (30 min by default).',
  fields: (t) => ({
    symbol: t.string({ nullable: false, resolve: (i) => i.value.symbol }),
    name: t.string({ resolve: (i) => i.value.name }),
    currency: t.string({ resolve: (i) => i.value.currency }),
    exchange: t.string({ resolve: (i) => i.value.exchange }),
    quoteType: t.string({ description: 'EQUITY, ETF, CRYPTOCURRENCY, CURRENCY, INDEX, …', resolve: (i) => i.value.quoteType }),
    marketState: t.string({ description: 'PRE, REGULAR, POST, CLOSED, …', resolve: (i) => i.value.marketState }),
    marketTime: t.field({ type: 'DateTime', description: 'Time of the last regular-market price.', resolve: (i) => i.value.marketTime }),
    price: t.float({ resolve: (i) => i.value.price }),
    previousClose: t.float({ resolve: (i) => i.value.previousClose }),
    change: t.float({ resolve: (i) => i.value.change }),
    changePercent: t.float({ resolve: (i) => i.value.changePercent }),
    marketCap: t.float({ resolve: (i) => i.value.marketCap }),
    volume: t.float({ resolve: (i) => i.value.volume }),
    fiftyTwoWeekHigh: t.float({ resolve: (i) => i.value.fiftyTwoWeekHigh }),
    fiftyTwoWeekLow: t.float({ resolve: (i) => i.value.fiftyTwoWeekLow }),
    fetchedAt: t.field({ type: 'DateTime', nullable: false, resolve: (i) => i.fetchedAt }),
    stale: t.boolean({
      nullable: false,
      description: 'True when Yahoo failed and this is an older copy (at most CACHE_MAX_STALE_S old).',
      resolve: (i) => i.stale,
    }),
    profile: t.field({
      type: CompanyProfileRef,
      description: 'Company profile (sector, industry, …); fetched only when selected. Null for ETFs, currencies and indices.',
      resolve: (info, _args, ctx) => resolve.companyProfile(ctx, info),
    }),
  }),
});

builder.queryFields((t) => ({
  stockData: t.field({
    type: StockDataRef,
    nullable: false,
    description: 'Price history (OHLCV bars) of one symbol, like yfinance Ticker.history(period, interval).',
    args: {
      symbol: t.arg.string({ required: true }),
      period: t.arg({ type: PeriodEnum, defaultValue: 'ONE_YEAR' }),
      interval: t.arg({ type: IntervalEnum, defaultValue: 'ONE_DAY' }),
    },
    resolve: (_root, args, ctx) =>
      resolve.stockData(ctx, { symbol: args.symbol, period: args.period ?? 'ONE_YEAR', interval: args.interval ?? 'ONE_DAY' }),
  }),
  stockInfo: t.field({
    type: StockInfoRef,
    nullable: false,
    description: 'Quote and key figures of one symbol, like yfinance Ticker.info.',
    args: { symbol: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => resolve.stockInfo(ctx, args.symbol),
  }),
  stockInfos: t.field({
    type: [StockInfoRef],
    nullable: { list: false, items: true },
    description: 'Stock info for up to 250 symbols at once, in order; null plus an error (with its path) for each invalid or unknown symbol.',
    args: { symbols: t.arg.stringList({ required: true }) },
    resolve: (_root, args, ctx) => resolve.stockInfos(ctx, args.symbols) as never,
  }),
}));
