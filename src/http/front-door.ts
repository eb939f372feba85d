// The node:http request listener. Repeated cacheable GraphQL reads are answered here from
// ResponseCache without entering yoga (whose Fetch-API adapter and plugin pipeline cost more
// than the whole answer); everything else — GraphiQL, uploads, other routes, misses — is yoga's.
import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { readTracker, RequestReads } from '../cache/read-tracker.js';
import type { Metrics, RouteMeter } from '../metrics.js';
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

/** The request headers the front door decides on. */
interface DoorHeaders {
  authorization: string | undefined;
  accept: string;
  contentType: string;
  contentLength: string | undefined;
  ifNoneMatch: string | undefined;
}

/**
 * The headers the front door decides on, as the Fetch Headers yoga builds from rawHeaders see
 * them: repeated Authorization and Accept joined with ", ". node's req.headers keeps only the
 * first Authorization, so keying on it could store an anonymous execution under the admin scope.
 */
function readDoorHeaders(raw: string[]): DoorHeaders {
  let authorization: string | undefined;
  let accept: string | undefined;
  let contentType = '';
  let contentLength: string | undefined;
  let ifNoneMatch: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    switch (name.length) {
      case 6:
        if (name.toLowerCase() === 'accept') accept = accept === undefined ? raw[i + 1] : `${accept}, ${raw[i + 1]}`;
        break;
      case 12:
        if (name.toLowerCase() === 'content-type') contentType = raw[i + 1];
        break;
      case 13: {
        const lower = name.toLowerCase();
        if (lower === 'authorization') authorization = authorization === undefined ? raw[i + 1] : `${authorization}, ${raw[i + 1]}`;
        else if (lower === 'if-none-match') ifNoneMatch = raw[i + 1];
        break;
      }
      case 14:
        if (name.toLowerCase() === 'content-length') contentLength = raw[i + 1];
        break;
    }
  }
  return { authorization, accept: accept ?? '', contentType, contentLength, ifNoneMatch };
}

export function createFrontDoor(options: FrontDoorOptions): RequestListener {
  const { yoga, responseCache: cache, isAdmin, maxRequestBytes, metrics, onUnexpected } = options;
  const endpoint = yoga.graphqlEndpoint;

  // Bounded label values: the route, never the raw URL.
  const meters = {
    graphql: metrics.http.route('graphql'),
    models: metrics.http.route('models'),
    health: metrics.http.route('health'),
    ready: metrics.http.route('ready'),
    metrics: metrics.http.route('metrics'),
    other: metrics.http.route('other'),
  };
  const meterOf = (url: string): RouteMeter =>
    url === endpoint || url.startsWith(`${endpoint}?`) ? meters.graphql
      : url.startsWith('/models/') ? meters.models
      : url === '/health' ? meters.health
      : url === '/ready' ? meters.ready
      : url === '/metrics' ? meters.metrics
      : meters.other;
  const record = (meter: RouteMeter, req: IncomingMessage, res: ServerResponse, started: number) =>
    meter.record(req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000);

  const scopeOf = (headers: DoorHeaders) => (headers.authorization !== undefined && isAdmin(headers.authorization) ? 'admin' : 'anon');
  const keyOf = (req: IncomingMessage, headers: DoorHeaders, tail: string) => `${scopeOf(headers)}\n${headers.accept}\n${req.method}\n${tail}`;

  /** GET answers may be kept by browsers and proxies as long as the data stays fresh. */
  const cacheHeaders = (req: IncomingMessage, headers: DoorHeaders, etag: string, freshForSeconds: number): Record<string, string> =>
    req.method === 'GET'
      ? { etag, 'cache-control': `${scopeOf(headers) === 'admin' ? 'private' : 'public'}, max-age=${freshForSeconds}` }
      : {};

  const sendStored = (req: IncomingMessage, res: ServerResponse, headers: DoorHeaders, stored: StoredResponse) => {
    if (req.method !== 'GET') {
      res.writeHead(200, stored.hitHeaders);
      res.end(stored.body);
      return;
    }
    const validators = ['etag', stored.etag, 'cache-control', `${scopeOf(headers) === 'admin' ? 'private' : 'public'}, max-age=${ResponseCache.freshForSeconds(stored.reads)}`];
    if (headers.ifNoneMatch === stored.etag) {
      res.writeHead(304, validators);
      res.end();
      return;
    }
    res.writeHead(200, validators.concat(stored.hitHeaders));
    res.end(stored.body);
  };

  async function executeAndMaybeStore(req: IncomingMessage, res: ServerResponse, headers: DoorHeaders, key: string, body: Buffer | undefined) {
    const fetchHeaders = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) fetchHeaders.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, { method: req.method, headers: fetchHeaders, body: body as unknown as BodyInit | undefined });
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
      etag: `"${createHash('sha1').update(bytes).digest('base64url')}"`,
      reads: tracked.reads,
      hitHeaders: ['content-type', contentType, 'content-length', String(bytes.length), 'x-stockroom-cache', 'hit'],
    };
    cache.set(key, stored);
    res.writeHead(200, {
      ...responseHeaders,
      ...cacheHeaders(req, headers, stored.etag, ResponseCache.freshForSeconds(stored.reads)),
      'content-length': bytes.length,
    });
    res.end(bytes);
  }

  const fail = (res: ServerResponse, error: unknown) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
    onUnexpected?.(error);
  };

  /** Answers from the response cache, or executes (and stores the answer when it may be reused). */
  const answer = (req: IncomingMessage, res: ServerResponse, headers: DoorHeaders, started: number, key: string, body: Buffer | undefined) => {
    const hit = cache!.get(key);
    if (hit) {
      sendStored(req, res, headers, hit);
      // Hits are measured inline: a 'finish' listener per hit costs more than the rest of the hit.
      record(meters.graphql, req, res, started);
      return;
    }
    res.once('finish', () => record(meters.graphql, req, res, started));
    executeAndMaybeStore(req, res, headers, key, body).catch((error) => fail(res, error));
  };

  /** Everything not answered here is yoga's, measured when its response is finished. */
  const toYoga = (req: IncomingMessage, res: ServerResponse, meter: RouteMeter, started: number) => {
    res.once('finish', () => record(meter, req, res, started));
    yoga(req, res);
  };

  return (req, res) => {
    const started = performance.now();
    const url = req.url ?? '/';
    const meter = meterOf(url);
    if (meter === meters.metrics && req.method === 'GET') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
          record(meter, req, res, started);
        },
        (error) => fail(res, error),
      );
      return;
    }
    if (!cache || meter !== meters.graphql) return toYoga(req, res, meter, started);

    if (req.method === 'GET') {
      if (!url.includes('?')) return toYoga(req, res, meter, started); // GraphiQL / landing
      const headers = readDoorHeaders(req.rawHeaders);
      return answer(req, res, headers, started, keyOf(req, headers, url), undefined);
    }

    if (req.method === 'POST') {
      const headers = readDoorHeaders(req.rawHeaders);
      const length = headers.contentLength;
      // Anything but a plain JSON body within the limit (uploads, chunked, oversized) is yoga's,
      // untouched: its own checks answer 411/413, multipart streams as before.
      if (!length || !DIGITS.test(length) || Number(length) > maxRequestBytes || !JSON_TYPE.test(headers.contentType)) {
        return toYoga(req, res, meter, started);
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('error', () => res.destroy());
      req.on('end', () => {
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        answer(req, res, headers, started, keyOf(req, headers, `${url}\n${body.toString('latin1')}`), body);
      });
      return;
    }
    return toYoga(req, res, meter, started);
  };
}
