// What only the GitHub Gist backend has, on the fake GitHub: the gist layout, encryption (nothing
// readable reaches GitHub), chunking of a 20 MiB model, failed writes mid-save, GitHub's quirks
// (404 right after a create, 409, 5xx), rate-limit waits, token states, and open()'s clean-up.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { CHUNK_FILE, DEFAULT_CHUNK_BYTES, GistBackend, MANIFEST_FILE, README_FILE, type GistBackendOptions } from '../../src/storage/github.js';
import { ModelStore } from '../../src/storage/model-store.js';
import { DEFAULT_LOGIN, DEFAULT_TOKEN, secondaryRateLimit, startFakeGitHub, type FakeGitHub, type FakeGitHubFault, type FakeGitHubFaultMatch, type FakeGitHubOptions } from '../fakes/github.js';
import { KEY, MiB, testClient } from './gist-harness.js';
import { blobOf, sha256 } from './helpers.js';

const fakes: FakeGitHub[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function setup(options: FakeGitHubOptions = {}) {
  const fake = await startFakeGitHub({ inlineLimitBytes: 32 * 1024, ...options });
  fakes.push(fake);
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-gist-test-'));
  dirs.push(dir);
  let n = 0;
  const backend = (options: Partial<GistBackendOptions> = {}, client: Parameters<typeof testClient>[1] = {}) =>
    new GistBackend({
      client: testClient(fake, client),
      encryptionKey: KEY,
      cacheDir: join(dir, `cache-${n++}`),
      chunkBytes: CHUNK,
      orphanGraceMs: 0,
      ...options,
    });
  /** A ModelStore over a new backend with an empty cache: a server on a wiped machine. */
  const store = async (options: Partial<GistBackendOptions> = {}, client: Parameters<typeof testClient>[1] = {}) => {
    const s = new ModelStore(backend(options, client), { stagingDir: join(dir, `staging-${n++}`), maxModelBytes: 64 * MiB, keepVersions: 10 });
    await s.ready();
    return s;
  };
  const modelGists = () => [...fake.gists.values()].filter((g) => g.description?.startsWith('stockroom-model:'));
  return { fake, dir, backend, store, modelGists };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(AppError);
  return (error as AppError).code;
}

/** Registers `fault` as soon as `n` requests matching `match` have been answered (writes are spaced, so it lands before the next). */
function failAfter(fake: FakeGitHub, n: number, match: FakeGitHubFaultMatch, fault: FakeGitHubFault, times?: number): () => void {
  const matches = () =>
    fake.requests.filter(
      (r) => r.status !== undefined && (!match.method || r.method === match.method) && (!match.pathPrefix || r.path.startsWith(match.pathPrefix)) && (!match.host || r.host === match.host),
    ).length;
  const timer = setInterval(() => {
    if (matches() >= n) {
      clearInterval(timer);
      fake.fail(match, fault, times);
    }
  }, 1);
  return () => clearInterval(timer);
}

const CHUNK = 256 * 1024;

/**
 * base64 of 48-byte windows of `bytes`, 3-byte aligned within each chunk, so they appear verbatim
 * in the base64 of a plaintext chunk.
 */
function base64Windows(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let chunk = 0; chunk < bytes.length; chunk += CHUNK) {
    const end = Math.min(bytes.length, chunk + CHUNK);
    for (let at = chunk; at + 48 <= end; at += 3 * 4096) out.push(bytes.subarray(at, at + 48).toString('base64'));
  }
  return out;
}

