// News for a symbol or a query, from NewsAPI (when NEWSAPI_KEY is set) or Yahoo Finance, through
// the NEWS cache. Knows nothing of GraphQL.
//
// - One cache entry per provider + symbol/query, holding the provider's first 100 articles;
//   `limit` is applied on the way out, so every limit shares one upstream call.
// - NewsAPI is asked only while its 24 h budget lasts (NewsQuota). Out of budget or rate-limited,
//   a cached answer is served (stale if need be); with none, the automatic choice falls back to
//   Yahoo and says so in `provider`, while an explicit `provider: NEWSAPI` gets
//   UPSTREAM_RATE_LIMITED.
import { readTracker } from '../cache/read-tracker.js';
import { NOT_FOUND, type Cached, type NotFound, type UpstreamCache } from '../cache/upstream-cache.js';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { normaliseSymbol, type MarketService } from './market.js';
import type { NewsQuota, NewsQuotaStatus } from './news-quota.js';
import type { NewsProvider, NewsResult, NewsUpstream } from './news-types.js';

export const MAX_NEWS_LIMIT = 100;
/** Articles fetched per cache entry: the most any `limit` can ask for. */
export const NEWS_FETCH_COUNT = MAX_NEWS_LIMIT;
export const MAX_NEWS_QUERY_CHARS = 500;

export interface NewsArgs {
  symbol?: string | null;
  query?: string | null;
  limit?: number | null;
  /** Omitted: NewsAPI when a key is configured, else Yahoo. */
  provider?: NewsProvider | null;
  /** The symbol's company name when the caller already has it (StockInfo.news). */
  companyName?: string | null;
}

export interface News extends NewsResult {
  fetchedAt: Date;
  stale: boolean;
}

export interface NewsQuotaInfo extends NewsQuotaStatus {
  /** False when no NEWSAPI_KEY is configured (news then comes from Yahoo only). */
  enabled: boolean;
}

export interface NewsServiceDeps {
  cache: UpstreamCache<NewsResult>;
  /** Undefined when no NEWSAPI_KEY is configured. */
  newsapi?: NewsUpstream;
  yahoo: NewsUpstream;
  quota: NewsQuota;
  market: MarketService;
  logger: Logger;
}

type Target = { symbol: string; query?: undefined } | { symbol?: undefined; query: string };

/** The symbol in a cache key (`NEWSAPI:s:AAPL`), for the cache's not-found error. */
export const symbolOfNewsKey = (key: string): string => key.slice(key.lastIndexOf(':') + 1);

export class NewsService {
  constructor(private readonly deps: NewsServiceDeps) {}

  get defaultProvider(): NewsProvider {
    return this.deps.newsapi ? 'NEWSAPI' : 'YAHOO';
  }

  /** The budget as last seen (synchronous; with Redis, as of the last send or refresh). */
  quotaStatus(): NewsQuotaInfo {
    return { enabled: !!this.deps.newsapi, ...this.deps.quota.status() };
  }

  /** The budget as it is now (with Redis: the deployment's count, read from Redis). */
  async currentQuotaStatus(): Promise<NewsQuotaInfo> {
    await this.deps.quota.refresh();
    return this.quotaStatus();
  }

  async news(args: NewsArgs): Promise<News> {
    const target = this.target(args);
    const limit = args.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NEWS_LIMIT) {
      throw new AppError('BAD_USER_INPUT', `limit must be between 1 and ${MAX_NEWS_LIMIT} (got ${limit}).`, {
        argument: 'limit',
        min: 1,
        max: MAX_NEWS_LIMIT,
      });
    }
    const { newsapi, yahoo } = this.deps;
    if (args.provider === 'NEWSAPI' && !newsapi) {
      throw new AppError('NEWSAPI_KEY_MISSING', 'provider NEWSAPI needs NEWSAPI_KEY to be configured on the server; use provider YAHOO or omit provider.', {
        argument: 'provider',
      });
    }

