// A full disk during a save: DATA_DIR on a small tmpfs. The save fails with a clear error, the
// previous version stays current and verifies, nothing half-written is visible, and the server
// keeps serving (and saving again once there is room). Mounting needs root: CI runs as root, and
// under CI=true this test must run.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, asAdmin, makeApp, type TestApp } from './helpers.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'stockroom-tmpfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  mounted = false;
}

it('can mount a tmpfs for the full-disk test (required under CI)', () => {
  if (process.env.CI === 'true') expect(mounted).toBe(true);
  else expect(typeof mounted).toBe('boolean');
});

describe.runIf(mounted)('a full disk during a save', () => {
  let app: TestApp;
  beforeAll(() => {
    app = makeApp({ DATA_DIR: mountPoint, YAHOO_BASE_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await app.close();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const SAVE = 'mutation($input: SaveModelInput!) { saveModel(input: $input) { id version sha256 sizeBytes } }';
  const MODEL = 'query($id: ID!) { model(id: $id) { version sha256 versions { version } } }';
  const content = async (id: string) => {
    const res = await app.yoga.fetch(`http://stockroom.test/models/${id}/content`, { headers: asAdmin });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const upload = async (id: string, bytes: Buffer) => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: SAVE, variables: { input: { id, file: null } } }));
    form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.set('0', new Blob([bytes as Uint8Array<ArrayBuffer>]), 'model.bin');
    const res = await app.yoga.fetch('http://stockroom.test/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-graphql-csrf': '1' },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('refuses the save clearly, keeps the previous version, and keeps serving', async () => {
    const v1 = randomBytes(1024 * 1024);
    const first = await upload('disk-model', v1);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.saveModel.version).toBe(1);

    const tooBig = await upload('disk-model', randomBytes(8 * 1024 * 1024)); // incompressible, > free space
    expect(tooBig.status).toBeLessThan(600);
    const error = tooBig.body.errors?.[0];
    expect(error?.extensions?.code).toBe('STORAGE_FULL');
    expect(error?.message).toMatch(/space/i);

    const model = await app.gql(MODEL, { id: 'disk-model' });
    expect(model.data.model.version).toBe(1);
    expect(model.data.model.versions.map((v: any) => v.version)).toEqual([1]);
    const loaded = await content('disk-model');
    expect(loaded.status).toBe(200);
    expect(createHash('sha256').update(loaded.bytes).digest('hex')).toBe(createHash('sha256').update(v1).digest('hex'));

    // Nothing half-written left behind: a save that fits goes through afterwards.
    const next = await upload('disk-model', randomBytes(512 * 1024));
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data.saveModel.version).toBe(2);
    expect((await app.gql('{ storageStatus { savedModels } }')).data.storageStatus.savedModels).toBe(1);
    expect((await app.yoga.fetch('http://stockroom.test/health')).status).toBe(200);
  });
});