describe('gist layout and encryption', () => {
  const canaries = { metadata: 'METADATA-CANARY-7f3a9', symbol: 'ZZCANARY', modelType: 'MODELTYPE-CANARY-41b2' };

  async function saveCanaryModels(key: Buffer | null) {
    const t = await setup();
    const s = await t.store({ encryptionKey: key });
    const random = randomBytes(700 * 1024); // identity-stored, 3 chunks
    const text = Buffer.from('PLAINTEXT-MODEL-CANARY-'.repeat(40_000)); // gzip-stored
    await s.save({ id: 'canary', file: blobOf(random), metadata: { note: canaries.metadata }, symbol: canaries.symbol, modelType: canaries.modelType });
    await s.save({ id: 'canary', file: blobOf(text), metadata: { note: canaries.metadata } });
    await s.deploy('canary', 1);
    const bodies = t.fake.requests.map((r) => r.body ?? '').join('\n');
    const stored = [...t.fake.gists.values()].flatMap((g) => g.history.flatMap((h) => [...h.files.values()])).join('\n');
    return { t, s, random, text, bodies, stored };
  }

  it('puts nothing readable on GitHub when encrypted: no model bytes, metadata, symbol, type or hashes in any request body or gist file', async () => {
    const { t, random, text, bodies, stored } = await saveCanaryModels(KEY);
    const forbidden = [
      ...base64Windows(random),
      random.subarray(1000, 1064).toString('latin1'),
      'PLAINTEXT-MODEL-CANARY',
      Buffer.from('PLAINTEXT-MODEL-CANARY-PLAINTEXT-MODEL-CANARY-').toString('base64').slice(0, 40),
      canaries.metadata,
      canaries.symbol,
      canaries.modelType,
      sha256(random),
      sha256(text),
    ];
    expect(t.fake.requests.filter((r) => r.body).length).toBeGreaterThan(5);
    for (const needle of forbidden) {
      expect(bodies.includes(needle), `request bodies contain ${needle.slice(0, 30)}`).toBe(false);
      expect(stored.includes(needle), `gist files contain ${needle.slice(0, 30)}`).toBe(false);
    }
  });

  it('the same check finds them all when GIST_ALLOW_PLAINTEXT stores models unencrypted (so the check above can fail)', async () => {
    const { random, bodies, stored } = await saveCanaryModels(null);
    for (const needle of [...base64Windows(random), canaries.metadata, canaries.symbol, canaries.modelType, sha256(random)]) {
      expect(bodies.includes(needle), needle.slice(0, 30)).toBe(true);
      expect(stored.includes(needle), needle.slice(0, 30)).toBe(true);
    }
  });

  it('one secret gist per model: marker description, README, sealed manifest, upload slot, a marker per kept version', async () => {
    const { t, s } = await saveCanaryModels(KEY);
    await s.save({ id: 'second', contentBase64: 'AAEC' });
    const gists = t.modelGists();
    expect(gists.map((g) => g.description).sort()).toEqual(['stockroom-model:canary', 'stockroom-model:second']);
    for (const g of gists) {
      expect(g.public).toBe(false);
      expect(g.owner).toBe(DEFAULT_LOGIN);
    }
    const canary = gists.find((g) => g.description === 'stockroom-model:canary')!;
    expect([...canary.files.keys()].sort()).toEqual([CHUNK_FILE, README_FILE, MANIFEST_FILE, 'v1.blob', 'v2.blob'].sort());
    const manifest = JSON.parse(canary.files.get(MANIFEST_FILE)!);
    expect(Object.keys(manifest).sort()).toEqual(['encryption', 'format', 'keyId', 'sealed', 'stockroom']);
    expect(manifest).toMatchObject({ stockroom: 'manifest', format: 1, encryption: 'aes-256-gcm' });
    // Never a public gist, in any request.
    const creates = t.fake.requests.filter((r) => r.method === 'POST' && r.path === '/gists');
    expect(creates.length).toBe(2);
    for (const r of creates) expect(JSON.parse(r.body!).public).toBe(false);
    // Every chunk went in its own PATCH; every history entry of the slot is base64 of a sealed chunk.
    for (const r of t.fake.requests.filter((r) => r.method === 'PATCH')) {
      const files = Object.keys(JSON.parse(r.body!).files);
      expect(files.filter((f) => f === CHUNK_FILE).length).toBeLessThanOrEqual(1);
    }
  });

  it('a 20 MiB model in 6 MiB chunks (≤ 8 MiB of base64 each, one PATCH each), read back through raw_url without Authorization', async () => {
    const t = await setup({ inlineLimitBytes: 1000 });
    const bytes = randomBytes(20 * MiB);
    const s = await t.store({ chunkBytes: DEFAULT_CHUNK_BYTES });
    const saved = await s.save({ id: 'big', file: blobOf(bytes) });
    expect(saved).toMatchObject({ version: 1, sizeBytes: bytes.length, sha256: sha256(bytes) });

    const chunkWrites = t.fake.requests.filter((r) => r.method === 'PATCH' && r.body?.includes(`"${CHUNK_FILE}"`));
    expect(chunkWrites).toHaveLength(4);
    for (const r of chunkWrites) {
      const content = JSON.parse(r.body!).files[CHUNK_FILE].content as string;
      expect(content.length).toBeLessThanOrEqual(8 * MiB);
    }
    // Inline content was cut (truncated: true) in every answer; the backend never relied on it.
    t.fake.reset();
    const fresh = await t.store({ chunkBytes: DEFAULT_CHUNK_BYTES }); // empty cache: downloads from GitHub
    expect((await readAll((await fresh.openContent('big')).stream)).equals(bytes)).toBe(true);
    const raw = t.fake.requests.filter((r) => r.host === 'raw');
    expect(raw.length).toBe(1 + 4); // the manifest, then the four chunks
    for (const r of raw) expect(r.headers.authorization).toBeUndefined();
    expect(t.fake.requests.filter((r) => r.host === 'api').every((r) => r.headers.authorization === `token ${DEFAULT_TOKEN}`)).toBe(true);
    // A second load is served from the (sha256-checked) local cache.
    t.fake.reset();
    expect(sha256(await readAll((await fresh.openContent('big')).stream))).toBe(sha256(bytes));
    expect(t.fake.count({ host: 'raw' })).toBe(0);
  });
});

