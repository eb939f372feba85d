import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(4000);
    expect(config.cache.ttlSeconds).toEqual({ STOCK_DATA: 3600, STOCK_INFO: 1800, NEWS: 3600 });
    expect(config.cache.maxStaleSeconds).toBe(86400);
    expect(config.adminToken).toBeUndefined();
    expect(config.yahoo.baseUrl).toBeUndefined();
  });

  it('treats empty strings as unset and trims a trailing slash from base URLs', () => {
    const config = loadConfig({ PORT: '', YAHOO_BASE_URL: 'http://127.0.0.1:9999/' });
    expect(config.http.port).toBe(4000);
    expect(config.yahoo.baseUrl).toBe('http://127.0.0.1:9999');
  });

  it('reports every bad variable at once, without echoing values', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', CACHE_TTL_STOCK_DATA_S: '-5', YAHOO_BASE_URL: 'ftp://x', ADMIN_TOKEN: 'short-secret' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['ADMIN_TOKEN', 'CACHE_TTL_STOCK_DATA_S', 'PORT', 'YAHOO_BASE_URL']);
    expect((caught as Error).message).not.toContain('short-secret');
  });

  it('turns the shared tier on with REDIS_URL only, and checks its settings with the rest', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    const config = loadConfig({ REDIS_URL: 'redis://:s3cret-pass@10.0.0.5:6380/2' });
    expect(config.redis).toEqual({
      url: 'redis://:s3cret-pass@10.0.0.5:6380/2',
      prefix: 'stockroom:',
      commandTimeoutMs: 150,
      connectTimeoutMs: 1000,
      leaseMs: 15_000,
    });
    expect(config.cache.l1TtlMs).toBe(5000);
    expect(loadConfig({ REDIS_URL: 'rediss://cache.internal:6379', REDIS_PREFIX: 'prod:eu:', CACHE_L1_TTL_S: '30' })).toMatchObject({
      redis: { prefix: 'prod:eu:' },
      cache: { l1TtlMs: 30_000 },
    });

    let caught: unknown;
    try {
      loadConfig({ REDIS_URL: 'http://user:hunter2-secret@redis', REDIS_PREFIX: 'has space', CACHE_L1_TTL_S: '0', REDIS_COMMAND_TIMEOUT_MS: '5' });
    } catch (error) {
      caught = error;
    }
    const problems = (caught as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['CACHE_L1_TTL_S', 'REDIS_COMMAND_TIMEOUT_MS', 'REDIS_PREFIX', 'REDIS_URL']);
    expect((caught as Error).message).not.toContain('hunter2');
  });

  it('makes the server exit non-zero with every problem listed', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: 'nope', CACHE_MAX_MB: '0', ADMIN_TOKEN: 'tiny' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PORT');
    expect(run.stderr).toContain('CACHE_MAX_MB');
    expect(run.stderr).toContain('ADMIN_TOKEN');
    expect(run.stderr).not.toContain('tiny');
  });
});
