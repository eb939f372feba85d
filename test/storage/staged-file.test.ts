import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StagedFile } from '../../src/storage/staged-file.js';

describe('StagedFile (an uploaded File backed by a temp file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-staged-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('behaves like a File whose bytes are on disk', async () => {
    const path = join(dir, 'upload');
    writeFileSync(path, 'hello world');
    const file = new StagedFile(path, 11, 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9', 'model.pkl', 'application/octet-stream');
    expect(file).toBeInstanceOf(File);
    expect([file.name, file.type, file.size]).toEqual(['model.pkl', 'application/octet-stream', 11]);
    expect(await file.text()).toBe('hello world');
    expect(Buffer.from(await file.arrayBuffer()).toString()).toBe('hello world');
    expect(await new Response(file.stream()).text()).toBe('hello world');
    expect([await file.slice(0, 5).text(), await file.slice(-5).text(), await file.slice(6, -2).text(), await file.slice(20).text()]).toEqual([
      'hello',
      'world',
      'wor',
      '',
    ]);
  });
});
