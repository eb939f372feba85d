import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import { builder } from '../builder.js';

builder.scalarType('DateTime', {
  description: 'A date-time in ISO-8601 format, UTC, e.g. 2026-11-26T14:30:00.000Z.',
  serialize: (value) => (typeof value === 'string' ? value : value.toISOString()),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
  return date;
}

builder.scalarType('JSON', {
  description: 'Any JSON value (objects, arrays, strings, numbers, booleans, null).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

builder.scalarType('File', {
  description:
    'A file uploaded with the GraphQL multipart request spec (https://github.com/jaydenseric/graphql-multipart-request-spec). Input only.',
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  parseValue: (value) => {
    // Our multipart parser gives StagedFile (a File); other parsers may give ponyfill Files.
    if (value instanceof Blob || isBlobLike(value)) return value as File;
    throw new GraphQLError('File values must be uploaded as multipart/form-data parts (GraphQL multipart request spec)');
  },
  parseLiteral: () => {
    throw new GraphQLError('File values must be uploaded as multipart/form-data parts, not written inline');
  },
});

function isBlobLike(value: unknown): boolean {
  const v = value as { size?: unknown; stream?: unknown; arrayBuffer?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.size === 'number' && typeof v.stream === 'function' && typeof v.arrayBuffer === 'function';
}
