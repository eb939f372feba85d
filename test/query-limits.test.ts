// Document limits (graphql-armor): refused with a clear coded error; every legitimate query passes.
import { readdirSync, readFileSync } from 'node:fs';
import { Kind, parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { makeApp } from './helpers.js';

const app = makeApp({ YAHOO_BASE_URL: 'http://127.0.0.1:9' });
afterAll(() => app.close());

describe('query limits', () => {
  it('refuses too many aliases', async () => {
    const q = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: cacheStatus { lastClearedAt }`).join(' ')} }`;
    const res = await app.gql(q);
    expect(res.errors![0].extensions!.code).toBe('QUERY_LIMIT_EXCEEDED');
    expect(res.errors![0].message).toMatch(/Aliases limit of 30 exceeded/);
  });

  it('refuses documents with too many tokens', async () => {
    const q = `{ cacheStatus { ${'lastClearedAt '.repeat(3100)} } }`;
    const res = await app.gql(q);
    expect(res.errors![0].extensions!.code).toBe('QUERY_LIMIT_EXCEEDED');
    expect(res.errors![0].message).toMatch(/Token limit/i);
  });

  it('refuses too many directives', async () => {
    const q = `{ cacheStatus { lastClearedAt ${'@include(if: true) '.repeat(25)} } }`;
    const res = await app.gql(q);
    expect(res.errors![0].extensions!.code).toBe('QUERY_LIMIT_EXCEEDED');
  });

  it('hides field suggestions and codes validation errors', async () => {
    const res = await app.gql('{ cacheStatus { cachez { name } } }');
    expect(res.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0].message).not.toContain('Did you mean');
  });

  it('codes syntax errors', async () => {
    const res = await app.gql('{ cacheStatus { ');
    expect(res.errors![0].extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('lets every shipped SDK operation and the README queries through the limits', async () => {
    const dir = new URL('../sdk/operations/', import.meta.url);
    const sample: Record<string, unknown> = {
      symbol: 'AAPL',
      symbols: ['AAPL', 'MSFT'],
      id: 'model-1',
      version: 1,
      limit: 5,
      input: { id: 'model-1', contentBase64: 'AAAA', metadata: { accuracy: 0.9 } },
      backend: 'LOCAL',
    };
    const operations = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .flatMap((f) => {
        const text = readFileSync(new URL(f, dir), 'utf8');
        return parse(text).definitions.flatMap((d) =>
          d.kind === Kind.OPERATION_DEFINITION
            ? [{
                text,
                operationName: d.name!.value,
                // Only the variables it declares, with plausible values (symbol rather than query for news).
                variables: Object.fromEntries(
                  (d.variableDefinitions ?? []).map((v) => v.variable.name.value).filter((n) => n in sample).map((n) => [n, sample[n]]),
                ),
              }]
            : [],
        );
      });
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const readmeQueries = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => ({ text: m[1], operationName: undefined, variables: {} }));
    expect(operations.length).toBeGreaterThan(5);
    for (const op of [...operations, ...readmeQueries]) {
      const res = await app.gql(op.text, op.variables, {}, op.operationName);
      const codes = (res.errors ?? []).map((e) => e.extensions?.code);
      const label = op.operationName ?? op.text;
      expect(codes, label).not.toContain('QUERY_LIMIT_EXCEEDED');
      expect(codes, label).not.toContain('GRAPHQL_VALIDATION_FAILED');
      expect(codes, label).not.toContain('GRAPHQL_PARSE_FAILED');
      expect(codes, label).not.toContain('BAD_USER_INPUT');
    }
  });
});
