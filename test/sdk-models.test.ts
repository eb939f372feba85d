// The typed SDK against an in-process server: saving with a File (multipart), with
// contentBase64, deploying, and downloading the bytes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStockroomClient, StockroomRequestError } from '../sdk/client.js';
import { DeployModelDocument, ModelDocument, SaveModelDocument, StorageStatusDocument } from '../sdk/gql/graphql.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const TOKEN = 'sdk-admin-token-0123456789';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
let app: App | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function client(adminToken?: string) {
  dataDir ??= mkdtempSync(join(tmpdir(), 'stockroom-sdk-'));
  app ??= createApp(loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent' }));
  const yoga = app.yoga;
  const fetchInProcess = (async (input: string | URL | Request, init?: RequestInit) =>
    yoga.fetch(input instanceof Request ? input.url : String(input), init ?? {})) as typeof fetch;
  return createStockroomClient({ url: 'http://stockroom.test/graphql', adminToken, fetch: fetchInProcess });
}

describe('typed SDK: models', () => {
  it('uploads a File as a multipart request, deploys it and downloads the bytes', async () => {
    const sdk = client(TOKEN);
    const bytes = randomBytes(250_000);
    const saved = await sdk.request(SaveModelDocument, {
      input: { id: 'sdk-model', file: new File([bytes], 'model.joblib'), metadata: { trainedOn: '2026-11-01' }, symbol: 'NVDA', modelType: 'sklearn' },
    });
    expect(saved.saveModel).toMatchObject({ id: 'sdk-model', version: 1, sizeBytes: bytes.length, sha256: sha256(bytes), symbol: 'NVDA' });

    const small = await sdk.request(SaveModelDocument, { input: { id: 'sdk-model', contentBase64: Buffer.from('v2').toString('base64') } });
    expect(small.saveModel.version).toBe(2);
    expect((await sdk.request(DeployModelDocument, { id: 'sdk-model', version: 1 })).deployModel.deployedVersion).toBe(1);

    const model = (await sdk.request(ModelDocument, { id: 'sdk-model' })).model!;
    expect(model.versions.map((v) => [v.version, v.deployed])).toEqual([
      [1, true],
      [2, false],
    ]);
    const download = await sdk.downloadModel('sdk-model', { version: 1 });
    expect(download.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await sdk.downloadModel('sdk-model', { version: 1, ifNoneMatch: `"${sha256(bytes)}"` })).status).toBe(304);
    expect((await sdk.request(StorageStatusDocument)).storageStatus).toMatchObject({ savedModels: 1, deployedModels: 1 });
  });

  it('reports error codes as StockroomRequestError', async () => {
    const anonymous = client();
    const error = await anonymous.request(SaveModelDocument, { input: { id: 'x', contentBase64: 'AAEC' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StockroomRequestError);
    expect((error as StockroomRequestError).errors[0].extensions?.code).toBe('UNAUTHENTICATED');
    const missing = (await client(TOKEN).downloadModel('nothing').catch((e: unknown) => e)) as StockroomRequestError;
    expect([missing.status, missing.errors[0].extensions?.code]).toEqual([404, 'MODEL_NOT_FOUND']);
    const refused = (await anonymous.downloadModel('nothing').catch((e: unknown) => e)) as StockroomRequestError;
    expect([refused.status, refused.errors[0].extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
