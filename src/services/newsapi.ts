// NewsAPI (newsapi.org) `/v2/everything` with plain fetch.
// - The key travels only in the X-Api-Key header: never in the URL, a log line, an error or a
//   cache key (the logger also scrubs it, in case).
// - Every request is counted against the rolling 24 h budget (NewsQuota) before it is sent; none
//   is sent past it.
// - page * pageSize never exceeds 100, so the Developer plan's 426 maximumResultsReached cannot
//   happen.
// - NewsAPI's error codes become AppErrors: key problems → NEWS_AUTH_FAILED, rateLimited /
//   apiKeyExhausted → UPSTREAM_RATE_LIMITED (and a pause), bad parameters → BAD_USER_INPUT.
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NewsQuota } from './news-quota.js';
import { httpUrl, isoDate, normaliseArticles, text, type NewsArticle, type NewsSearch, type NewsUpstream } from './news-types.js';
import { parseRetryAfter } from './yahoo-fetch.js';

/** The Developer plan serves at most 100 results per query (page * pageSize ≤ 100). */
export const NEWSAPI_MAX_RESULTS = 100;
/** NewsAPI's limit on `q`. */
export const NEWSAPI_MAX_QUERY_CHARS = 500;
/** How long to send nothing after rateLimited/apiKeyExhausted when NewsAPI gives no Retry-After. */
export const NEWSAPI_RATE_LIMIT_PAUSE_MS = 15 * 60 * 1000;

export interface NewsApiOptions {
  key: string;
  /** e.g. https://newsapi.org (no trailing slash). */
  baseUrl: string;
  timeoutMs: number;
  quota: NewsQuota;
  logger: Logger;
  /** Called once per HTTP request actually sent (metrics). */
  onRequest?: (info: { status: number | 'error'; ms: number }) => void;
}

const errorBody = z.object({ status: z.literal('error'), code: z.string(), message: z.string().optional() });
const okBody = z.object({
  status: z.literal('ok'),
  totalResults: z.number().optional(),
  articles: z.array(z.unknown()),
});

const AUTH_CODES = new Set(['apiKeyMissing', 'apiKeyInvalid', 'apiKeyDisabled']);
const RATE_CODES = new Set(['rateLimited', 'apiKeyExhausted']);
const PARAMETER_CODES = new Set([
  'parameterInvalid', 'parametersMissing', 'parametersIncompatible', 'sourcesTooMany', 'sourceDoesNotExist',
]);

// Legal suffixes that rarely appear in headlines ("Apple Inc." is written "Apple").
const COMPANY_SUFFIX =
  /[\s,]+(inc|incorporated|corp|corporation|co|company|ltd|limited|plc|llc|lp|l\.p|n\.v|nv|s\.a|sa|ag|se|asa|ab|oyj|holdings?|group|class [a-z]|new|\(the\))\.?$/i;

