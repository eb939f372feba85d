// Generates the typed client SDK (sdk/gql) from the committed schema.graphql and the operation
// documents in sdk/operations. `npm run generate` prints the schema first; CI checks both fresh.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['sdk/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false,
  generates: {
    'sdk/gql/': {
      preset: 'client',
      // persisted-documents.json: every shipped operation by sha256, served by hash (short, cacheable GETs).
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'Record<string, unknown>', File: 'File' },
      },
    },
  },
};

export default config;
