// A tiny typed client for stockroom: pass a generated document (sdk/gql) and its variables,
// get typed data back. Errors arrive as StockroomRequestError with each error's code.
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
  };
}
