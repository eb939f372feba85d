import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('storage configuration', () => {
  it('defaults to the local backend under ./data, 100 MiB models and 10 versions', () => {
    expect(loadConfig({}).storage).toEqual({
      backend: 'local',
      dataDir: resolve('data'),
      maxModelBytes: 100 * 1024 * 1024,
      keepVersions: 10,
    });
  });

  it('reads DATA_DIR, MODEL_MAX_BYTES and MODEL_KEEP_VERSIONS; empty means unset', () => {
    const config = loadConfig({ DATA_DIR: '/srv/models', MODEL_MAX_BYTES: '2048', MODEL_KEEP_VERSIONS: '3', STORAGE_BACKEND: '' });
    expect(config.storage).toEqual({ backend: 'local', dataDir: '/srv/models', maxModelBytes: 2048, keepVersions: 3 });
  });

  it('reports every bad storage variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ STORAGE_BACKEND: 's3', MODEL_MAX_BYTES: '3000000000', MODEL_KEEP_VERSIONS: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^STORAGE_BACKEND: must be "local" or "github"/);
    expect(problems[1]).toMatch(/^MODEL_MAX_BYTES: /);
    expect(problems[2]).toMatch(/^MODEL_KEEP_VERSIONS: /);
  });
});
