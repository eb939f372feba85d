// CSRF protection for GraphQL requests a browser could send cross-site without a preflight:
// POSTs with a "simple" content type (multipart/form-data — the uploads — form-urlencoded,
// text/plain). They must carry one of CSRF_HEADERS, which a cross-site page cannot add without a
// CORS preflight. JSON POSTs are preflighted anyway, and GETs cannot run mutations (yoga refuses
// them), so both pass unchanged. The check is @graphql-yoga/plugin-csrf-prevention's, with a code.
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Clients send `x-graphql-csrf: 1` (any of these names, any value, works). */
export const CSRF_HEADERS = ['x-graphql-csrf', 'graphql-require-preflight', 'apollo-require-preflight', 'x-graphql-yoga-csrf'];

export function useCsrfPrevention(): Plugin {
  const check = useCSRFPrevention({ requestHeaders: CSRF_HEADERS }).onRequestParse!;
  return {
    onRequestParse(payload) {
      if (payload.request.method === 'GET' || payload.request.method === 'HEAD') return;
      try {
        return check(payload);
      } catch {
        throw createGraphQLError(
          'This request needs a CSRF header: send "x-graphql-csrf: 1" (multipart uploads and other form-encoded requests).',
          { extensions: { code: 'CSRF_HEADER_REQUIRED', http: { status: 403 } } },
        );
      }
    },
  };
}
