// The fetch that yahoo-finance2 uses for every request it makes (cookie page, consent, crumb, API).
// - With a base URL, every request goes to that base with the same path and query, and the
//   original host travels in X-Forwarded-Host (tests' fake Yahoo, egress proxies).
// - Every request gets a timeout: the library has none.
// - 429 and 5xx answers become typed AppErrors here, before the library would print the URL to
//   the console and throw an untyped HTTPError.
import { AppError } from '../errors.js';

export interface YahooFetchOptions {
  baseUrl?: string;
  timeoutMs: number;
  /** Called once per HTTP request actually sent (for metrics and logs). */
  onRequest?: (info: { host: string; path: string; status: number | 'error'; ms: number }) => void;
}

export function createYahooFetch(opts: YahooFetchOptions): typeof fetch {
  const yahooFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const original = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init.headers);
    let target = original.toString();
    if (opts.baseUrl) {
      target = opts.baseUrl + original.pathname + original.search;
      headers.set('x-forwarded-host', original.host);
    }
    const signal = init.signal
      ? AbortSignal.any([init.signal, AbortSignal.timeout(opts.timeoutMs)])
      : AbortSignal.timeout(opts.timeoutMs);
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(target, { ...init, headers, signal });
    } catch (cause) {
      opts.onRequest?.({ host: original.host, path: original.pathname, status: 'error', ms: performance.now() - started });
      const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      throw new AppError(
        'UPSTREAM_UNAVAILABLE',
        timedOut ? `Yahoo Finance did not answer within ${opts.timeoutMs} ms` : 'Yahoo Finance could not be reached',
        { upstream: 'yahoo' },
        undefined,
        { cause },
      );
    }
    opts.onRequest?.({ host: original.host, path: original.pathname, status: response.status, ms: performance.now() - started });
    if (response.status === 429) {
      await response.body?.cancel();
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      throw new AppError('UPSTREAM_RATE_LIMITED', 'Yahoo Finance is rate-limiting requests; try again later', {
        upstream: 'yahoo',
        ...(retryAfter !== undefined && { retryAfterSeconds: retryAfter }),
      });
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new AppError('UPSTREAM_UNAVAILABLE', `Yahoo Finance answered HTTP ${response.status}`, { upstream: 'yahoo' });
    }
    return response;
  };
  return yahooFetch as typeof fetch;
}

export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