describe('failed writes', () => {
  it('a save that fails mid-upload leaves the previous version current and no chunk or marker behind', async () => {
    const t = await setup();
    const s = await t.store({}, { writeSpacingMs: 100 });
    const v1 = randomBytes(300 * 1024);
    await s.save({ id: 'm', file: blobOf(v1), metadata: { v: 1 } });
    const gist = t.modelGists()[0];
    const before = new Map(gist.files);

    const patches = t.fake.count({ method: 'PATCH' });
    const stop = failAfter(t.fake, patches + 1, { method: 'PATCH' }, { status: 502 }); // the 2nd chunk of v2, for good
    const error = await s.save({ id: 'm', file: blobOf(randomBytes(900 * 1024)), metadata: { v: 2 } }).catch((e: unknown) => e);
    stop();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('GITHUB_UNAVAILABLE');
    // plugin-retry tried it 1 + 3 times; then the clean-up PATCH failed too (the fault is permanent).
    expect(t.fake.requests.filter((r) => r.method === 'PATCH' && r.status === 502).length).toBeGreaterThanOrEqual(4);
    expect((await s.get('m'))!.version).toBe(1);

    // GitHub is back: the next start sweeps what the failed save left (the slot's orphan chunk).
    t.fake.clearFaults();
    const restarted = await t.store();
    expect([...gist.files.keys()].sort()).toEqual([README_FILE, MANIFEST_FILE, 'v1.blob'].sort());
    expect(gist.files.get(MANIFEST_FILE)).toBe(before.get(MANIFEST_FILE));
    const model = (await restarted.get('m'))!;
    expect(model.versions.map((v) => [v.version, v.metadata])).toEqual([[1, { v: 1 }]]);
    expect((await readAll((await restarted.openContent('m')).stream)).equals(v1)).toBe(true);
    expect((await restarted.save({ id: 'm', contentBase64: 'AAEC' })).version).toBe(2);
  });

  it('when GitHub comes back at once, the failed save cleans up after itself', async () => {
    const t = await setup();
    const s = await t.store({}, { writeSpacingMs: 100 });
    await s.save({ id: 'm', contentBase64: 'AAEC' });
    const gist = t.modelGists()[0];
    const patches = t.fake.count({ method: 'PATCH' });
    const stop = failAfter(t.fake, patches + 2, { method: 'PATCH' }, { status: 502 }, 4); // the 3rd chunk, through every retry
    await expect(s.save({ id: 'm', file: blobOf(randomBytes(900 * 1024)) })).rejects.toMatchObject({ code: 'GITHUB_UNAVAILABLE' });
    stop();
    expect([...gist.files.keys()].sort()).toEqual([README_FILE, MANIFEST_FILE, 'v1.blob'].sort());
    expect((await s.get('m'))!.version).toBe(1);
    expect((await (await t.store()).get('m'))!.version).toBe(1);
  });

  it('a first save that fails leaves no gist at all; so does one whose manifest write (the commit point) fails', async () => {
    const t = await setup();
    const s = await t.store({}, { writeSpacingMs: 100 });
    let stop = failAfter(t.fake, 1, { method: 'PATCH' }, { status: 502 });
    await expect(s.save({ id: 'new', file: blobOf(randomBytes(600 * 1024)) })).rejects.toMatchObject({ code: 'GITHUB_UNAVAILABLE' });
    stop();
    t.fake.clearFaults();
    expect(t.modelGists()).toEqual([]);
    expect(await s.get('new')).toBeNull();

    // One chunk: PATCH 1 = chunk + marker, PATCH 2 = the manifest. Fail the manifest.
    const patches = t.fake.count({ method: 'PATCH' });
    stop = failAfter(t.fake, patches + 1, { method: 'PATCH' }, { status: 502 }, 4);
    await expect(s.save({ id: 'new', file: blobOf(randomBytes(1000)) })).rejects.toMatchObject({ code: 'GITHUB_UNAVAILABLE' });
    stop();
    expect(t.modelGists()).toEqual([]);
    expect(await (await t.store()).list()).toEqual([]);
  });

  it('retries 502, 409 and a reset connection, and waits out the 404 right after a create', async () => {
    const t = await setup();
    const s = await t.store();
    t.fake.failNextGetAfterCreate(2);
    t.fake.fail({ method: 'PATCH' }, { status: 409 }, 1);
    t.fake.fail({ method: 'PATCH' }, { status: 502 }, 1);
    t.fake.fail({ method: 'PATCH' }, 'reset', 1);
    t.fake.fail({ method: 'PATCH' }, { status: 404 }, 1); // the brief 404 also hits writes to a new gist
    const bytes = randomBytes(600 * 1024);
    expect((await s.save({ id: 'flaky', file: blobOf(bytes) })).version).toBe(1);
    const gistId = t.modelGists()[0].id;
    expect(t.fake.requests.filter((r) => r.method === 'GET' && r.path === `/gists/${gistId}`).map((r) => r.status)).toEqual([404, 404, 200]);
    expect(t.fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.status).slice(0, 5)).toEqual([409, 502, undefined, 404, 200]);
    expect(t.modelGists()).toHaveLength(1);
    expect((await readAll((await (await t.store()).openContent('flaky')).stream)).equals(bytes)).toBe(true);
  });

  it('never retries a 422; a request that hangs times out and is retried', async () => {
    const t = await setup();
    const s = await t.store({}, { timeoutMs: 300 });
    await s.save({ id: 'x', contentBase64: 'AAEC' });
    t.fake.fail({ method: 'PATCH' }, { status: 422 }, 1);
    await expect(s.save({ id: 'x', contentBase64: 'AwQF' })).rejects.toMatchObject({ code: 'GITHUB_UNAVAILABLE' });
    expect(t.fake.requests.filter((r) => r.status === 422)).toHaveLength(1);
    t.fake.fail({ method: 'PATCH' }, 'timeout', 1);
    expect((await s.save({ id: 'x', contentBase64: 'BgcI' })).version).toBe(2);
  });
  it('GitHub unreachable: GITHUB_UNAVAILABLE after the retries; a model too big for gists: MODEL_TOO_LARGE before any request', async () => {
    const t = await setup();
    const s = await t.store({ maxBlobBytes: 100_000 });
    await s.save({ id: 'ok', contentBase64: 'AAEC' });
    const requests = t.fake.requests.length;
    expect(await codeOf(s.save({ id: 'ok', file: blobOf(randomBytes(100_001)) }))).toBe('MODEL_TOO_LARGE');
    expect(t.fake.requests.length).toBe(requests);
    await t.fake.close();
    fakes.splice(fakes.indexOf(t.fake), 1);
    expect(await codeOf(s.save({ id: 'ok', contentBase64: 'AwQF' }))).toBe('GITHUB_UNAVAILABLE');
    expect((await s.readContent('ok', 1, 100)).toString('base64')).toBe('AAEC'); // loads still work, from the local cache
  });
});

