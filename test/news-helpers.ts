// An in-process stockroom for news tests: createApp(loadConfig(env)) with captured logs and
// every response body kept, so tests can assert that no secret ever leaves the server.
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** Nothing listens here: a Yahoo request in a NewsAPI-only test fails fast instead of going out. */
export const DEAD_URL = 'http://127.0.0.1:9';

export interface GqlResult {
  status: number;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, any> }>;
  };
}

export interface TestServer {
  app: App;
  logs: string[];
  bodies: string[];
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResult>;
  close(): Promise<void>;
}

export function startServer(env: Record<string, string | undefined>): TestServer {
  const logs: string[] = [];
  const bodies: string[] = [];
  const app = createApp(
    loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', ADMIN_TOKEN, YAHOO_BASE_URL: DEAD_URL, YAHOO_TIMEOUT_MS: '2000', ...env }),
    { logWrite: (line) => logs.push(line) },
  );
  return {
    app,
    logs,
    bodies,
    async gql(query, variables, headers = {}) {
      const body = JSON.stringify({ query, variables });
      const response = await app.yoga.fetch('http://stockroom.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
        body,
      });
      const text = await response.text();
      bodies.push(text);
      return { status: response.status, body: JSON.parse(text) };
    },
    close: () => app.close(),
  };
}

export const NEWS_FIELDS = `query provider totalResults fetchedAt stale
  articles { title url source author summary publishedAt imageUrl relatedSymbols }`;

export const QUOTA_FIELDS = 'enabled dailyLimit used remaining windowSeconds nextSlotAt rateLimitedUntil';

export const codeOf = (result: GqlResult) => result.body.errors?.[0]?.extensions?.code;
