// The GitHub Gist backend through the server (createApp, GraphQL, the content route) on the fake
// GitHub: recovery after DATA_DIR is wiped, switching and migrating backends, the persisted
// choice, storageStatus.github, and that neither the GitHub token nor the encryption key ever
// appears in a response or a log line.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createApp, type App, type AppOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { keyForms } from '../src/storage/crypto.js';
import { startFakeGitHub, type FakeGitHub } from './fakes/github.js';

const ADMIN = 'github-graphql-admin-token-0123';
const TOKEN = 'ghp_SecretStockroomTestToken00000000000042';
const LOGIN = 'modelowner';
const KEY = randomBytes(32);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MiB = 1024 * 1024;

interface GqlResult {
  status: number;
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }>;
}

/** Every log line and response body of every app, for the secrets check at the end. */
const logLines: string[] = [];
const responses: string[] = [];
const apps: App[] = [];
const dirs: string[] = [];
const fakes: FakeGitHub[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const fake of fakes.splice(0)) await fake.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(() => {
  // Neither the token nor the key (in any of its textual forms) in anything a client or a log saw.
  expect(logLines.length).toBeGreaterThan(100);
  expect(responses.length).toBeGreaterThan(50);
  for (const secret of [TOKEN, ...keyForms(KEY)]) {
    for (const line of logLines) expect(line.includes(secret), `log line leaks a secret: ${line.slice(0, 200)}`).toBe(false);
    for (const body of responses) expect(body.includes(secret), `response leaks a secret: ${body.slice(0, 200)}`).toBe(false);
  }
});

async function newFake() {
  const fake = await startFakeGitHub({
    inlineLimitBytes: 16 * 1024,
    tokens: { [TOKEN]: { login: LOGIN, scopes: ['gist'] }, ghp_otherUserToken000000000000000000000001: { login: 'someoneelse', scopes: ['gist'] } },
  });
  fakes.push(fake);
  return fake;
}

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-ghql-'));
  dirs.push(dir);
  return dir;
}

const tuning: AppOptions['storageTuning'] = {
  client: { writeSpacingMs: 0, retryBaseMs: 5 },
  gist: { chunkBytes: 256 * 1024, orphanGraceMs: 0 },
};

