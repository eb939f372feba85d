// SIGTERM while an upload is streaming in and a query waits on Yahoo: both finish, nothing new is
// accepted, the process exits 0, and after a restart on the same DATA_DIR the model is there and
// verifies.
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeYahoo, type FakeYahoo } from './fakes/yahoo.js';
import { spawnServer } from './helpers.js';

const TOKEN = 'shutdown-admin-token-0123456789';
let fake: FakeYahoo;
const dataDir = mkdtempSync(join(tmpdir(), 'stockroom-shutdown-'));
const children: ChildProcess[] = [];

beforeAll(async () => {
  fake = await startFakeYahoo();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await fake.close();
});

async function start() {
  const server = await spawnServer({ ADMIN_TOKEN: TOKEN, DATA_DIR: dataDir, YAHOO_BASE_URL: fake.url });
  children.push(server.child);
  return { ...server, port: Number(new URL(server.base).port) };
}

describe('SIGTERM during uploads and queries', () => {
  it('finishes what is in flight, exits 0, and loses nothing', { timeout: 60_000 }, async () => {
    const server = await start();
    const model = randomBytes(3 * 1024 * 1024);
    const boundary = 'stockroomboundary';
    const operations = JSON.stringify({
      query: 'mutation($input: SaveModelInput!) { saveModel(input: $input) { id version sha256 } }',
      variables: { input: { id: 'graceful', file: null } },
    });
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.input.file"]}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="m.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const upload = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/graphql',
          method: 'POST',
          headers: {
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': head.length + model.length + tail.length,
            authorization: `Bearer ${TOKEN}`,
            'x-graphql-csrf': '1',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write(head);
      // Stream the file slowly: 12 pieces over ~1.2 s; SIGTERM arrives in the middle.
      let sent = 0;
      const piece = Math.ceil(model.length / 12);
      const timer = setInterval(() => {
        req.write(model.subarray(sent, sent + piece));
        sent += piece;
        if (sent >= model.length) {
          clearInterval(timer);
          req.end(tail);
        }
      }, 100);
    });
    fake.delay('chart', 1500);
    const query = fetch(`http://127.0.0.1:${server.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ stockData(symbol: "AAPL") { symbol } }' }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

    await new Promise((r) => setTimeout(r, 450));
    server.child.kill('SIGTERM');

    const [saved, answered] = await Promise.all([upload, query]);
    expect(saved.status).toBe(200);
    expect(saved.body.data.saveModel).toMatchObject({ id: 'graceful', version: 1, sha256: createHash('sha256').update(model).digest('hex') });
    expect(answered.status).toBe(200);
    expect(answered.body.data.stockData.symbol).toBe('AAPL');
    expect(await server.exited).toBe(0);

    // Restart on the same disk: the acknowledged save is there and its bytes verify.
    const again = await start();
    const content = await fetch(`http://127.0.0.1:${again.port}/models/graceful/content`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(content.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await content.arrayBuffer())).digest('hex')).toBe(saved.body.data.saveModel.sha256);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
