// The Pothos builder and nothing else: plugins, scalars, root types. Domain types live in
// src/schema/<domain>.ts. Plugin order: scope-auth first (its docs), so an admin check fails
// as a top-level UNAUTHENTICATED error before any resolver runs.
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import { createGraphQLError } from 'graphql-yoga';
import type { Context } from './context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    /** GraphQL multipart request spec uploads (src/http/multipart.ts); input only. */
    File: { Input: File; Output: never };
  };
}>({
  plugins: [ScopeAuthPlugin, SimpleObjectsPlugin],
  scopeAuth: {
    authScopes: (ctx) => ({ admin: ctx.isAdmin }),
    unauthorizedError: () =>
      createGraphQLError('This operation needs the admin token: send "Authorization: Bearer <ADMIN_TOKEN>".', {
        extensions: { code: 'UNAUTHENTICATED' },
      }),
  },
});

builder.queryType({});
builder.mutationType({});
