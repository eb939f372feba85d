// A streaming parser for the GraphQL multipart request spec
// (https://github.com/jaydenseric/graphql-multipart-request-spec), replacing yoga's, which reads
// every file into memory (a 100 MiB upload took ~210 MiB of RSS). Each file part streams to a temp
// file in the model store's staging directory, hashed and size-checked as it arrives; resolvers get
// a StagedFile (a real File backed by that temp file). The temp files are removed when the
// response is ready; the store hard-links what it keeps.
//
// Limits: each file part ≤ maxFileBytes (MODEL_TOO_LARGE, 413, nothing stored); `operations` and
// `map` ≤ maxFieldBytes each (MAX_REQUEST_BYTES); at most maxFiles files. Multipart requests need
// the admin token (the only File argument, saveModel.input.file, is admin-only): without it they
// are refused with 401 before any of the body is read.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fromSystemError } from '../errors.js';
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { tempName } from '../storage/fs-util.js';
import { StagedFile } from '../storage/staged-file.js';

export interface MultipartUploadOptions {
  /** Where to write uploads; resolves once the directory is ready (ModelStore.stagingDir). */
  stagingDir: () => Promise<string>;
  maxFileBytes: number;
  maxFieldBytes: number;
  maxFiles?: number;
  isAdmin: (authorization: string | null) => boolean;
}

export function isMultipartRequest(request: Request): boolean {
  const type = request.headers.get('content-type')?.split(',')[0].trim().toLowerCase();
  return request.method === 'POST' && !!type && (type === 'multipart/form-data' || type.startsWith('multipart/form-data;'));
}

export function useMultipartUploads(options: MultipartUploadOptions): Plugin {
  const stagedByRequest = new WeakMap<Request, string[]>();
  return {
    onRequestParse({ request, setRequestParser, serverContext }) {
      if (!isMultipartRequest(request)) return;
      if (!options.isAdmin(request.headers.get('authorization'))) {
        throw createGraphQLError('Multipart uploads need the admin token: send "Authorization: Bearer <ADMIN_TOKEN>".', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
        });
      }
      setRequestParser((req) => {
        const paths: string[] = [];
        stagedByRequest.set(request, paths);
        return parseMultipart(req, options, paths, nodeRequestOf(serverContext));
      });
    },
    async onResponse({ request }) {
      const paths = stagedByRequest.get(request);
      if (!paths) return;
      stagedByRequest.delete(request);
      await Promise.all(paths.map((path) => unlink(path).catch(() => {})));
    },
  };
}

function error(message: string, status: number, code: string, extra: { closeConnection?: boolean; details?: object } = {}): GraphQLError {
  return createGraphQLError(message, {
    extensions: {
      ...extra.details,
      code,
      http: { status, ...(extra.closeConnection && { headers: { connection: 'close' } }) },
    },
  });
}

/** Under node:http, the IncomingMessage itself: reading it directly skips a web-stream wrapper. */
function nodeRequestOf(serverContext: unknown): AsyncIterable<Uint8Array> | undefined {
  const req = (serverContext as { req?: unknown } | undefined)?.req;
  return req instanceof IncomingMessage && !req.readableDidRead ? req : undefined;
}

