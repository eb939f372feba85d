// A tiny typed client for stockroom: pass a generated document (sdk/gql) and its variables,
// get typed data back. Errors arrive as StockroomRequestError with each error's code.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface StockroomClientOptions {
  /** e.g. http://localhost:4000/graphql */
  url: string;
  adminToken?: string;
  fetch?: typeof fetch;
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
  return {
    async request<TData, TVariables>(
      document: TypedDocumentNode<TData, TVariables>,
      ...[variables]: {} extends TVariables ? [variables?: TVariables] : [variables: TVariables]
    ): Promise<TData> {
      let query = printed.get(document);
      if (!query) printed.set(document, (query = print(document)));
      const response = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(options.adminToken && { authorization: `Bearer ${options.adminToken}` }),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: TData; errors?: StockroomGraphQLError[] };
      if (body.errors?.length) throw new StockroomRequestError(body.errors, response.status, body.data);
      return body.data as TData;
    },
  };
}
