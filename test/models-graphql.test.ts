// The model store through GraphQL and HTTP, in-process (app.yoga.fetch): multipart uploads per the
// GraphQL multipart request spec, contentBase64, error codes, auth, CSRF, and the content route.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const TOKEN = 'test-admin-token-0123456789';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const blobOf = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);

interface GqlResult {
  status: number;
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: { code?: string; [k: string]: unknown } }>;
}

const apps: App[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function makeApp(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stockroom-models-'));
  dirs.push(dataDir);
  const app = createApp(loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent', ...env }));
  apps.push(app);

  const admin = { authorization: `Bearer ${TOKEN}` };
  async function gql(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = admin): Promise<GqlResult> {
    const body = JSON.stringify({ query, variables });
    const response = await app.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      body,
    });
    return { status: response.status, ...(await response.json()) };
  }

  /** A GraphQL multipart request spec upload: operations, map, then the file part "0". */
  function uploadForm(id: string, bytes: Uint8Array, extra: Record<string, unknown> = {}): FormData {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: `mutation Save($input: SaveModelInput!) {
          saveModel(input: $input) { id version sizeBytes sha256 metadata symbol modelType deployed backend downloadUrl }
        }`,
        variables: { input: { id, file: null, ...extra } },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.set('0', blobOf(bytes), 'model.pkl');
    return form;
  }

  async function upload(form: FormData, headers: Record<string, string> = { ...admin, 'x-graphql-csrf': '1' }): Promise<GqlResult> {
    const response = await app.yoga.fetch('http://stockroom.test/graphql', { method: 'POST', headers, body: form });
    return { status: response.status, ...(await response.json()) };
  }

  const content = (path: string, headers: Record<string, string> = admin, method = 'GET') =>
    app.yoga.fetch(`http://stockroom.test${path}`, { method, headers });

  /** Every file under DATA_DIR (relative paths), to check what was (not) stored. */
  const files = (): string[] => {
    const out: string[] = [];
    const walk = (dir: string, prefix: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
        else out.push(`${prefix}${entry.name}`);
      }
    };
    walk(dataDir, '');
    return out.sort();
  };

  return { app, dataDir, admin, gql, uploadForm, upload, content, files };
}

const SAVE_BASE64 = `mutation Save($input: SaveModelInput!) { saveModel(input: $input) { id version sizeBytes sha256 metadata } }`;

