// Thin: arguments in, one service call, result out. A cached answer returns synchronously
// (no promise, no DataLoader) — that is most of the cost of a hit.
import type { Cached } from '../cache/upstream-cache.js';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { MAX_SYMBOLS_PER_REQUEST, normaliseSymbol } from '../services/market.js';
import type { CompanyProfile, Interval, Period, Quote, StockData } from '../services/market-types.js';

export type StockInfoShape = Cached<Quote>;
export type StockDataShape = Cached<StockData>;

export function stockInfo(ctx: Context, rawSymbol: string): StockInfoShape | Promise<StockInfoShape> {
  const symbol = normaliseSymbol(rawSymbol);
  return ctx.services.market.peekQuote(symbol) ?? ctx.loaders.quote.load(symbol);
}

/** One entry per requested symbol; an Error (null + a path error) for each invalid or unknown one. */
export function stockInfos(ctx: Context, rawSymbols: readonly string[]): Array<StockInfoShape | Error | Promise<StockInfoShape>> {
  if (rawSymbols.length > MAX_SYMBOLS_PER_REQUEST) {
    throw new AppError('BAD_USER_INPUT', `At most ${MAX_SYMBOLS_PER_REQUEST} symbols per request (got ${rawSymbols.length}).`, {
      argument: 'symbols',
      max: MAX_SYMBOLS_PER_REQUEST,
    });
  }
  return rawSymbols.map((raw) => {
    try {
      return stockInfo(ctx, raw);
    } catch (error) {
      return error as Error;
    }
  });
}

export async function companyProfile(ctx: Context, info: StockInfoShape): Promise<CompanyProfile | null> {
  return (await ctx.services.market.profile(info.value.symbol)).value;
}

export function stockData(
  ctx: Context,
  args: { symbol: string; period: Period; interval: Interval },
): StockDataShape | Promise<StockDataShape> {
  const symbol = normaliseSymbol(args.symbol);
  const market = ctx.services.market;
  return market.peekStockData(symbol, args.period, args.interval) ?? market.stockData(symbol, args.period, args.interval);
}
