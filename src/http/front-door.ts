// The node:http request listener. Repeated cacheable GraphQL reads are answered here from
// ResponseCache without entering yoga (whose Fetch-API adapter and plugin pipeline cost more
// than the whole answer); everything else — GraphiQL, uploads, other routes, misses — is yoga's.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { readTracker, RequestReads } from '../cache/read-tracker.js';
import type { Metrics, RouteMeter } from '../metrics.js';
import { ResponseCache, type Representation, type StoredResponse } from './response-cache.js';

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
  /** From Authorization: whose answers these are (part of the key, and public or private to proxies). */
  scope: 'admin' | 'anon';
  accept: string;
  acceptEncoding: string | undefined;
  /** Part of the key: yoga's CORS headers (stored with the answer) depend on it. */
  origin: string;
  contentType: string;
  contentLength: string | undefined;
  ifNoneMatch: string | undefined;
}

/**
 * The headers the front door decides on, as the Fetch Headers yoga builds from rawHeaders see
 * them: repeated Authorization and Accept joined with ", ". node's req.headers keeps only the
 * first Authorization, so keying on it could store an anonymous execution under the admin scope.
 */
function readDoorHeaders(raw: string[], isAdmin: FrontDoorOptions['isAdmin']): DoorHeaders {
  let authorization: string | undefined;
  let accept: string | undefined;
  let acceptEncoding: string | undefined;
  let origin: string | undefined;
  let contentType = '';
  let contentLength: string | undefined;
  let ifNoneMatch: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    switch (name.length) {
      case 6: {
        const lower = name.toLowerCase();
        if (lower === 'accept') accept = accept === undefined ? raw[i + 1] : `${accept}, ${raw[i + 1]}`;
        else if (lower === 'origin') origin = origin === undefined ? raw[i + 1] : `${origin}, ${raw[i + 1]}`;
        break;
      }
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
      case 15:
        if (name.toLowerCase() === 'accept-encoding') acceptEncoding = acceptEncoding === undefined ? raw[i + 1] : `${acceptEncoding}, ${raw[i + 1]}`;
        break;
    }
  }
  const scope = authorization !== undefined && isAdmin(authorization) ? 'admin' : 'anon';
  return { scope, accept: accept ?? '', acceptEncoding, origin: origin ?? '', contentType, contentLength, ifNoneMatch };
}

/** Whether an Accept-Encoding value admits gzip (RFC 9110 §12.5.3: "gzip;q=0" refuses it, "*" admits it). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  let star = false;
  for (const part of acceptEncoding.split(',')) {
    const [coding, ...params] = part.split(';');
    const name = coding.trim().toLowerCase();
    const q = params.find((p) => /^\s*q\s*=/i.test(p));
    const admitted = q === undefined || Number(q.split('=')[1]) > 0;
    if (name === 'gzip' || name === 'x-gzip') return admitted;
    if (name === '*') star = admitted;
  }
  return star;
}

/** If-None-Match against one strong validator: a list of tags (weak comparison, RFC 9110 §13.1.2) or "*". */
function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch === etag || ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Bodies smaller than this are sent as they are: gzip would save too little to pay for itself. */
const GZIP_MIN_BYTES = 1024;
const gzipAsync = promisify(gzip);

/** Headers of an answer that say nothing about its body: yoga's own (CORS) and Vary. */
function sharedHeaders(fromYoga: Headers, compressed: boolean): string[] {
  const shared: string[] = [];
  // The key varies by Accept (and Origin, which yoga's CORS puts in Vary) and the body by
  // Accept-Encoding: a proxy keeping GET answers must know.
  const vary = ['Accept'];
  if (compressed) vary.push('Accept-Encoding');
  fromYoga.forEach((value, name) => {
    if (name === 'vary') vary.push(...value.split(',').map((v) => v.trim()).filter(Boolean));
    else if (name !== 'content-type' && name !== 'content-length' && name !== 'content-encoding') shared.push(name, value);
  });
  shared.push('vary', [...new Set(vary)].join(', '));
  return shared;
}

function representation(body: Buffer, contentType: string, shared: string[], encoding?: 'gzip'): Representation {
  return {
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    headers: [
      'content-type', contentType,
      'content-length', String(body.length),
      ...(encoding ? ['content-encoding', encoding] : []),
      ...shared,
      'x-stockroom-cache', 'hit',
    ],
  };
}

/** A reusable answer, with a gzip variant when the body is big enough and compresses well. */
async function storedResponse(bytes: Buffer, contentType: string, fromYoga: Headers, reads: StoredResponse['reads']): Promise<StoredResponse> {
  const compressed = bytes.length >= GZIP_MIN_BYTES ? await gzipAsync(bytes) : undefined;
  const worthIt = compressed !== undefined && compressed.length <= bytes.length * 0.9;
  const shared = sharedHeaders(fromYoga, worthIt);
  return {
    identity: representation(bytes, contentType, shared),
    gzip: worthIt ? representation(compressed, contentType, shared, 'gzip') : undefined,
    shared,
    reads,
  };
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

  const keyOf = (req: IncomingMessage, headers: DoorHeaders, tail: string) =>
    `${headers.scope}\n${headers.accept}\n${headers.origin}\n${req.method}\n${tail}`;

  /**
   * Sends a stored answer: gzip-encoded when the client accepts it, with validators and a max-age
   * (the data's remaining freshness) on GET, which browsers and proxies may keep; `missed` marks
   * the answer of the execution that stored it.
   */
  const sendStored = (req: IncomingMessage, res: ServerResponse, headers: DoorHeaders, stored: StoredResponse, missed = false) => {
    const chosen = stored.gzip !== undefined && acceptsGzip(headers.acceptEncoding) ? stored.gzip : stored.identity;
    // x-stockroom-cache is the last header: its value says `miss` on the storing execution's answer.
    const answerHeaders = missed ? chosen.headers.slice(0, -1).concat('miss') : chosen.headers;
    if (req.method !== 'GET') {
      res.writeHead(200, answerHeaders);
      res.end(chosen.body);
      return;
    }
    const validators = ['etag', chosen.etag, 'cache-control', `${headers.scope === 'admin' ? 'private' : 'public'}, max-age=${ResponseCache.freshForSeconds(stored.reads)}`];
    if (matchesEtag(headers.ifNoneMatch, chosen.etag)) {
      res.writeHead(304, validators.concat(stored.shared));
      res.end();
      return;
    }
    res.writeHead(200, validators.concat(answerHeaders));
    res.end(chosen.body);
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
    const stored = await storedResponse(bytes, contentType, response.headers, tracked.reads);
    cache.set(key, stored);
    sendStored(req, res, headers, stored, true);
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
      const headers = readDoorHeaders(req.rawHeaders, isAdmin);
      return answer(req, res, headers, started, keyOf(req, headers, url), undefined);
    }

    if (req.method === 'POST') {
      const headers = readDoorHeaders(req.rawHeaders, isAdmin);
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
