// Yahoo Finance news: the news part of yahoo-finance2's `search` (no key, no quota). Results are
// keyword matches for the symbol or the query; Yahoo caps the count itself.
import { classify, type YahooClient } from './yahoo.js';
import { httpUrl, isoDate, normaliseArticles, text, type NewsArticle, type NewsUpstream } from './news-types.js';

/** Most articles asked of Yahoo in one search (Yahoo usually returns fewer). */
export const YAHOO_MAX_NEWS = 100;

function toArticle(raw: unknown): NewsArticle | null {
  if (!raw || typeof raw !== 'object') return null;
  const n = raw as Record<string, unknown>;
  const title = text(n.title);
  const url = httpUrl(n.link);
  if (!title || !url) return null;
  const resolutions = (n.thumbnail as { resolutions?: unknown } | undefined)?.resolutions;
  const images = Array.isArray(resolutions) ? (resolutions as Array<Record<string, unknown>>) : [];
  const image = images.find((r) => r?.tag === 'original') ?? images[0];
  const tickers = Array.isArray(n.relatedTickers) ? n.relatedTickers : [];
  return {
    title,
    url,
    source: text(n.publisher),
    author: null,
    summary: null,
    publishedAt: isoDate(n.providerPublishTime),
    imageUrl: httpUrl(image?.url),
    relatedSymbols: tickers.filter((t): t is string => typeof t === 'string' && t.length > 0).map((t) => t.toUpperCase()),
  };
}

export function createYahooNewsUpstream(client: YahooClient): NewsUpstream {
  return {
    provider: 'YAHOO',
    async search(search) {
      const q = search.symbol ?? search.query ?? '';
      const newsCount = Math.min(YAHOO_MAX_NEWS, Math.max(1, Math.floor(search.count)));
      let result: { news?: unknown };
      try {
        // Not validated: one odd news item must not fail the whole answer; items are checked below.
        result = (await client.search(q, { quotesCount: 0, newsCount }, { validateResult: false })) as { news?: unknown };
      } catch (error) {
        const mapped = classify(error, 'news search');
        if (mapped === 'not-found') return { query: q, provider: 'YAHOO', totalResults: 0, articles: [] };
        throw mapped;
      }
      const articles: NewsArticle[] = [];
      for (const raw of Array.isArray(result?.news) ? result.news : []) {
        const article = toArticle(raw);
        if (article) articles.push(article);
      }
      const normalised = normaliseArticles(articles);
      return { query: q, provider: 'YAHOO', totalResults: normalised.length, articles: normalised };
    },
  };
}