/** The company's name as headlines write it: "Apple Inc." → "Apple", "The Coca-Cola Company" → "Coca-Cola". */
export function headlineName(name: string): string {
  let shortened = name.replace(/["“”]/g, '').replace(/\s+/g, ' ').trim().replace(/^the\s+(?=\S{2})/i, '');
  for (let previous = ''; previous !== shortened; ) {
    previous = shortened;
    const next = shortened.replace(COMPANY_SUFFIX, '').trim();
    if (next.length >= 2) shortened = next;
  }
  return shortened;
}

/** `q` for a search: the keywords as given, or the company name OR the ticker, each as a phrase. */
export function newsApiQuery(search: NewsSearch): string {
  if (!search.symbol) return search.query ?? '';
  const terms = [`"${search.symbol}"`];
  const name = search.companyName ? headlineName(search.companyName) : '';
  if (name && name.toUpperCase() !== search.symbol) terms.unshift(`"${name}"`);
  return terms.join(' OR ');
}

function toArticle(raw: unknown, symbol: string | undefined): NewsArticle | null {
  if (!raw || typeof raw !== 'object') return null;
  const a = raw as Record<string, unknown>;
  // Defensive: NewsAPI once sent capitalised keys for a while.
  const title = text(a.title ?? a.Title);
  const url = httpUrl(a.url ?? a.Url);
  // Deleted articles stay in the index as "[Removed]" placeholders.
  if (!title || !url || title === '[Removed]' || /^https?:\/\/removed\.com/i.test(url)) return null;
  const source = (a.source ?? a.Source) as Record<string, unknown> | null | undefined;
  return {
    title,
    url,
    source: text(source?.name ?? source?.Name),
    author: text(a.author),
    summary: text(a.description),
    publishedAt: isoDate(a.publishedAt),
    imageUrl: httpUrl(a.urlToImage),
    relatedSymbols: symbol ? [symbol] : [],
  };
}

export function createNewsApiUpstream(opts: NewsApiOptions): NewsUpstream {
  const log = opts.logger.child({ upstream: 'newsapi' });
  const unavailable = (message: string, details: Record<string, unknown> = {}, cause?: unknown) =>
    new AppError('UPSTREAM_UNAVAILABLE', message, { upstream: 'newsapi', ...details }, undefined, { cause });
  // NewsAPI's messages never contain the key, but never trust that: strip it and cap the length.
  const safeMessage = (message: string | undefined) =>
    (message ?? '').split(opts.key).join('[REDACTED]').slice(0, 300);

  return {
    provider: 'NEWSAPI',
    async search(search) {
      const q = newsApiQuery(search);
      const pageSize = Math.min(NEWSAPI_MAX_RESULTS, Math.max(1, Math.floor(search.count)));
      const params = new URLSearchParams({
        q,
        language: 'en',
        sortBy: 'publishedAt',
        pageSize: String(pageSize),
        page: '1', // page * pageSize ≤ 100: never 426 maximumResultsReached
      });
      const path = '/v2/everything';

      if (!(await opts.quota.acquire())) throw opts.quota.exhaustedError();

      const started = performance.now();
      let response: Response;
      try {
        response = await fetch(`${opts.baseUrl}${path}?${params}`, {
          headers: { 'x-api-key': opts.key, accept: 'application/json', 'user-agent': 'stockroom' },
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (cause) {
        const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
        opts.onRequest?.({ status: 'error', ms: performance.now() - started });
        log.debug('newsapi request failed', { path, ms: Math.round(performance.now() - started), timedOut });
        throw unavailable(timedOut ? `NewsAPI did not answer within ${opts.timeoutMs} ms` : 'NewsAPI could not be reached', {}, cause);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch (cause) {
        body = undefined;
        if (response.ok) throw unavailable(`NewsAPI answered HTTP ${response.status} with a body that is not JSON`, {}, cause);
      }
      opts.onRequest?.({ status: response.status, ms: performance.now() - started });
      log.debug('newsapi request', { path, status: response.status, ms: Math.round(performance.now() - started) });

      const ok = okBody.safeParse(body);
      if (response.ok && ok.success) {
        const articles: NewsArticle[] = [];
        for (const raw of ok.data.articles) {
          const article = toArticle(raw, search.symbol);
          if (article) articles.push(article);
        }
        return {
          query: q,
          provider: 'NEWSAPI',
          totalResults: Math.min(ok.data.totalResults ?? articles.length, 2 ** 31 - 1),
          articles: normaliseArticles(articles),
        };
      }

      const error = errorBody.safeParse(body);
      const code = error.success ? error.data.code : undefined;
      if ((code && RATE_CODES.has(code)) || response.status === 429) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        opts.quota.block(retryAfter !== undefined ? retryAfter * 1000 : NEWSAPI_RATE_LIMIT_PAUSE_MS);
        log.warn('NewsAPI is rate-limiting this key; pausing NewsAPI requests', {
          code: code ?? null,
          retryAfterSeconds: opts.quota.retryAfterSeconds(),
        });
        throw new AppError('UPSTREAM_RATE_LIMITED', 'NewsAPI is rate-limiting requests; try again later', {
          upstream: 'newsapi',
          reason: code ?? 'rateLimited',
          retryAfterSeconds: opts.quota.retryAfterSeconds(),
        });
      }
      if ((code && AUTH_CODES.has(code)) || response.status === 401) {
        // The operator must fix this (NEWSAPI_KEY); say so loudly, without the key.
        log.error('NewsAPI rejected NEWSAPI_KEY', { code: code ?? null, status: response.status });
        throw new AppError('NEWS_AUTH_FAILED', `NewsAPI rejected the configured API key (${code ?? `HTTP ${response.status}`})`, {
          upstream: 'newsapi',
          reason: code ?? null,
        });
      }
      if (code && PARAMETER_CODES.has(code)) {
        throw new AppError('BAD_USER_INPUT', `NewsAPI refused the search: ${safeMessage(error.data?.message)}`, {
          upstream: 'newsapi',
          reason: code,
        });
      }
      throw unavailable(
        code ? `NewsAPI answered HTTP ${response.status} (${code})` : `NewsAPI answered HTTP ${response.status}`,
        { reason: code ?? null },
      );
    },
  };
}