function server(fake: FakeGitHub | null, dataDir: string, env: Record<string, string> = {}, options: AppOptions = {}) {
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'debug',
    MAX_REQUEST_BYTES: String(8 * MiB),
    ...(fake && { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url, STORAGE_ENCRYPTION_KEY: KEY.toString('base64') }),
    ...env,
  });
  const app = createApp(config, { logWrite: (line) => logLines.push(line), storageTuning: tuning, ...options });
  apps.push(app);

  async function gql(query: string, variables: Record<string, unknown> = {}, admin = true): Promise<GqlResult> {
    const body = JSON.stringify({ query, variables });
    const response = await app.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...(admin && { authorization: `Bearer ${ADMIN}` }) },
      body,
    });
    const text = await response.text();
    responses.push(text);
    return { status: response.status, ...JSON.parse(text) };
  }
  async function save(id: string, bytes: Buffer, extra: Record<string, unknown> = {}) {
    const r = await gql(`mutation($input: SaveModelInput!) { saveModel(input: $input) { id version sha256 } }`, {
      input: { id, contentBase64: bytes.toString('base64'), ...extra },
    });
    expect(r.errors).toBeUndefined();
    return r.data!.saveModel as { id: string; version: number; sha256: string };
  }
  async function download(id: string, version?: number): Promise<{ status: number; bytes: Buffer }> {
    const response = await app.yoga.fetch(`http://stockroom.test/models/${id}/content${version ? `?version=${version}` : ''}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) responses.push(bytes.toString());
    return { status: response.status, bytes };
  }
  const models = async () =>
    (
      await gql(`{ models { id version sha256 metadata symbol modelType deployedVersion backend createdAt updatedAt
        versions { version sha256 sizeBytes metadata createdAt rolledBackFrom deployed } } }`)
    ).data!.models as Array<Record<string, any>>;
  const status = async () =>
    (await gql(`{ storageStatus { backend savedModels savedVersions deployedModels github { tokenConfigured tokenValid login scopes rateLimitRemaining rateLimitResetAt encrypted } } }`))
      .data!.storageStatus;
  const switchTo = (backend: 'LOCAL' | 'GITHUB', migrate = false) =>
    gql(`mutation($b: StorageBackend!, $m: Boolean) { setStorageBackend(backend: $b, migrate: $m) { backend savedModels savedVersions deployedModels } }`, {
      b: backend,
      m: migrate,
    });
  return { app, gql, save, download, models, status, switchTo };
}

/** A few models with history: versions, metadata, a rollback, a deployment, one multi-chunk. */
async function populate(s: ReturnType<typeof server>) {
  const bytes: Record<string, Buffer[]> = { alpha: [randomBytes(1000), randomBytes(2000)], beta: [randomBytes(Math.floor(1.5 * MiB))], gamma: [Buffer.from('gamma v1')] };
  await s.save('alpha', bytes.alpha[0], { metadata: { lr: 0.1 }, symbol: 'AAPL', modelType: 'sklearn' });
  await s.save('alpha', bytes.alpha[1], { metadata: { lr: 0.2 }, symbol: 'AAPL', modelType: 'sklearn' });
  expect((await s.gql(`mutation { rollbackModel(id: "alpha", version: 1) { version } }`)).data!.rollbackModel.version).toBe(3);
  bytes.alpha.push(bytes.alpha[0]);
  expect((await s.gql(`mutation { deployModel(id: "alpha", version: 2) { deployedVersion } }`)).data!.deployModel.deployedVersion).toBe(2);
  await s.save('beta', bytes.beta[0], { metadata: { big: true } });
  await s.gql(`mutation { deployModel(id: "beta") { id } }`);
  await s.save('gamma', bytes.gamma[0]);
  return bytes;
}

async function expectContent(s: ReturnType<typeof server>, bytes: Record<string, Buffer[]>) {
  for (const [id, versions] of Object.entries(bytes)) {
    for (const [i, b] of versions.entries()) {
      const got = await s.download(id, i + 1);
      expect(got.status).toBe(200);
      expect(sha256(got.bytes)).toBe(sha256(b));
    }
  }
}

/** Every file under a directory with its sha256: to show a backend was left untouched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out[`${prefix}${e.name}`] = `${statSync(join(d, e.name)).mtimeMs}:${sha256(readFileSync(join(d, e.name)))}`;
    }
  };
  walk(dir, '');
  return out;
}

/** The model gists, whole history included (the settings gist records switches and may change). */
const gistSnapshot = (fake: FakeGitHub) =>
  JSON.stringify(
    [...fake.gists.values()]
      .filter((g) => g.description?.startsWith('stockroom-model:'))
      .map((g) => [g.id, g.description, g.updated_at, g.history.map((h) => [h.version, [...h.files.entries()]])]),
  );

describe('recovery from GitHub alone', () => {
  it('after DATA_DIR is wiped, a new server finds every model, version, metadata and deployment among 260 other gists', async () => {
    const fake = await newFake();
    fake.seedGists(LOGIN, 260);
    const dataDir = newDataDir();
    const first = server(fake, dataDir, { STORAGE_BACKEND: 'github' });
    const bytes = await populate(first);
    const before = await first.models();
    expect(before.map((m) => m.backend)).toEqual(['GITHUB', 'GITHUB', 'GITHUB']);
    await first.app.close();

    rmSync(dataDir, { recursive: true, force: true }); // the redeploy
    fake.reset();
    const second = server(fake, dataDir, { STORAGE_BACKEND: 'github' });
    expect(await second.models()).toEqual(before);
    const listed = fake.requests.filter((r) => r.method === 'GET' && r.path === '/gists');
    expect(listed.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    await expectContent(second, bytes);
    expect(await second.status()).toMatchObject({ backend: 'GITHUB', savedModels: 3, savedVersions: 5, deployedModels: 2 });
    expect((await second.save('alpha', Buffer.from('after recovery'))).version).toBe(4);
  });
});

describe('readiness', () => {
  it('/ready is 503 while the GitHub backend cannot be reached, and 200 again once it can', async () => {
    const fake = await newFake();
    const s = server(fake, newDataDir(), { STORAGE_BACKEND: 'github' });
    const ready = async () => (await s.app.yoga.fetch('http://stockroom.test/ready')).status;
    expect(await ready()).toBe(200);
    fake.fail({ pathPrefix: '/rate_limit' }, { status: 502 });
    await new Promise((r) => setTimeout(r, 5100)); // past the 5 s memo of the last probe
    expect(await ready()).toBe(503);
    fake.clearFaults();
    await new Promise((r) => setTimeout(r, 5100));
    expect(await ready()).toBe(200);
  }, 20_000);
});

describe('storageStatus.github', () => {
  it('reports the token, scopes, rate limit and encryption to the admin only, never the token', async () => {
    const fake = await newFake();
    const s = server(fake, newDataDir());
    const status = await s.status();
    expect(status.backend).toBe('LOCAL');
    expect(status.github).toMatchObject({ tokenConfigured: true, tokenValid: true, login: LOGIN, scopes: ['gist'], encrypted: true });
    expect(status.github.rateLimitRemaining).toBeGreaterThan(4000);
    expect(Date.parse(status.github.rateLimitResetAt)).toBeGreaterThan(Date.now());
    const anonymous = await s.gql(`{ storageStatus { backend github { login } } }`, {}, false);
    expect(anonymous.data!.storageStatus).toEqual({ backend: 'LOCAL', github: null });
    expect(anonymous.errors![0].extensions!.code).toBe('UNAUTHENTICATED');

    const bare = server(null, newDataDir());
    expect((await bare.status()).github).toEqual({
      tokenConfigured: false,
      tokenValid: null,
      login: null,
      scopes: null,
      rateLimitRemaining: null,
      rateLimitResetAt: null,
      encrypted: false,
    });
    const badToken = server(fake, newDataDir(), { GITHUB_TOKEN: 'ghp_revokedToken', GIST_ALLOW_PLAINTEXT: 'true', STORAGE_ENCRYPTION_KEY: '' });
    expect((await badToken.status()).github).toMatchObject({ tokenConfigured: true, tokenValid: false, encrypted: false });
  });
});

describe('switching backends', () => {
  it('migrates local → github → local: every version, metadata and deployment, verified; the old backend untouched', async () => {
    const fake = await newFake();
    const dataDir = newDataDir();
    const s = server(fake, dataDir);
    const bytes = await populate(s);
    const before = await s.models();
    const localFiles = snapshot(join(dataDir, 'models'));

    const toGitHub = await s.switchTo('GITHUB', true);
    expect(toGitHub.errors).toBeUndefined();
    expect(toGitHub.data!.setStorageBackend).toEqual({ backend: 'GITHUB', savedModels: 3, savedVersions: 5, deployedModels: 2 });
    const strip = (models: Array<Record<string, any>>) => models.map(({ backend: _b, ...rest }) => rest);
    const onGitHub = await s.models();
    expect(onGitHub.map((m) => m.backend)).toEqual(['GITHUB', 'GITHUB', 'GITHUB']);
    expect(strip(onGitHub)).toEqual(strip(before));
    expect(snapshot(join(dataDir, 'models'))).toEqual(localFiles); // the old backend, untouched
    expect([...fake.gists.values()].filter((g) => g.description?.startsWith('stockroom-model:'))).toHaveLength(3);
    rmSync(join(dataDir, 'github', 'cache'), { recursive: true, force: true }); // served from GitHub, not the migration's copies
    await expectContent(s, bytes);

    // Changes on GitHub, then back to local with them.
    bytes.gamma.push(randomBytes(5000));
    await s.save('gamma', bytes.gamma[1], { metadata: { from: 'github' } });
    await s.gql(`mutation { deployModel(id: "gamma", version: 2) { id } }`);
    await s.gql(`mutation { undeployModel(id: "beta") { id } }`);
    const changed = await s.models();
    const gists = gistSnapshot(fake);

    const toLocal = await s.switchTo('LOCAL', true);
    expect(toLocal.data!.setStorageBackend).toEqual({ backend: 'LOCAL', savedModels: 3, savedVersions: 6, deployedModels: 2 });
    expect(strip(await s.models())).toEqual(strip(changed));
    expect(gistSnapshot(fake)).toBe(gists); // the old backend, untouched
    await expectContent(s, bytes);
  });

  it('an interrupted migration changes nothing; run again, it finishes without duplicates', async () => {
    const fake = await newFake();
    const dataDir = newDataDir();
    const s = server(fake, dataDir);
    const bytes = await populate(s);
    for (let i = 0; i < 3; i++) await s.save(`extra-${i}`, randomBytes(300_000));
    // GitHub breaks down for good after a few models went through.
    const patches = fake.count({ method: 'PATCH' });
    const stop = setInterval(() => {
      if (fake.count({ method: 'PATCH' }) - patches >= 6) {
        clearInterval(stop);
        fake.fail({ method: 'PATCH' }, { status: 502 });
      }
    }, 1);
    const failed = await s.switchTo('GITHUB', true);
    clearInterval(stop);
    expect(failed.errors![0].extensions!.code).toBe('GITHUB_UNAVAILABLE');
    const firstRun = new Map([...fake.gists.values()].filter((g) => g.files.has('stockroom-manifest.json')).map((g) => [g.description, g.id]));
    expect(firstRun.size).toBeGreaterThan(0); // some models made it before the breakdown
    expect((await s.status()).backend).toBe('LOCAL');
    expect(existsSync(join(dataDir, 'storage-backend.json'))).toBe(false);
    expect((await s.save('alpha', Buffer.from('still local'))).version).toBe(4); // changes work again
    bytes.alpha.push(Buffer.from('still local'));

    fake.clearFaults();
    const resumed = await s.switchTo('GITHUB', true);
    expect(resumed.errors).toBeUndefined();
    expect(resumed.data!.setStorageBackend).toMatchObject({ backend: 'GITHUB', savedModels: 6 });
    const modelGists = [...fake.gists.values()].filter((g) => g.description?.startsWith('stockroom-model:')).map((g) => g.description).sort();
    expect(modelGists).toEqual(['alpha', 'beta', 'extra-0', 'extra-1', 'extra-2', 'gamma'].map((id) => `stockroom-model:${id}`));
    for (const [description, id] of firstRun) expect(fake.gists.get(id)?.description).toBe(description); // reused, not redone
    rmSync(join(dataDir, 'github', 'cache'), { recursive: true, force: true });
    await expectContent(s, bytes);
  });

  it('a target that is not configured or not usable fails clearly and changes nothing', async () => {
    const fake = await newFake();
    const noToken = server(null, newDataDir());
    await noToken.save('m', Buffer.from('x'));
    const r1 = await noToken.switchTo('GITHUB', true);
    expect(r1.errors![0].extensions!.code).toBe('GITHUB_TOKEN_MISSING');
    expect(r1.data).toBeNull();

    const noKeyDir = newDataDir();
    const noKey = server(fake, noKeyDir, { STORAGE_ENCRYPTION_KEY: '' });
    const r2 = await noKey.switchTo('GITHUB');
    expect(r2.errors![0].extensions!.code).toBe('ENCRYPTION_KEY_MISSING');
    expect(r2.errors![0].message).toMatch(/openssl rand -base64 32/);

    const badTokenDir = newDataDir();
    const badToken = server(fake, badTokenDir, { GITHUB_TOKEN: 'ghp_revokedToken' });
    await badToken.save('m', Buffer.from('x'));
    const r3 = await badToken.switchTo('GITHUB', true);
    expect(r3.errors![0].extensions!.code).toBe('GITHUB_AUTH_FAILED');
    for (const [s, dir] of [
      [noKey, noKeyDir],
      [badToken, badTokenDir],
    ] as const) {
      expect((await s.status()).backend).toBe('LOCAL');
      expect(existsSync(join(dir, 'storage-backend.json'))).toBe(false);
    }
    expect((await badToken.models()).map((m) => m.id)).toEqual(['m']);
    expect([...fake.gists.values()]).toEqual([]);

    const anonymous = await badToken.gql(`mutation { setStorageBackend(backend: GITHUB) { backend } }`, {}, false);
    expect(anonymous.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('away from a GitHub backend that cannot open (revoked token): without migrating yes, with migrating no', async () => {
    const fake = await newFake();
    const dataDir = newDataDir();
    const s = server(fake, dataDir, { STORAGE_BACKEND: 'github', GITHUB_TOKEN: 'ghp_revokedToken' });
    expect((await s.gql(`{ models { id } }`)).errors![0].extensions!.code).toBe('GITHUB_AUTH_FAILED');
    expect((await s.switchTo('LOCAL', true)).errors![0].extensions!.code).toBe('GITHUB_AUTH_FAILED');
    expect(existsSync(join(dataDir, 'storage-backend.json'))).toBe(false);
    const local = await s.switchTo('LOCAL');
    expect(local.errors).toBeUndefined();
    expect(local.data!.setStorageBackend.backend).toBe('LOCAL');
    expect((await s.save('works', Buffer.from('again'))).version).toBe(1);
    expect(JSON.parse(readFileSync(join(dataDir, 'storage-backend.json'), 'utf8')).backend).toBe('LOCAL');
  });

  it('refuses model changes while a switch runs, and keeps serving reads', async () => {
    const fake = await newFake();
    const s = server(fake, newDataDir(), {}, { storageTuning: { ...tuning, client: { writeSpacingMs: 150, retryBaseMs: 5 } } });
    await s.save('busy', randomBytes(600_000));
    const switching = s.switchTo('GITHUB', true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await s.gql(`mutation { deployModel(id: "busy") { id } }`);
    expect(refused.errors![0].extensions!.code).toBe('STORAGE_SWITCHING');
    expect((await s.models()).map((m) => m.id)).toEqual(['busy']);
    expect((await switching).data!.setStorageBackend.backend).toBe('GITHUB');
    expect((await s.gql(`mutation { deployModel(id: "busy") { deployedVersion } }`)).data!.deployModel.deployedVersion).toBe(1);
  });
});

describe('the backend choice persists', () => {
  it('across restarts (state file) and across redeploys that wipe DATA_DIR (settings gist); STORAGE_BACKEND only starts it', async () => {
    const fake = await newFake();
    const dataDir = newDataDir();
    const first = server(fake, dataDir);
    await first.save('kept', Buffer.from('on github'));
    expect((await first.switchTo('GITHUB', true)).data!.setStorageBackend.backend).toBe('GITHUB');
    expect(JSON.parse(readFileSync(join(dataDir, 'storage-backend.json'), 'utf8'))).toMatchObject({ backend: 'GITHUB' });
    await first.app.close();

    const restarted = server(fake, dataDir, { STORAGE_BACKEND: 'local' });
    expect((await restarted.status()).backend).toBe('GITHUB');
    await restarted.app.close();

    rmSync(dataDir, { recursive: true, force: true }); // a redeploy: STORAGE_BACKEND still says local
    const redeployed = server(fake, dataDir, { STORAGE_BACKEND: 'local' });
    expect((await redeployed.status()).backend).toBe('GITHUB');
    expect((await redeployed.models()).map((m) => [m.id, m.backend])).toEqual([['kept', 'GITHUB']]);
    expect(logLines.some((l) => l.includes('STORAGE_BACKEND=local is not used'))).toBe(true);

    expect((await redeployed.switchTo('LOCAL')).data!.setStorageBackend.backend).toBe('LOCAL');
    await redeployed.app.close();
    rmSync(dataDir, { recursive: true, force: true });
    const again = server(fake, dataDir, { STORAGE_BACKEND: 'github' });
    expect((await again.status()).backend).toBe('LOCAL');
    expect([...fake.gists.values()].filter((g) => g.description === 'stockroom-settings')).toHaveLength(1);
  });
});

describe('secrets', () => {
  it('a debug-level run through errors and retries logs neither the token nor the key (checked with every other log line after all tests)', async () => {
    const fake = await newFake();
    const s = server(fake, newDataDir(), { STORAGE_BACKEND: 'github' });
    fake.fail({ method: 'PATCH' }, { status: 502 }, 2);
    fake.fail({ method: 'POST' }, { status: 401 }, 1);
    const failed = await s.gql(`mutation { saveModel(input: { id: "s", contentBase64: "AAEC" }) { id } }`);
    expect(failed.errors![0].extensions!.code).toBe('GITHUB_AUTH_FAILED');
    await s.save('s', randomBytes(100));
    fake.setRemaining(TOKEN, 0, 3600);
    const limited = await s.gql(`mutation { saveModel(input: { id: "s", contentBase64: "AAEC" }) { id } }`);
    expect(limited.errors![0].extensions!.code).toBe('GITHUB_RATE_LIMITED');
    expect(limited.errors![0].extensions!.resetAt).toEqual(expect.any(String));
    const other = server(fake, newDataDir(), { STORAGE_BACKEND: 'github', GITHUB_TOKEN: 'ghp_wrong' });
    expect((await other.gql(`{ models { id } }`)).errors![0].extensions!.code).toBe('GITHUB_AUTH_FAILED');
    expect(logLines.some((l) => l.includes('"level":"debug"') && l.includes('github'))).toBe(true);
    // Even a careless log call cannot leak them: the logger scrubs the token and every key form.
    const from = logLines.length;
    s.app.logger.warn(`careless ${TOKEN}`, { token: TOKEN, keys: keyForms(KEY), err: new Error(`key ${KEY.toString('base64')}`) });
    const careless = logLines.slice(from).join('\n');
    expect(careless).toContain('[REDACTED]');
    expect(careless).toContain('careless');
    for (const secret of [TOKEN, ...keyForms(KEY)]) expect(careless.includes(secret)).toBe(false);
  });
});
