// Shared set-up for the Gist backend tests: a fake GitHub, and backends/clients pointed at it with
// test-speed timings (no 1 s write spacing, millisecond retry backoff). Everything else is the
// production code path: Octokit with the retry and throttling plugins, raw downloads over HTTP.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GistBackend, GitHubClient, type GistBackendOptions, type GitHubClientOptions } from '../../src/storage/github.js';
import type { ModelManifest } from '../../src/storage/types.js';
import { DEFAULT_TOKEN, startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../fakes/github.js';
import type { BackendHarness } from './backend-suite.js';

export const KEY = randomBytes(32);
export const MiB = 1024 * 1024;

export function testClient(fake: FakeGitHub, options: Partial<GitHubClientOptions> = {}): GitHubClient {
  return new GitHubClient({
    token: DEFAULT_TOKEN,
    apiUrl: fake.url,
    timeoutMs: 10_000,
    writeSpacingMs: 0,
    retryBaseMs: 5,
    ...options,
  });
}

export interface GistHarness extends BackendHarness {
  fake: FakeGitHub;
  dir: string;
  /** A backend with its own (empty) cache directory, as on a freshly wiped machine. */
  backend(options?: Partial<GistBackendOptions>): GistBackend;
}

/**
 * The harness for backendSuite: every backend() is a new instance with its own empty cache, so
 * reads really go to (fake) GitHub; small chunks and a small inline limit so chunking, truncation
 * and raw reads all run on the suite's few-MiB models.
 */
export async function gistHarness(
  options: { key?: Buffer | null; fake?: FakeGitHubOptions; backend?: Partial<GistBackendOptions> } = {},
): Promise<GistHarness> {
  const fake = await startFakeGitHub({ inlineLimitBytes: 64 * 1024, rawLimitBytes: 1024 * 1024, ...options.fake });
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-gist-'));
  const key = options.key === undefined ? KEY : options.key;
  let n = 0;
  const cacheDirs: string[] = [];
  const backend = (extra: Partial<GistBackendOptions> = {}) => {
    const cacheDir = join(dir, `cache-${n++}`);
    cacheDirs.push(cacheDir);
    return new GistBackend({
      client: testClient(fake),
      encryptionKey: key,
      cacheDir,
      chunkBytes: 384 * 1024,
      orphanGraceMs: 0,
      ...options.backend,
      ...extra,
    });
  };
  return {
    fake,
    dir,
    backend,
    /**
     * Bit rot on both copies: the version's middle chunk as GitHub serves it (one base64 character
     * changed, so it still decodes) and every cached copy on local disk.
     */
    async corruptBlob(id: string, version: number) {
      const reader = backend();
      const manifest = (await reader.readManifest(id)) as ModelManifest;
      const record = manifest.versions.find((v) => v.version === version)!;
      const chunks = record.blob.chunks as string[];
      const url = new URL(chunks[Math.floor(chunks.length / 2)]);
      const text = await (await fetch(url)).text();
      const at = Math.floor(text.length / 2);
      const tampered = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      fake.fail({ host: 'raw', method: 'GET', pathPrefix: url.pathname }, { status: 200, body: tampered, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      for (const cacheDir of cacheDirs) {
        let names: string[] = [];
        try {
          names = readdirSync(join(cacheDir, id));
        } catch {
          continue;
        }
        for (const name of names.filter((n) => n.startsWith(`v${version}.`))) {
          const handle = await open(join(cacheDir, id, name), 'r+');
          try {
            const { size } = await handle.stat();
            const byte = Buffer.alloc(1);
            await handle.read(byte, 0, 1, Math.floor(size / 2));
            byte[0] ^= 0x5a;
            await handle.write(byte, 0, 1, Math.floor(size / 2));
          } finally {
            await handle.close();
          }
        }
      }
    },
    async cleanup() {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