describe('saveModel through the GraphQL multipart request spec', () => {
  it('stores an uploaded file and serves the same bytes back', async () => {
    const t = makeApp();
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    const result = await t.upload(t.uploadForm('sk.model-1', bytes, { metadata: { accuracy: 0.93, features: ['a', 'b'] }, symbol: 'aapl', modelType: 'sklearn' }));
    expect(result.errors).toBeUndefined();
    expect(result.data!.saveModel).toEqual({
      id: 'sk.model-1',
      version: 1,
      sizeBytes: bytes.length,
      sha256: sha256(bytes),
      metadata: { accuracy: 0.93, features: ['a', 'b'] },
      symbol: 'AAPL',
      modelType: 'sklearn',
      deployed: false,
      backend: 'LOCAL',
      downloadUrl: 'http://stockroom.test/models/sk.model-1/content?version=1',
    });
    const response = await t.content('/models/sk.model-1/content?version=1');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    // The staged upload is gone once the response is ready; only the stored version remains.
    expect(t.files()).toEqual(['models/sk.model-1/manifest.json', 'models/sk.model-1/v1.blob']);
  });

  it('accepts an upload with a Content-Length as well as a chunked one', async () => {
    const t = makeApp();
    const bytes = randomBytes(100_000);
    const request = new Request('http://x/', { method: 'POST', body: t.uploadForm('sized', bytes) });
    const body = Buffer.from(await request.arrayBuffer());
    const response = await t.app.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { ...t.admin, 'x-graphql-csrf': '1', 'content-type': request.headers.get('content-type')!, 'content-length': String(body.length) },
      body,
    });
    expect((await response.json()).data.saveModel).toMatchObject({ version: 1, sha256: sha256(bytes) });
  });

  it('saves small models from contentBase64 and reads them back the same way', async () => {
    const t = makeApp();
    const bytes = randomBytes(2000);
    const saved = await t.gql(SAVE_BASE64, { input: { id: 'tiny', contentBase64: bytes.toString('base64') } });
    expect(saved.data!.saveModel).toEqual({ id: 'tiny', version: 1, sizeBytes: 2000, sha256: sha256(bytes), metadata: {} });
    const read = await t.gql(`{ model(id: "tiny") { contentBase64 v1: contentBase64(version: 1) } }`);
    expect(read.data!.model).toEqual({ contentBase64: bytes.toString('base64'), v1: bytes.toString('base64') });
    const missing = await t.gql(`{ model(id: "tiny") { contentBase64(version: 9) } }`);
    expect(missing.errors![0].extensions!.code).toBe('VERSION_NOT_FOUND');
  });

  it('versions, deploys, rolls back, lists, counts and deletes', async () => {
    const t = makeApp({ MODEL_KEEP_VERSIONS: '3' });
    const v = [randomBytes(10), randomBytes(20), randomBytes(30)];
    for (const [i, bytes] of v.entries()) {
      await t.gql(SAVE_BASE64, { input: { id: 'm', contentBase64: bytes.toString('base64'), metadata: { i }, symbol: 'MSFT', modelType: 'onnx' } });
    }
    await t.gql(SAVE_BASE64, { input: { id: 'other', contentBase64: 'AAAA', symbol: 'AAPL' } });

    const deployed = await t.gql(`mutation { deployModel(id: "m", version: 2) { deployed deployedVersion version } }`);
    expect(deployed.data!.deployModel).toEqual({ deployed: true, deployedVersion: 2, version: 3 });
    const rolled = await t.gql(`mutation { rollbackModel(id: "m", version: 1) { version sha256 metadata deployedVersion versions { version rolledBackFrom deployed } } }`);
    expect(rolled.data!.rollbackModel).toEqual({
      version: 4,
      sha256: sha256(v[0]),
      metadata: { i: 0 },
      deployedVersion: 2,
      // keep 3 newest (2, 3, 4) — v1 was neither current nor deployed
      versions: [
        { version: 2, rolledBackFrom: null, deployed: true },
        { version: 3, rolledBackFrom: null, deployed: false },
        { version: 4, rolledBackFrom: 1, deployed: false },
      ],
    });

    const listed = await t.gql(`{
      all: models { id }
      msft: models(symbol: "msft") { id }
      onnxDeployed: models(modelType: "onnx", deployed: true) { id }
      undeployed: models(deployed: false) { id }
      storageStatus { backend savedModels deployedModels totalBytes maxModelBytes savedVersions keepVersions }
    }`);
    expect(listed.data).toEqual({
      all: [{ id: 'm' }, { id: 'other' }],
      msft: [{ id: 'm' }],
      onnxDeployed: [{ id: 'm' }],
      undeployed: [{ id: 'other' }],
      storageStatus: {
        backend: 'LOCAL',
        savedModels: 2,
        deployedModels: 1,
        totalBytes: 20 + 30 + 10 + 3,
        maxModelBytes: 100 * 1024 * 1024,
        savedVersions: 4,
        keepVersions: 3,
      },
    });

    const undeployed = await t.gql(`mutation { undeployModel(id: "m") { deployed deployedVersion } }`);
    expect(undeployed.data!.undeployModel).toEqual({ deployed: false, deployedVersion: null });
    expect((await t.gql(`mutation { deleteModel(id: "m") }`)).data).toEqual({ deleteModel: true });
    expect((await t.gql(`{ model(id: "m") { id } storageStatus { savedModels } }`)).data).toEqual({ model: null, storageStatus: { savedModels: 1 } });
    expect(t.files()).toEqual(['models/other/manifest.json', 'models/other/v1.blob']);
  });
});

