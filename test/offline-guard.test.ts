// The guard that keeps every test offline (test/setup/offline-guard.mjs) must itself work: a
// connection beyond this machine fails at once, in the test process and in child processes.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { refusedConnections } from './setup/offline-guard.mjs';

// TEST-NET-1 (RFC 5737): documentation-only addresses, never a real upstream.
const OUTSIDE = 'http://192.0.2.1:8080/';

describe('offline test guard', () => {
  it('refuses connections beyond this machine and records them', async () => {
    const started = Date.now();
    await expect(fetch(OUTSIDE)).rejects.toMatchObject({ cause: { message: expect.stringContaining('offline test guard') } });
    expect(Date.now() - started).toBeLessThan(2000); // refused at once, not timed out
    expect(refusedConnections.splice(0)).toEqual(['192.0.2.1:8080']);
  });

  it('lets local connections through', async () => {
    const server = createServer((_req, res) => res.end('local'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('local');
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('local');
    } finally {
      server.close();
    }
    expect(refusedConnections).toEqual([]);
  });

  it('is loaded into the Node child processes the tests start', () => {
    const child = spawnSync(process.execPath, ['-e', `fetch(${JSON.stringify(OUTSIDE)}).then(() => process.exit(0), (e) => { console.error(e.cause?.message); process.exit(3); })`], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(child.status).toBe(3);
    expect(child.stderr).toContain('offline test guard: tests may connect only to this machine, not 192.0.2.1:8080');
  });
});
