// GET|HEAD /models/{id}/content[?version=N]: the bytes of a model version, streamed, with
// Content-Length and ETag = "<sha256>" (If-None-Match → 304). Needs the admin token. The stored
// bytes are checked against their sha256 before the first byte is sent (MODEL_CORRUPTED → 500,
// nothing served) and again while they stream. Errors are JSON: {"errors":[{message, extensions:{code}}]}.
import type { Readable } from 'node:stream';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ModelStoreApi } from '../storage/manager.js';

export interface ModelContentRouteOptions {
  store: ModelStoreApi;
  isAdmin: (authorization: string | null) => boolean;
  logger: Logger;
}

const ROUTE = /^\/models\/([^/]+)\/content\/?$/;
const VERSION = /^[1-9][0-9]{0,9}$/;
const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  INVALID_MODEL_ID: 400,
  MODEL_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  MODEL_CORRUPTED: 500,
  // The GitHub Gist backend: the server cannot reach or use its storage right now.
  GITHUB_TOKEN_MISSING: 503,
  GITHUB_AUTH_FAILED: 503,
  GITHUB_PERMISSION_DENIED: 503,
  GITHUB_RATE_LIMITED: 503,
  GITHUB_UNAVAILABLE: 503,
  ENCRYPTION_KEY_MISSING: 503,
  ENCRYPTION_KEY_MISMATCH: 503,
  // The S3 and Azure Blob backends: the object store cannot be reached or used right now.
  STORAGE_UNAVAILABLE: 503,
  STORAGE_NOT_CONFIGURED: 503,
  STORAGE_AUTH_FAILED: 503,
  STORAGE_PERMISSION_DENIED: 503,
  STORAGE_NOT_FOUND: 503,
  STORAGE_ERROR: 503,
};

export function useModelContentRoute(options: ModelContentRouteOptions): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!request.url.includes('/models/')) return; // the GraphQL hot path pays one string search
      const match = ROUTE.exec(url.pathname);
      if (!match) return;
      const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
          status,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
        });

      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return endResponse(fail(405, 'METHOD_NOT_ALLOWED', 'Use GET or HEAD.', { allow: 'GET, HEAD' }));
      }
      if (!options.isAdmin(request.headers.get('authorization'))) {
        return endResponse(
          fail(401, 'UNAUTHENTICATED', 'Model downloads need the admin token: send "Authorization: Bearer <ADMIN_TOKEN>".', {
            'www-authenticate': 'Bearer realm="stockroom"',
          }),
        );
      }
      const versionParam = url.searchParams.get('version');
      if (versionParam !== null && !VERSION.test(versionParam)) {
        return endResponse(fail(400, 'BAD_REQUEST', 'version must be a positive integer.'));
      }
      const version = versionParam === null ? undefined : Number(versionParam);

      try {
        const id = decodeId(match[1]);
        const info = await options.store.describeContent(id, version);
        const etag = `"${info.sha256}"`;
        const headers: Record<string, string> = {
          etag,
          'cache-control': 'private, no-cache',
          'x-model-version': String(info.version),
        };
        if (matchesEtag(request.headers.get('if-none-match'), info.sha256)) {
          return endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        }
        Object.assign(headers, {
          'content-type': 'application/octet-stream',
          'content-length': String(info.sizeBytes),
          'content-disposition': `attachment; filename="${id}-v${info.version}"`,
        });
        if (request.method === 'HEAD') return endResponse(new fetchAPI.Response(null, { status: 200, headers }));
        const content = await options.store.openContent(id, info.version);
        content.stream.once('error', (error) => {
          options.logger.error('model download failed while streaming', { modelId: id, version: info.version, err: error });
        });
        // A Node Readable is a valid body for @whatwg-node's Response (no copy into web streams).
        return endResponse(new fetchAPI.Response(content.stream as Readable as unknown as BodyInit, { status: 200, headers }));
      } catch (error) {
        if (error instanceof AppError && STATUS[error.code]) {
          if (error.code === 'MODEL_CORRUPTED' || error.code.startsWith('STORAGE_')) {
            options.logger.error(error.message, { code: error.code, err: error.cause });
          }
          return endResponse(fail(STATUS[error.code], error.code, error.message));
        }
        options.logger.error('model download failed', { err: error });
        return endResponse(fail(500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.'));
      }
    },
  };
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed escapes: the id check refuses it
  }
}

/** If-None-Match: "*" or a list of (possibly weak) entity tags. */
function matchesEtag(header: string | null, sha256: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${sha256}"`);
}