describe('malformed multipart requests', () => {
  it('400 for a missing operations field, a map naming a missing part, or bad JSON; nothing left behind', async () => {
    const t = makeApp();
    const send = async (fields: Array<[string, string | Blob]>) => {
      const form = new FormData();
      for (const [name, value] of fields) form.append(name, value);
      return t.upload(form);
    };
    const file = blobOf(randomBytes(1000));
    const operations = JSON.stringify({ query: 'mutation ($f: File!) { saveModel(input: { id: "m", file: $f }) { id } }', variables: { f: null } });
    const cases: Array<[Array<[string, string | Blob]>, RegExp]> = [
      [[['map', '{"0":["variables.f"]}'], ['0', file]], /operations/],
      [[['operations', operations], ['map', '{"1":["variables.f"]}'], ['0', file]], /no such part/],
      [[['operations', '{nope'], ['map', '{"0":["variables.f"]}'], ['0', file]], /valid JSON/],
      [[['operations', operations], ['map', '["variables.f"]'], ['0', file]], /JSON object/],
      [[['operations', operations], ['map', '{"0":["__proto__.x"]}'], ['0', file]], /Invalid map path/],
    ];
    for (const [fields, message] of cases) {
      const result = await send(fields);
      expect(result.status).toBe(400);
      expect(result.errors![0].message).toMatch(message);
    }
    expect(t.files()).toEqual([]);
  });

  it('two files in one request (batched saves) each become their own model', async () => {
    const t = makeApp();
    const a = randomBytes(1000);
    const b = randomBytes(2000);
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation ($a: File!, $b: File!) { a: saveModel(input: { id: "a", file: $a }) { sha256 } b: saveModel(input: { id: "b", file: $b }) { sha256 } }',
        variables: { a: null, b: null },
      }),
    );
    form.set('map', JSON.stringify({ x: ['variables.a'], y: ['variables.b'] }));
    form.set('x', blobOf(a), 'a.bin');
    form.set('y', blobOf(b), 'b.bin');
    const result = await t.upload(form);
    expect(result.data).toEqual({ a: { sha256: sha256(a) }, b: { sha256: sha256(b) } });
  });
});

