// Shared test plumbing: an app on an isolated config, and GraphQL over yoga.fetch.
import { afterAll } from 'vitest';
import { createApp, type App, type AppOptions } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';

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

export function makeApp(env: Record<string, string | undefined> = {}, options: Omit<AppOptions, 'logWrite'> = {}): TestApp {
  const logs: string[] = [];
  const app = createApp(
    loadConfig({ LOG_LEVEL: 'debug', ADMIN_TOKEN, CACHE_FAILURE_BACKOFF_S: '0', ...env }),
    { ...options, logWrite: (line) => logs.push(line) },
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

/** Every problem loadConfig reports for this environment ([] when it loads). */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

export const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Serves an app through its real node:http listener (front door included) on 127.0.0.1:0. */
export async function listen(app: App): Promise<{ url: string; base: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => app.handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  return {
    base,
    url: `${base}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A fake Yahoo and an app listening on 127.0.0.1 that uses it, for a whole test file: await it at
 * the file's top level; everything is closed after the file's tests.
 */
export async function serveOnFakeYahoo(env: Record<string, string> = {}): Promise<{
  fake: FakeYahoo;
  app: TestApp;
  server: Awaited<ReturnType<typeof listen>>;
  url: string;
}> {
  const fake = await startFakeYahoo();
  const app = makeApp({ YAHOO_BASE_URL: fake.url, ...env });
  const server = await listen(app);
  afterAll(async () => {
    await server.close();
    await app.close();
    await fake.close();
  });
  return { fake, app, server, url: server.url };
}

export interface SpawnedServer {
  child: import('node:child_process').ChildProcess;
  base: string;
  url: string;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Starts the server's entry point from source (src/server.ts; `npm start` runs it compiled) as a child process on a free port. */
export async function spawnServer(env: Record<string, string>): Promise<SpawnedServer> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout.push(String(chunk));
      const match = stdout.join('').match(/"url":"http:\/\/localhost:(\d+)\/graphql"/);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}): ${stderr.join('')}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return { child, base, url: `${base}/graphql`, stdout, stderr, exited };
}