    let result: Cached<NewsResult>;
    if (!newsapi || args.provider === 'YAHOO') {
      result = await this.fromYahoo(yahoo, target);
    } else {
      try {
        result = await this.fromNewsApi(newsapi, target, args.companyName);
      } catch (error) {
        if (args.provider === 'NEWSAPI' || !isAppError(error) || error.code !== 'UPSTREAM_RATE_LIMITED') throw error;
        result = await this.fallBackToYahoo(yahoo, target, error);
      }
    }
    const { value, fetchedAt, stale } = result;
    return { ...value, articles: value.articles.slice(0, limit), fetchedAt, stale };
  }

  private target(args: NewsArgs): Target {
    const hasSymbol = args.symbol !== undefined && args.symbol !== null;
    const hasQuery = args.query !== undefined && args.query !== null;
    if (hasSymbol === hasQuery) {
      throw new AppError('BAD_USER_INPUT', 'Give exactly one of symbol and query.', { argument: hasSymbol ? 'query' : 'symbol' });
    }
    if (hasSymbol) return { symbol: normaliseSymbol(args.symbol!) };
    const query = args.query!.replace(/\s+/g, ' ').trim();
    if (query.length === 0 || query.length > MAX_NEWS_QUERY_CHARS) {
      throw new AppError('BAD_USER_INPUT', `query must be 1-${MAX_NEWS_QUERY_CHARS} characters.`, {
        argument: 'query',
        maxLength: MAX_NEWS_QUERY_CHARS,
      });
    }
    return { query };
  }

  private key(provider: NewsProvider, target: Target): string {
    return target.symbol ? `${provider}:s:${target.symbol}` : `${provider}:q:${target.query}`;
  }

  private fromYahoo(yahoo: NewsUpstream, target: Target): Promise<Cached<NewsResult>> {
    return this.deps.cache.get(this.key('YAHOO', target), () => yahoo.search({ ...target, count: NEWS_FETCH_COUNT }));
  }

  private async fromNewsApi(newsapi: NewsUpstream, target: Target, companyName: string | null | undefined): Promise<Cached<NewsResult>> {
    const { cache, quota } = this.deps;
    const key = this.key('NEWSAPI', target);
    if (!quota.canSend()) {
      // Nothing may be sent: whatever is cached, fresh or stale, without counting an upstream call.
      const cached = await cache.peekServableShared(key);
      if (cached) return cached;
      throw quota.exhaustedError();
    }
    return cache.get(key, async (): Promise<NewsResult | NotFound> => {
      if (!target.symbol) return newsapi.search({ query: target.query, count: NEWS_FETCH_COUNT });
      const name = companyName !== undefined ? companyName : await this.companyName(target.symbol);
      // An unknown symbol costs no NewsAPI request (and is remembered as not found).
      if (name === NOT_FOUND) return NOT_FOUND;
      return newsapi.search({ symbol: target.symbol, companyName: name, count: NEWS_FETCH_COUNT });
    });
  }

  /** The company name from the stock-info cache (or a quote); null when Yahoo cannot say. */
  private async companyName(symbol: string): Promise<string | null | NotFound> {
    const [quote] = await this.deps.market.quotes([symbol]);
    if (!(quote instanceof Error)) return quote.value.name;
    if (isAppError(quote) && quote.code === 'SYMBOL_NOT_FOUND') return NOT_FOUND;
    this.deps.logger.warn('no company name for news search; searching the ticker only', {
      symbol,
      code: isAppError(quote) ? quote.code : undefined,
    });
    return null;
  }

  private async fallBackToYahoo(yahoo: NewsUpstream, target: Target, reason: AppError): Promise<Cached<NewsResult>> {
    // The answer depends on NewsAPI being unavailable right now, which no cache entry records:
    // a response built from it must not be reused once NewsAPI can be asked again.
    const reads = readTracker.getStore();
    if (reads) reads.uncacheable = true;
    this.deps.logger.info('NewsAPI unavailable (budget used up or rate-limited); serving Yahoo news', {
      reason: reason.details.reason,
      retryAfterSeconds: reason.details.retryAfterSeconds,
    });
    try {
      return await this.fromYahoo(yahoo, target);
    } catch (error) {
      throw new AppError(reason.code, `${reason.message} (and the Yahoo news fallback failed)`, {
        ...reason.details,
        fallbackError: isAppError(error) ? error.code : 'INTERNAL',
      });
    }
  }
}