describe('model errors carry codes', () => {
  it('INVALID_MODEL_ID, including path traversal; nothing is written', async () => {
    const t = makeApp();
    for (const id of ['../x', '..', 'a/b', '.env', '-x', 'x'.repeat(129), '']) {
      const saved = await t.gql(SAVE_BASE64, { input: { id, contentBase64: 'AAEC' } });
      expect(saved.errors![0].extensions!.code, id).toBe('INVALID_MODEL_ID');
      const uploaded = await t.upload(t.uploadForm(id, randomBytes(10)));
      expect(uploaded.errors![0].extensions!.code, id).toBe('INVALID_MODEL_ID');
      const read = await t.gql(`query ($id: ID!) { model(id: $id) { id } }`, { id });
      expect(read.errors![0].extensions!.code, id).toBe('INVALID_MODEL_ID');
    }
    expect(t.files()).toEqual([]);
  });

  it('MODEL_TOO_LARGE for an oversized upload, chunked or with Content-Length, storing nothing', async () => {
    const t = makeApp({ MODEL_MAX_BYTES: '65536' });
    await t.gql(SAVE_BASE64, { input: { id: 'big', contentBase64: 'AAEC' } }); // v1 exists
    const chunked = await t.upload(t.uploadForm('big', randomBytes(65537)));
    expect(chunked.status).toBe(413);
    expect(chunked.errors![0].extensions).toMatchObject({ code: 'MODEL_TOO_LARGE', maxBytes: 65536 });

    const request = new Request('http://x/', { method: 'POST', body: t.uploadForm('big', randomBytes(5 * 65536)) });
    const body = Buffer.from(await request.arrayBuffer());
    const sized = await t.app.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { ...t.admin, 'x-graphql-csrf': '1', 'content-type': request.headers.get('content-type')!, 'content-length': String(body.length) },
      body,
    });
    expect(sized.status).toBe(413);
    expect((await sized.json()).errors[0].extensions.code).toBe('MODEL_TOO_LARGE');

    const base64 = await t.gql(SAVE_BASE64, { input: { id: 'big', contentBase64: randomBytes(65537).toString('base64') } }, { ...t.admin });
    expect(base64.errors![0].extensions).toMatchObject({ code: 'MODEL_TOO_LARGE', maxBytes: 65536 });

    const model = await t.gql(`{ model(id: "big") { version versions { version } } storageStatus { savedVersions } }`);
    expect(model.data).toEqual({ model: { version: 1, versions: [{ version: 1 }] }, storageStatus: { savedVersions: 1 } });
    expect(t.files()).toEqual(['models/big/manifest.json', 'models/big/v1.blob']);
  });

  it('MODEL_NOT_FOUND and VERSION_NOT_FOUND', async () => {
    const t = makeApp();
    await t.gql(SAVE_BASE64, { input: { id: 'here', contentBase64: 'AAEC' } });
    const codes = async (query: string) => (await t.gql(query)).errors?.map((e) => e.extensions!.code);
    expect(await codes(`mutation { deployModel(id: "gone") { id } }`)).toEqual(['MODEL_NOT_FOUND']);
    expect(await codes(`mutation { undeployModel(id: "gone") { id } }`)).toEqual(['MODEL_NOT_FOUND']);
    expect(await codes(`mutation { rollbackModel(id: "gone", version: 1) { id } }`)).toEqual(['MODEL_NOT_FOUND']);
    expect(await codes(`mutation { deleteModel(id: "gone") }`)).toEqual(['MODEL_NOT_FOUND']);
    expect(await codes(`mutation { deployModel(id: "here", version: 2) { id } }`)).toEqual(['VERSION_NOT_FOUND']);
    expect(await codes(`mutation { rollbackModel(id: "here", version: 5) { id } }`)).toEqual(['VERSION_NOT_FOUND']);
    expect((await t.gql(`{ model(id: "gone") { id } }`)).data).toEqual({ model: null });
  });

  it('BAD_USER_INPUT for both or neither content fields and for bad metadata', async () => {
    const t = makeApp();
    const code = async (input: Record<string, unknown>) => (await t.gql(SAVE_BASE64, { input })).errors?.[0].extensions?.code;
    expect(await code({ id: 'x' })).toBe('BAD_USER_INPUT');
    expect(await code({ id: 'x', contentBase64: 'AAEC', metadata: 'text' })).toBe('BAD_USER_INPUT');
    expect(await code({ id: 'x', contentBase64: 'AAEC', metadata: [1] })).toBe('BAD_USER_INPUT');
    expect(await code({ id: 'x', contentBase64: 'AAEC', metadata: { s: 'x'.repeat(65536) } })).toBe('BAD_USER_INPUT');
    expect(await code({ id: 'x', contentBase64: '***' })).toBe('BAD_USER_INPUT');
    const both = await t.upload(t.uploadForm('x', randomBytes(5), { contentBase64: 'AAEC' }));
    expect(both.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    // A File variable cannot be smuggled in as JSON.
    expect((await t.gql(SAVE_BASE64, { input: { id: 'x', file: 'AAEC' } })).errors![0].message).toMatch(/multipart/);
    expect(t.files()).toEqual([]);
  });
});

describe('model auth and CSRF', () => {
  it('UNAUTHENTICATED for every mutation without or with a wrong token; queries stay open', async () => {
    const t = makeApp();
    await t.gql(SAVE_BASE64, { input: { id: 'm', contentBase64: 'AAEC' } });
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }] as Array<Record<string, string>>) {
      for (const mutation of [
        `mutation { saveModel(input: { id: "m", contentBase64: "AAEC" }) { id } }`,
        `mutation { deleteModel(id: "m") }`,
        `mutation { deployModel(id: "m") { id } }`,
        `mutation { undeployModel(id: "m") { id } }`,
        `mutation { rollbackModel(id: "m", version: 1) { id } }`,
      ]) {
        const result = await t.gql(mutation, {}, headers);
        expect(result.errors![0].extensions!.code, mutation).toBe('UNAUTHENTICATED');
      }
      const uploaded = await t.upload(t.uploadForm('m', randomBytes(10)), { ...headers, 'x-graphql-csrf': '1' });
      expect(uploaded.status).toBe(401);
      expect(uploaded.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      const inline = await t.gql(`{ model(id: "m") { id version contentBase64 } }`, {}, headers);
      expect(inline.data!.model).toEqual({ id: 'm', version: 1, contentBase64: null });
      expect(inline.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    }
    expect((await t.gql(`{ model(id: "m") { version } }`)).data!.model.version).toBe(1);
  });

  it('refuses a multipart request without a CSRF header (403) and stores nothing', async () => {
    const t = makeApp();
    const refused = await t.upload(t.uploadForm('csrf', randomBytes(10)), { ...t.admin });
    expect(refused.status).toBe(403);
    expect(refused.errors![0].extensions!.code).toBe('CSRF_HEADER_REQUIRED');
    for (const header of ['x-graphql-csrf', 'graphql-require-preflight', 'apollo-require-preflight']) {
      const accepted = await t.upload(t.uploadForm('csrf', randomBytes(10)), { ...t.admin, [header]: '1' });
      expect(accepted.errors, header).toBeUndefined();
    }
    expect((await t.gql(`{ model(id: "csrf") { version } }`)).data!.model.version).toBe(3);
  });
});

