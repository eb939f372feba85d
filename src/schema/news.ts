// News domain: recent articles for a symbol or keywords (NewsAPI or Yahoo Finance), and the
// NewsAPI request budget.
import { builder } from '../builder.js';
import * as resolve from '../resolvers/news.js';
import { NEWS_PROVIDERS, type NewsArticle } from '../services/news-types.js';
import type { NewsQuotaInfo } from '../services/news.js';
import { StockInfoRef } from './market.js';

export const NewsProviderEnum = builder.enumType('NewsProvider', {
  description: 'Where news comes from: NEWSAPI (newsapi.org, needs NEWSAPI_KEY) or YAHOO (Yahoo Finance search, no key).',
  values: NEWS_PROVIDERS,
});

const NewsArticleRef = builder.objectRef<NewsArticle>('NewsArticle').implement({
  fields: (t) => ({
    title: t.exposeString('title', { nullable: false }),
    url: t.exposeString('url', { nullable: false }),
    source: t.exposeString('source', { description: 'The outlet, e.g. Reuters.' }),
    author: t.exposeString('author', { description: 'NewsAPI only.' }),
    summary: t.exposeString('summary', { description: 'A short description (NewsAPI only).' }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime' }),
    imageUrl: t.exposeString('imageUrl'),
    relatedSymbols: t.exposeStringList('relatedSymbols', {
      nullable: false,
      description: "Tickers the article is about: Yahoo's related tickers; for NewsAPI, the symbol searched for (empty for a query).",
    }),
  }),
});

const NewsRef = builder.objectRef<resolve.NewsShape>('News').implement({
  description:
    'Recent news, newest first. Cached for CACHE_TTL_NEWS_S (1 h by default) per provider and symbol/query; every limit shares one cached answer.',
  fields: (t) => ({
    query: t.exposeString('query', {
      nullable: false,
      description: 'The search sent to the provider, e.g. "Apple" OR "AAPL" for symbol AAPL on NewsAPI.',
    }),
    provider: t.expose('provider', {
      type: NewsProviderEnum,
      nullable: false,
      description: 'Who answered. YAHOO when NewsAPI was chosen automatically but is out of budget or rate-limited.',
    }),
    totalResults: t.exposeInt('totalResults', { nullable: false, description: 'Matches the provider reported (may exceed the articles it serves).' }),
    articles: t.expose('articles', { type: [NewsArticleRef], nullable: false }),
    fetchedAt: t.expose('fetchedAt', { type: 'DateTime', nullable: false, description: 'When stockroom fetched this from the provider.' }),
    stale: t.exposeBoolean('stale', {
      nullable: false,
      description: 'True when the provider failed or its budget is spent and this is an older copy (at most CACHE_MAX_STALE_S old).',
    }),
  }),
});

const NewsQuotaRef = builder.objectRef<NewsQuotaInfo>('NewsQuota').implement({
  description: 'The NewsAPI request budget: requests sent in a rolling 24 h window, counted by this server process (for the whole deployment when REDIS_URL is set).',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { nullable: false, description: 'False when no NEWSAPI_KEY is configured (news comes from Yahoo).' }),
    dailyLimit: t.exposeInt('dailyLimit', { nullable: false, description: 'NEWSAPI_DAILY_LIMIT: most requests sent per rolling 24 h.' }),
    used: t.exposeInt('used', { nullable: false, description: 'Requests sent to NewsAPI in the last 24 h.' }),
    remaining: t.exposeInt('remaining', { nullable: false }),
    windowSeconds: t.exposeInt('windowSeconds', { nullable: false }),
    nextSlotAt: t.expose('nextSlotAt', { type: 'DateTime', description: 'When the oldest counted request leaves the window; null when none is counted.' }),
    rateLimitedUntil: t.expose('rateLimitedUntil', {
      type: 'DateTime',
      description: 'Set after NewsAPI answered rateLimited/apiKeyExhausted: nothing is sent to it before this time.',
    }),
  }),
});

builder.queryFields((t) => ({
  news: t.field({
    type: NewsRef,
    nullable: false,
    description:
      'Recent news about a symbol (company name or ticker) or matching keywords: exactly one of symbol and query; limit 1-100. Without provider: NewsAPI when the server has NEWSAPI_KEY, else Yahoo.',
    args: {
      symbol: t.arg.string(),
      query: t.arg.string({ description: 'Keywords; NewsAPI supports "phrases", +must, -mustNot, AND/OR/NOT. At most 500 characters.' }),
      limit: t.arg.int({ defaultValue: 20 }),
      provider: t.arg({ type: NewsProviderEnum }),
    },
    resolve: (_root, args, ctx) => resolve.news(ctx, args),
  }),
  newsQuota: t.field({
    type: NewsQuotaRef,
    nullable: false,
    description: 'How much of the NewsAPI request budget is used.',
    resolve: (_root, _args, ctx) => resolve.newsQuota(ctx),
  }),
}));

builder.objectField(StockInfoRef, 'news', (t) =>
  t.field({
    type: NewsRef,
    nullable: false,
    description: 'Recent news about this symbol (as Query.news(symbol), provider chosen automatically).',
    args: { limit: t.arg.int({ defaultValue: 10 }) },
    resolve: (info, args, ctx) => resolve.stockInfoNews(ctx, info, args.limit),
  }),
);
