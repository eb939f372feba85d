// A tiny typed client for stockroom: pass a generated document (sdk/gql) and its variables,
// get typed data back. Errors arrive as StockroomRequestError with each error's code. Variables
// holding a File/Blob are sent as a GraphQL multipart request (with the CSRF header);
// downloadModel() fetches model bytes from GET /models/{id}/content.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface StockroomClientOptions {
  /** e.g. http://localhost:4000/graphql */
  url: string;
  adminToken?: string;
  fetch?: typeof fetch;
  /**
   * Send shipped operations by hash (persisted operations) instead of their text; with
   * `method: 'GET'` queries become short URLs that browsers, proxies and CDNs can cache.
   */
  persisted?: boolean;
  method?: 'POST' | 'GET';
}

export interface StockroomGraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export class StockroomRequestError extends Error {
  constructor(
    readonly errors: StockroomGraphQLError[],
    readonly status: number,
    readonly data?: unknown,
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
    this.name = 'StockroomRequestError';
  }
}

export function createStockroomClient(options: StockroomClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const printed = new WeakMap<object, string>();
  const headers = {
    accept: 'application/graphql-response+json, application/json',
    ...(options.adminToken && { authorization: `Bearer ${options.adminToken}` }),
  };

  async function send<TData>(params: Record<string, unknown>, isQuery: boolean) {
    const useGet = options.method === 'GET' && isQuery;
    const response = useGet
      ? await doFetch(`${options.url}?${new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))}`, { headers })
      : await doFetch(options.url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(params) });
    return { status: response.status, body: (await response.json()) as { data?: TData; errors?: StockroomGraphQLError[] } };
  }

  return {
    async request<TData, TVariables>(
      document: TypedDocumentNode<TData, TVariables>,
      ...[variables]: {} extends TVariables ? [variables?: TVariables] : [variables: TVariables]
    ): Promise<TData> {
      let query = printed.get(document);
      if (!query) printed.set(document, (query = print(document)));
      const files = extractFiles(variables);
      if (files.length) {
        // GraphQL multipart request spec: operations (files as null), map, then one part per file.
        const response = await doFetch(options.url, {
          method: 'POST',
          headers: { ...headers, 'x-graphql-csrf': '1' },
          body: multipartBody(query, variables, files),
        });
        const body = (await response.json()) as { data?: TData; errors?: StockroomGraphQLError[] };
        if (body.errors?.length) throw new StockroomRequestError(body.errors, response.status, body.data);
        return body.data as TData;
      }
      const isQuery = document.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'query');
      const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
      let result = options.persisted && hash
        ? await send<TData>({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash.replace(/^sha256:/, '') } } }, isQuery)
        : undefined;
      // A server that does not know the hash (an older deployment) gets the full text.
      if (!result || result.body.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) {
        result = await send<TData>({ query, variables }, isQuery);
      }
      if (result.body.errors?.length) throw new StockroomRequestError(result.body.errors, result.status, result.body.data);
      return result.body.data as TData;
    },

    /**
     * The bytes of a model version (the current one by default), as a streaming Response with
     * Content-Length and ETag (the sha256). Needs the admin token.
     */
    async downloadModel(id: string, opts: { version?: number; ifNoneMatch?: string } = {}): Promise<Response> {
      const url = new URL(`/models/${encodeURIComponent(id)}/content`, options.url);
      if (opts.version !== undefined) url.searchParams.set('version', String(opts.version));
      const response = await doFetch(url, {
        headers: {
          ...(options.adminToken && { authorization: `Bearer ${options.adminToken}` }),
          ...(opts.ifNoneMatch && { 'if-none-match': opts.ifNoneMatch }),
        },
      });
      if (response.status !== 200 && response.status !== 304) {
        const body = (await response.json().catch(() => ({}))) as { errors?: StockroomGraphQLError[] };
        throw new StockroomRequestError(body.errors ?? [{ message: `HTTP ${response.status}` }], response.status);
      }
      return response;
    },
  };
}

/** Blobs (Files) anywhere in the variables, with their dotted paths. */
function extractFiles(value: unknown, path = 'variables', out: Array<{ path: string; file: Blob }> = []) {
  if (value instanceof Blob) out.push({ path, file: value });
  else if (Array.isArray(value)) value.forEach((item, i) => extractFiles(item, `${path}.${i}`, out));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) extractFiles(item, `${path}.${key}`, out);
  }
  return out;
}

function multipartBody(query: string, variables: unknown, files: Array<{ path: string; file: Blob }>): FormData {
  const form = new FormData();
  const nullFiles = JSON.stringify({ query, variables }, (_key, value: unknown) => (value instanceof Blob ? null : value));
  form.set('operations', nullFiles);
  form.set('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [f.path]]))));
  files.forEach((f, i) => form.set(String(i), f.file, f.file instanceof File ? f.file.name : `file${i}`));
  return form;
}
