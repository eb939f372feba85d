// Persisted operations: every operation shipped in the SDK (sdk/operations, hashed by codegen
// into sdk/gql/persisted-documents.json) can be sent by its sha256 instead of its text —
// Apollo's `extensions.persistedQuery.sha256Hash`, or `documentId` — which makes GET URLs short
// and cacheable by proxies and CDNs. Arbitrary operations stay allowed.
import { readFileSync } from 'node:fs';
import type { Plugin } from 'graphql-yoga';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';

export function loadPersistedDocuments(): Map<string, string> {
  const file = new URL('../../sdk/gql/persisted-documents.json', import.meta.url);
  const documents = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const byHash = new Map<string, string>();
  for (const [id, document] of Object.entries(documents)) {
    byHash.set(id, document);
    byHash.set(id.replace(/^sha256:/, ''), document); // Apollo clients send the bare hex digest
  }
  return byHash;
}

export function usePersistedDocuments(documents: Map<string, string>): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: true,
    extractPersistedOperationId: (params, request) => {
      const fromExtensions = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
      if (typeof fromExtensions === 'string') return fromExtensions;
      const documentId = (params as { documentId?: unknown }).documentId;
      if (typeof documentId === 'string') return documentId;
      if (request.method === 'GET') return new URL(request.url).searchParams.get('documentId');
      return null;
    },
    getPersistedOperation: (id) => documents.get(id) ?? null,
    customErrors: {
      notFound: { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
    },
  });
}