describe('rate limits', () => {
  it('waits for x-ratelimit-reset when the primary limit is exhausted, then goes on', async () => {
    const t = await setup();
    const s = await t.store();
    await s.save({ id: 'r', contentBase64: 'AAEC' });
    t.fake.setRemaining(DEFAULT_TOKEN, 0, 2);
    const started = Date.now();
    expect((await s.save({ id: 'r', contentBase64: 'AwQF' })).version).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(t.fake.requests.some((r) => r.status === 403)).toBe(true);
  });

  it('honours retry-after of a secondary limit (403 and 429)', async () => {
    const t = await setup();
    const s = await t.store();
    t.fake.fail({ method: 'POST' }, secondaryRateLimit(1, { write: true }), 1);
    t.fake.fail({ method: 'PATCH' }, secondaryRateLimit(1, { status: 429 }), 1);
    const started = Date.now();
    expect((await s.save({ id: 's', contentBase64: 'AAEC' })).version).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(t.fake.requests.filter((r) => r.status === 403 || r.status === 429)).toHaveLength(2);
  });

  it('fails with GITHUB_RATE_LIMITED and the reset time instead of waiting longer than allowed', async () => {
    const t = await setup({ primaryLimitStatus: 429 });
    const s = await t.store({}, { maxRateLimitWaitMs: 5000 });
    t.fake.setRemaining(DEFAULT_TOKEN, 0, 600);
    const started = Date.now();
    const error = (await s.save({ id: 'late', contentBase64: 'AAEC' }).catch((e: unknown) => e)) as AppError;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('GITHUB_RATE_LIMITED');
    const resetAt = Date.parse(error.details.resetAt as string);
    expect(Math.abs(resetAt - (Date.now() + 600_000))).toBeLessThan(5000);
    expect(error.message).toContain(new Date(resetAt).toISOString());
    const status = await testClient(t.fake).status(true);
    expect(status).toMatchObject({ tokenValid: null, rateLimitRemaining: 0 });
    expect(Math.abs(status.rateLimitResetAt!.getTime() - resetAt)).toBeLessThan(2000);
  });
});