describe('GET /models/{id}/content', () => {
  async function withModel(env: Record<string, string> = {}) {
    const t = makeApp(env);
    const v1 = randomBytes(300_000);
    const v2 = Buffer.alloc(200_000, 'compressible ');
    await t.upload(t.uploadForm('net', v1));
    await t.upload(t.uploadForm('net', v2));
    return { ...t, v1, v2 };
  }

  it('streams the bytes of the current or a given version with Content-Length and ETag', async () => {
    const t = await withModel();
    const current = await t.content('/models/net/content');
    expect(current.status).toBe(200);
    expect(current.headers.get('content-length')).toBe(String(t.v2.length));
    expect(current.headers.get('etag')).toBe(`"${sha256(t.v2)}"`);
    expect(current.headers.get('content-type')).toBe('application/octet-stream');
    expect(current.headers.get('x-model-version')).toBe('2');
    expect(Buffer.from(await current.arrayBuffer()).equals(t.v2)).toBe(true); // stored gzip'd, served plain

    const first = await t.content('/models/net/content?version=1');
    expect(first.headers.get('etag')).toBe(`"${sha256(t.v1)}"`);
    expect(Buffer.from(await first.arrayBuffer()).equals(t.v1)).toBe(true);

    const head = await t.content('/models/net/content?version=1', t.admin, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(t.v1.length));
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const t = await withModel();
    const etag = `"${sha256(t.v1)}"`;
    const notModified = await t.content('/models/net/content?version=1', { ...t.admin, 'if-none-match': `"other", W/${etag}` });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(await notModified.text()).toBe('');
    const modified = await t.content('/models/net/content', { ...t.admin, 'if-none-match': etag });
    expect(modified.status).toBe(200);
  });

  it('401 without or with a wrong token, 404 for unknown models and versions, 400 for bad ids', async () => {
    const t = await withModel();
    const status = async (path: string, headers?: Record<string, string>) => {
      const response = await t.content(path, headers);
      const body = await response.json();
      return [response.status, body.errors[0].extensions.code];
    };
    expect(await status('/models/net/content', {})).toEqual([401, 'UNAUTHENTICATED']);
    expect(await status('/models/net/content', { authorization: 'Bearer nope-nope-nope-nope' })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await status('/models/nothing/content')).toEqual([404, 'MODEL_NOT_FOUND']);
    expect(await status('/models/net/content?version=3')).toEqual([404, 'VERSION_NOT_FOUND']);
    expect(await status('/models/net/content?version=-1')).toEqual([400, 'BAD_REQUEST']);
    expect(await status('/models/%2E%2E%2Fnet/content')).toEqual([400, 'INVALID_MODEL_ID']);
    expect(await status('/models/..%2F..%2Fetc%2Fpasswd/content')).toEqual([400, 'INVALID_MODEL_ID']);
  });

  it('refuses to serve corrupted bytes: a MODEL_CORRUPTED error, not the bytes', async () => {
    const t = await withModel();
    for (const version of [1, 2]) {
      const handle = await open(join(t.dataDir, 'models', 'net', `v${version}.blob`), 'r+');
      await handle.write(Buffer.from([0x00, 0xff, 0x00]), 0, 3, 100);
      await handle.close();
      const response = await t.content(`/models/net/content?version=${version}`);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('MODEL_CORRUPTED');
    }
    const inline = await t.gql(`{ model(id: "net") { contentBase64 } }`);
    expect(inline.errors![0].extensions!.code).toBe('MODEL_CORRUPTED');
  });
});
