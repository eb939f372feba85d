// Plain data shapes of the news domain (no GraphQL, no provider specifics).
export const NEWS_PROVIDERS = ['NEWSAPI', 'YAHOO'] as const;
export type NewsProvider = (typeof NEWS_PROVIDERS)[number];

export interface NewsArticle {
  title: string;
  url: string;
  /** Outlet name, e.g. "Reuters". */
  source: string | null;
  author: string | null;
  summary: string | null;
  /** ISO-8601, UTC. */
  publishedAt: string | null;
  imageUrl: string | null;
  /** Tickers the article is about (Yahoo's relatedTickers; the searched symbol for NewsAPI). */
  relatedSymbols: string[];
}

/** What one provider call asks for. */
export interface NewsSearch {
  /** A normalised ticker symbol, when searching news about a symbol. */
  symbol?: string;
  /** The company name for `symbol`, when known (NewsAPI searches it as well as the ticker). */
  companyName?: string | null;
  /** Free-text keywords, when not searching by symbol. */
  query?: string;
  /** How many articles to ask for (providers cap this themselves). */
  count: number;
}

/** One provider's answer, normalised: newest first, no duplicates. */
export interface NewsResult {
  /** The search actually sent to the provider (e.g. `"Apple" OR "AAPL"`). */
  query: string;
  provider: NewsProvider;
  /** Matches the provider reported (may exceed the articles it returns). */
  totalResults: number;
  articles: NewsArticle[];
}

/** What stockroom needs from a news provider. */
export interface NewsUpstream {
  readonly provider: NewsProvider;
  search(search: NewsSearch): Promise<NewsResult>;
}

/** Newest first (articles without a date last); drops repeated URLs (ignoring utm_* parameters). */
export function normaliseArticles(articles: NewsArticle[]): NewsArticle[] {
  const seen = new Set<string>();
  const unique: NewsArticle[] = [];
  for (const article of articles) {
    const key = canonicalUrl(article.url);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(article);
  }
  return unique.sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? ''));
}

function canonicalUrl(url: string): string {
  try {
    const parsed = new URL(url);
    for (const name of [...parsed.searchParams.keys()]) {
      if (name.toLowerCase().startsWith('utm_')) parsed.searchParams.delete(name);
    }
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** "" and non-strings as null. */
export const text = (v: unknown): string | null => (typeof v === 'string' && v.trim().length > 0 ? v.trim() : null);

/** An http(s) URL, else null (no javascript: or data: links reach clients). */
export const httpUrl = (v: unknown): string | null => {
  const s = text(v);
  return s && /^https?:\/\//i.test(s) ? s : null;
};

/** An ISO-8601 UTC string from a date, an ISO string or epoch seconds; null when unparseable. */
export function isoDate(v: unknown): string | null {
  let date: Date | undefined;
  if (v instanceof Date) date = v;
  else if (typeof v === 'string' && v.length > 0) date = new Date(v);
  else if (typeof v === 'number' && Number.isFinite(v)) date = new Date(v < 1e11 ? v * 1000 : v);
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}
