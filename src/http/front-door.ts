// The node:http request listener. Repeated cacheable GraphQL reads are answered here from
// ResponseCache without entering yoga (whose Fetch-API adapter and plugin pipeline cost more
// than the whole answer); everything else — GraphiQL, uploads, other routes, misses — is yoga's.
import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { readTracker, RequestReads } from '../cache/read-tracker.js';
import type { Metrics } from '../metrics.js';
import { ResponseCache, type StoredResponse } from './response-cache.js';

export interface FrontDoorOptions {
  yoga: RequestListener & { fetch: (request: Request, ctx: Record<string, unknown>) => Promise<Response> | Response; graphqlEndpoint: string };
  responseCache: ResponseCache | undefined;
  isAdmin: (authorization: string | null) => boolean;
  maxRequestBytes: number;
  metrics: Metrics;
  /** Errors that escaped yoga itself (logged by the app). */
  onUnexpected?: (error: unknown) => void;
}

/** What the execution of one request found out about its own cacheability (set by useReuseTracking). */
export interface ExecutionFacts {
  cacheableOperation: boolean;
  hadErrors: boolean;
}

export class TrackedRequest extends RequestReads implements ExecutionFacts {
  cacheableOperation = false;
  hadErrors = false;
}

const JSON_TYPE = /^application\/json\b/i;
const DIGITS = /^\d+$/;

export function createFrontDoor(options: FrontDoorOptions): RequestListener {
  const { yoga, responseCache: cache, isAdmin, maxRequestBytes, metrics, onUnexpected } = options;
  const endpoint = yoga.graphqlEndpoint;

  // Bounded label values: the route, never the raw URL.
  const routeOf = (url: string) =>
    url === endpoint || url.startsWith(`${endpoint}?`) ? 'graphql'
      : url.startsWith('/models/') ? 'models'
      : url === '/health' || url === '/ready' || url === '/metrics' ? url.slice(1)
      : 'other';
  const record = (req: IncomingMessage, res: ServerResponse, route: string, started: number) => {
    metrics.httpRequests.inc({ route, method: req.method ?? 'GET', status: String(res.statusCode) });
    metrics.httpDuration.observe({ route }, (performance.now() - started) / 1000);
  };

  const scopeOf = (req: IncomingMessage) => (req.headers.authorization && isAdmin(req.headers.authorization) ? 'admin' : 'anon');
  const keyOf = (req: IncomingMessage, tail: string) => `${scopeOf(req)}\n${req.headers.accept ?? ''}\n${req.method}\n${tail}`;

  /** GET answers may be kept by browsers and proxies as long as the data stays fresh. */
  const cacheHeaders = (req: IncomingMessage, etag: string, freshForSeconds: number): Record<string, string> =>
    req.method === 'GET'
      ? { etag, 'cache-control': `${scopeOf(req) === 'admin' ? 'private' : 'public'}, max-age=${freshForSeconds}` }
      : {};

  const sendStored = (req: IncomingMessage, res: ServerResponse, stored: StoredResponse, freshForSeconds: number) => {
    const headers = cacheHeaders(req, stored.etag, freshForSeconds);
    if (req.method === 'GET' && req.headers['if-none-match'] === stored.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': stored.contentType, 'content-length': stored.body.length, 'x-stockroom-cache': 'hit' });
    res.end(stored.body);
  };

  async function executeAndMaybeStore(req: IncomingMessage, res: ServerResponse, key: string, body: Buffer | undefined) {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, { method: req.method, headers, body: body as unknown as BodyInit | undefined });
    const tracked = new TrackedRequest();
    const response = await readTracker.run(tracked, () => yoga.fetch(request, { req, res }));
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (!/json/i.test(contentType)) {
      // Streams (SSE, multipart/mixed) and HTML pass through untouched.
      res.writeHead(response.status, responseHeaders);
      if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
      res.end();
      return;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    delete responseHeaders['content-length'];
    const reusable =
      cache !== undefined &&
      response.status === 200 &&
      tracked.cacheableOperation &&
      !tracked.hadErrors &&
      !tracked.uncacheable &&
      tracked.reads.length > 0;
    if (!reusable) {
      res.writeHead(response.status, { ...responseHeaders, 'content-length': bytes.length });
      res.end(bytes);
      return;
    }
    const stored: StoredResponse = {
      body: bytes,
      contentType,
      etag: `"${createHash('sha1').update(bytes).digest('base64url')}"`,
      reads: tracked.reads,
    };
    cache.set(key, stored);
    res.writeHead(200, {
      ...responseHeaders,
      ...cacheHeaders(req, stored.etag, ResponseCache.freshForSeconds(stored.reads)),
      'content-length': bytes.length,
    });
    res.end(bytes);
  }

  const fail = (res: ServerResponse, error: unknown) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
    onUnexpected?.(error);
  };

  return (req, res) => {
    const started = performance.now();
    const url = req.url ?? '/';
    const route = routeOf(url);
    if (route === 'metrics' && req.method === 'GET') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
          record(req, res, route, started);
        },
        (error) => fail(res, error),
      );
      return;
    }
    // Everything not answered here is measured when its response is finished; hits are measured
    // inline (a listener per hit costs more than the rest of the hit).
    const delegate = (execute: () => unknown) => {
      res.once('finish', () => record(req, res, route, started));
      execute();
    };
    const answer = (key: string, body: Buffer | undefined) => {
      const hit = cache!.get(key);
      if (hit) {
        sendStored(req, res, hit, hit.freshForSeconds);
        record(req, res, route, started);
        return;
      }
      delegate(() => executeAndMaybeStore(req, res, key, body).catch((error) => fail(res, error)));
    };

    if (!cache || route !== 'graphql') return delegate(() => yoga(req, res));

    if (req.method === 'GET') {
      if (!url.includes('?')) return delegate(() => yoga(req, res)); // GraphiQL / landing
      return answer(keyOf(req, url), undefined);
    }

    if (req.method === 'POST') {
      const length = req.headers['content-length'];
      // Anything but a plain JSON body within the limit (uploads, chunked, oversized) is yoga's,
      // untouched: its own checks answer 411/413, multipart streams as before.
      if (!length || !DIGITS.test(length) || Number(length) > maxRequestBytes || !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
        return delegate(() => yoga(req, res));
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('error', () => res.destroy());
      req.on('end', () => {
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        answer(keyOf(req, `${url}\n${body.toString('latin1')}`), body);
      });
      return;
    }
    return delegate(() => yoga(req, res));
  };
}