async function parseMultipart(
  request: Request,
  options: MultipartUploadOptions,
  paths: string[],
  nodeBody: AsyncIterable<Uint8Array> | undefined,
): Promise<GraphQLParams | GraphQLParams[]> {
  const dir = await options.stagingDir();
  const maxFiles = options.maxFiles ?? 10;
  const knownLength = request.headers.has('content-length');
  const fields = new Map<string, string>();
  const files = new Map<string, StagedFile>();
  const writes: Promise<void>[] = [];
  const fileStreams: Array<Readable | Writable> = [];
  const total = { bytes: 0 }; // over all file parts: one request carries at most maxFileBytes of files
  let failure: GraphQLError | undefined;
  const failed = new AbortController(); // wakes the read loop when a part fails mid-way
  const fail = (e: GraphQLError) => {
    if (failure) return;
    failure = e;
    failed.abort();
  };
  const tooLarge = () =>
    error(`The uploaded model is larger than MODEL_MAX_BYTES (${options.maxFileBytes} bytes).`, 413, 'MODEL_TOO_LARGE', {
      closeConnection: !knownLength,
      details: { maxBytes: options.maxFileBytes },
    });

  let busboy: BusboyInstance;
  try {
    busboy = new Busboy({
      headers: { 'content-type': request.headers.get('content-type')! },
      highWaterMark: 1024 * 1024,
      fileHwm: 1024 * 1024,
      limits: {
        fieldSize: options.maxFieldBytes,
        fields: 2,
        files: maxFiles,
        parts: maxFiles + 2,
        fileSize: options.maxFileBytes,
        headerPairs: 100,
      },
      // Every part but operations and map is a file, whatever its headers say.
      isPartAFile: (name) => name !== 'operations' && name !== 'map',
    });
  } catch (e) {
    throw error(`Invalid multipart request: ${(e as Error).message}`, 400, 'BAD_REQUEST');
  }

  busboy.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) {
      fail(error(`The multipart field "${name}" is larger than ${options.maxFieldBytes} bytes.`, 413, 'REQUEST_ENTITY_TOO_LARGE', { closeConnection: !knownLength }));
    } else if (fields.has(name)) {
      fail(error(`The multipart field "${name}" appears twice.`, 400, 'BAD_REQUEST'));
    } else {
      fields.set(name, value);
    }
  });
  busboy.on('file', (name, stream, filename, _encoding, mimeType) => {
    if (failure || files.has(name)) {
      if (!failure) fail(error(`The multipart file "${name}" appears twice.`, 400, 'BAD_REQUEST'));
      stream.resume();
      return;
    }
    const path = join(dir, tempName('upload'));
    paths.push(path);
    const tap = new HashTap(total, options.maxFileBytes, () => fail(tooLarge()));
    const out = createWriteStream(path, { flags: 'wx', highWaterMark: 4 * 1024 * 1024 });
    fileStreams.push(stream, tap, out);
    stream.once('limit', () => fail(tooLarge()));
    writes.push(
      pipeline(stream, tap, out).then(() => {
        if (stream.truncated) return fail(tooLarge());
        files.set(name, new StagedFile(path, tap.bytes, tap.digest(), filename || name, mimeType || 'application/octet-stream'));
      }),
    );
  });
  busboy.on('filesLimit', () => fail(error(`At most ${maxFiles} files per request.`, 413, 'REQUEST_ENTITY_TOO_LARGE', { closeConnection: !knownLength })));
  busboy.on('partsLimit', () => fail(error(`Too many multipart parts.`, 413, 'REQUEST_ENTITY_TOO_LARGE', { closeConnection: !knownLength })));
  busboy.on('fieldsLimit', () => fail(error('Only the fields "operations" and "map" may be sent as text.', 400, 'BAD_REQUEST')));

  const parsed = new Promise<void>((resolve, reject) => {
    busboy.once('finish', resolve);
    busboy.once('error', reject);
  });
  parsed.catch(() => {}); // observed below

  const body = nodeBody ?? (request.body as unknown as AsyncIterable<Uint8Array> | null);
  if (!body) throw error('The multipart request has no body.', 400, 'BAD_REQUEST');
  // Read by hand rather than with for-await: leaving the loop early must not destroy the request
  // stream (that would reset the connection before the error response is sent).
  const reader = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (failure) break;
      const { value, done } = await reader.next();
      if (done) break;
      if (!busboy.write(value)) {
        try {
          await once(busboy, 'drain', { signal: failed.signal }); // rejects on 'error' too
        } catch (e) {
          if (failure) break;
          throw e;
        }
      }
    }
    if (!failure) {
      busboy.end();
      await parsed;
      await Promise.all(writes);
    }
  } catch (e) {
    const system = fromSystemError(e);
    if (!failure) {
      fail(
        e instanceof GraphQLError ? e
          : system ? error(system.message, 507, system.code)
          : error(`Invalid multipart request: ${(e as Error).message}`, 400, 'BAD_REQUEST'),
      );
    }
  }

  if (failure) {
    busboy.destroy();
    for (const stream of fileStreams) stream.destroy(failure);
    await Promise.allSettled(writes);
    await Promise.all(paths.map((path) => unlink(path).catch(() => {})));
    // Let a client that announced its length finish sending (so it reads the error instead of a
    // reset); a chunked one is cut off (Connection: close).
    if (knownLength) void drain(reader);
    throw failure;
  }

  return assemble(fields, files);
}

async function drain(reader: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.next()).done);
  } catch {
    // the client went away
  }
}

function assemble(fields: Map<string, string>, files: Map<string, StagedFile>): GraphQLParams | GraphQLParams[] {
  const operationsText = fields.get('operations');
  if (operationsText === undefined) throw error('Missing multipart form field "operations".', 400, 'BAD_REQUEST');
  let operations: unknown;
  try {
    operations = JSON.parse(operationsText);
  } catch {
    throw error('Multipart form field "operations" must be valid JSON.', 400, 'BAD_REQUEST');
  }
  if (typeof operations !== 'object' || operations === null) {
    throw error('Multipart form field "operations" must be a JSON object or array.', 400, 'BAD_REQUEST');
  }
  const mapText = fields.get('map');
  if (mapText !== undefined) {
    let map: unknown;
    try {
      map = JSON.parse(mapText);
    } catch {
      throw error('Multipart form field "map" must be valid JSON.', 400, 'BAD_REQUEST');
    }
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw error('Multipart form field "map" must be a JSON object.', 400, 'BAD_REQUEST');
    }
    for (const [key, targets] of Object.entries(map)) {
      const file = files.get(key);
      if (!file) throw error(`The map names file "${key}", but no such part was sent.`, 400, 'BAD_REQUEST');
      if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string')) {
        throw error(`The map entry "${key}" must be an array of object paths.`, 400, 'BAD_REQUEST');
      }
      for (const target of targets) setPath(operations as Record<string, unknown>, target, file);
    }
  }
  return operations as GraphQLParams | GraphQLParams[];
}

/** Sets `value` at a dotted path such as "variables.input.file" (like yoga's own parser). */
function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let current = object;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw error(`Invalid map path "${path}".`, 400, 'BAD_REQUEST');
    }
    if (i === keys.length - 1) {
      current[key] = value;
    } else {
      const next = current[key];
      if (typeof next !== 'object' || next === null || !Object.hasOwn(current, key)) current[key] = {};
      current = current[key] as Record<string, unknown>;
    }
  }
}

class HashTap extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly total: { bytes: number },
    private readonly limit: number,
    private readonly onLimit: () => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.total.bytes += chunk.length;
    if (this.total.bytes > this.limit) {
      this.onLimit();
      return callback(null); // drop the rest; the request fails
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
