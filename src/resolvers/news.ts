// Thin: arguments in, one service call, result out.
import type { Context } from '../context.js';
import type { News, NewsQuotaInfo } from '../services/news.js';
import type { NewsProvider } from '../services/news-types.js';
import type { StockInfoShape } from './market.js';

export type NewsShape = News;

export const news = (
  ctx: Context,
  args: { symbol?: string | null; query?: string | null; limit?: number | null; provider?: NewsProvider | null },
): Promise<NewsShape> => ctx.services.news.news(args);

/** StockInfo.news: the parent's quote already has the company name. */
export const stockInfoNews = (ctx: Context, info: StockInfoShape, limit: number | null | undefined): Promise<NewsShape> =>
  ctx.services.news.news({ symbol: info.value.symbol, companyName: info.value.name, limit: limit ?? 10 });

export const newsQuota = (ctx: Context): Promise<NewsQuotaInfo> => ctx.services.news.currentQuotaStatus();
