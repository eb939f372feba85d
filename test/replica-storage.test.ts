// setStorageBackend on one replica reaches the others over the cluster bus (Redis): they switch
// too, without migrating again, and see the models the first one migrated.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_TOKEN, startFakeGitHub, type FakeGitHub } from './fakes/github.js';
import { asAdmin, makeApp, type TestApp } from './helpers.js';
import { describeWithRedis, startRedis, type RedisServer } from './redis-server.js';

describeWithRedis('backend switch across replicas', () => {
  let redis: RedisServer;
  let github: FakeGitHub;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    [redis, github] = await Promise.all([startRedis(), startFakeGitHub({ inlineLimitBytes: 16 * 1024 })]);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.stop();
    await github?.close();
  });

  const replica = () => {
    const app = makeApp(
      {
        REDIS_URL: redis.url,
        GITHUB_TOKEN: DEFAULT_TOKEN,
        GITHUB_API_URL: github.url,
        STORAGE_ENCRYPTION_KEY: randomBytes(32).fill(7).toString('base64'),
        STORAGE_BACKEND: 'local',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'stockroom-replica-')),
        YAHOO_BASE_URL: 'http://127.0.0.1:9',
      },
      { storageTuning: { client: { retryBaseMs: 5, writeSpacingMs: 0 } } },
    );
    apps.push(app);
    return app;
  };
  const backendOf = async (app: TestApp) => (await app.gql('{ storageStatus { backend } }')).data.storageStatus.backend;
  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
    return check();
  };

  it('the other replica follows a switch (and a switch back) and sees the migrated models', { timeout: 30_000 }, async () => {
    const a = replica();
    const b = replica();
    expect([await backendOf(a), await backendOf(b)]).toEqual(['LOCAL', 'LOCAL']);
    const saved = await a.gql('mutation($i: SaveModelInput!) { saveModel(input: $i) { id sha256 } }', { i: { id: 'shared-model', contentBase64: randomBytes(5000).toString('base64') } }, asAdmin);
    expect(saved.errors).toBeUndefined();

    const switched = await a.gql('mutation { setStorageBackend(backend: GITHUB, migrate: true) { backend savedModels } }', {}, asAdmin);
    expect(switched.data.setStorageBackend).toEqual({ backend: 'GITHUB', savedModels: 1 });
    expect(await eventually(async () => (await backendOf(b)) === 'GITHUB')).toBe(true);
    const seen = await b.gql('query { model(id: "shared-model") { sha256 backend } }');
    expect(seen.data.model).toEqual({ sha256: saved.data.saveModel.sha256, backend: 'GITHUB' });

    await a.gql('mutation { setStorageBackend(backend: LOCAL) { backend } }', {}, asAdmin);
    expect(await eventually(async () => (await backendOf(b)) === 'LOCAL')).toBe(true);
  });
});