describe('token states', () => {
  const tokens = {
    [DEFAULT_TOKEN]: { login: DEFAULT_LOGIN, scopes: ['gist', 'repo'] },
    ghp_noGistScope000000000000000000000000000: { login: 'noscope', scopes: ['repo', 'read:user'] },
    github_pat_fineGrained0000000000000000000000: { login: 'finegrained', scopes: null },
  };

  it('missing: GITHUB_TOKEN_MISSING; status says not configured', async () => {
    const t = await setup({ tokens });
    await expect(t.backend({}, { token: undefined }).open()).rejects.toMatchObject({ code: 'GITHUB_TOKEN_MISSING' });
    expect(await testClient(t.fake, { token: undefined }).status(true)).toEqual({
      tokenConfigured: false,
      tokenValid: null,
      login: null,
      scopes: null,
      rateLimitRemaining: null,
      rateLimitResetAt: null,
      encrypted: true,
    });
    expect(t.fake.requests).toEqual([]);
  });

  it('invalid or expired (401): GITHUB_AUTH_FAILED, never retried; status says invalid', async () => {
    const t = await setup({ tokens });
    expect(await codeOf(t.backend({}, { token: 'ghp_revoked' }).open())).toBe('GITHUB_AUTH_FAILED');
    expect(t.fake.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(await testClient(t.fake, { token: 'ghp_revoked' }).status(true)).toMatchObject({ tokenConfigured: true, tokenValid: false, login: null });
  });

  it('classic token without the gist scope: GITHUB_PERMISSION_DENIED, at open and on writes (which GitHub answers 404)', async () => {
    const t = await setup({ tokens });
    const token = 'ghp_noGistScope000000000000000000000000000';
    expect(await codeOf(t.backend({}, { token }).open())).toBe('GITHUB_PERMISSION_DENIED');
    const dir = mkdtempSync(join(tmpdir(), 'stockroom-blob-'));
    dirs.push(dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'b'), 'x');
    expect(await codeOf(t.backend({}, { token }).putBlob('m', 1, { path: join(dir, 'b'), sizeBytes: 1, sha256: sha256(Buffer.from('x')) }))).toBe(
      'GITHUB_PERMISSION_DENIED',
    );
    expect(t.fake.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([404]);
    expect(await testClient(t.fake, { token }).status(true)).toMatchObject({ tokenValid: true, login: 'noscope', scopes: ['repo', 'read:user'] });
  });

  it('fine-grained token (no x-oauth-scopes): scopes unknown, not missing; it works; a 403 on writes is GITHUB_PERMISSION_DENIED', async () => {
    const t = await setup({ tokens });
    const token = 'github_pat_fineGrained0000000000000000000000';
    const s = new ModelStore(t.backend({}, { token }), { stagingDir: join(t.dir, 'st'), maxModelBytes: MiB, keepVersions: 3 });
    expect((await s.save({ id: 'fg', contentBase64: 'AAEC' })).version).toBe(1);
    expect(await testClient(t.fake, { token }).status(false)).toMatchObject({ tokenValid: true, login: 'finegrained', scopes: null, encrypted: false });
    t.fake.fail({ method: 'POST' }, { status: 403, body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest', status: '403' } }, 1);
    expect(await codeOf(s.save({ id: 'fg2', contentBase64: 'AAEC' }))).toBe('GITHUB_PERMISSION_DENIED');
  });
});

describe('recovery and clean-up', () => {
  it('open() removes gists and files interrupted saves left behind once they are old enough, and nothing younger', async () => {
    const t = await setup();
    const s = await t.store();
    await s.save({ id: 'kept', contentBase64: 'AAEC' });
    // What a crash (kill -9) leaves: an uncommitted first save; a committed model with an orphan
    // slot chunk and version marker.
    const writer = t.backend();
    await writer.open();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(t.dir, 'blob'), randomBytes(1000));
    const staged = () => ({ path: join(t.dir, 'blob'), sizeBytes: 1000, sha256: 'x'.repeat(64) });
    await writer.putBlob('crashed', 1, staged());
    writeFileSync(join(t.dir, 'blob'), randomBytes(1000));
    await writer.putBlob('kept', 2, staged());
    expect(t.modelGists()).toHaveLength(2);

    await (await t.store({ orphanGraceMs: 60_000 })).list(); // a second server could still be writing them: untouched
    expect(t.modelGists()).toHaveLength(2);
    const kept = t.modelGists().find((g) => g.description === 'stockroom-model:kept')!;
    expect(kept.files.has('v2.blob')).toBe(true);

    const swept = await t.store({ orphanGraceMs: 0 });
    expect((await swept.list()).map((m) => m.id)).toEqual(['kept']);
    expect(t.modelGists().map((g) => g.description)).toEqual(['stockroom-model:kept']);
    expect([...kept.files.keys()].sort()).toEqual([README_FILE, MANIFEST_FILE, 'v1.blob'].sort());
  });

  it('finds every model among 260 other gists (three pages), ignoring look-alikes', async () => {
    const t = await setup();
    t.fake.seedGists(DEFAULT_LOGIN, 260, (i) => ({
      description: i % 50 === 0 ? `stockroom-model:../evil-${i}` : i % 70 === 0 ? 'stockroom-settings-not' : `notes ${i}`,
    }));
    const s = await t.store();
    for (const id of ['a', 'b', 'c']) await s.save({ id, contentBase64: 'AAEC', metadata: { id } });
    t.fake.reset();
    const fresh = await t.store();
    expect((await fresh.list()).map((m) => [m.id, m.metadata])).toEqual([
      ['a', { id: 'a' }],
      ['b', { id: 'b' }],
      ['c', { id: 'c' }],
    ]);
    const pages = t.fake.requests.filter((r) => r.method === 'GET' && r.path === '/gists');
    expect(pages.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(pages.every((r) => r.query.per_page === '100')).toBe(true);
  });

  it('another key: the models are refused with a clear error, never served or overwritten', async () => {
    const t = await setup();
    await (await t.store()).save({ id: 'locked', contentBase64: 'AAEC' });
    const other = await t.store({ encryptionKey: randomBytes(32) });
    expect(await codeOf(other.get('locked'))).toBe('MODEL_CORRUPTED');
    await expect(other.get('locked')).rejects.toThrow(/another STORAGE_ENCRYPTION_KEY/);
    expect(await codeOf(other.save({ id: 'locked', contentBase64: 'AAEC' }))).toBe('MODEL_CORRUPTED');
    const plaintext = await t.store({ encryptionKey: null });
    await expect(plaintext.get('locked')).rejects.toThrow(/set STORAGE_ENCRYPTION_KEY/);
    expect((await (await t.store()).get('locked'))!.version).toBe(1);
  });
});
