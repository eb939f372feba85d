// Shared test plumbing: an app on an isolated config, and GraphQL over yoga.fetch.
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApp extends App {
  logs: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>, operationName?: string): Promise<GqlResult<T>>;
}

export interface GqlResult<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  text: string;
}

export function makeApp(env: Record<string, string | undefined> = {}): TestApp {
  const logs: string[] = [];
  const app = createApp(
    loadConfig({ LOG_LEVEL: 'debug', ADMIN_TOKEN, CACHE_FAILURE_BACKOFF_S: '0', ...env }),
    { logWrite: (line) => logs.push(line) },
  );
  const gql = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}, operationName?: string) => {
    const response = await app.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query, variables, operationName }),
    });
    const text = await response.text();
    return { status: response.status, text, ...JSON.parse(text) };
  };
  return Object.assign(app, { logs, gql });
}

export const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
