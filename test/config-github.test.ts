// GitHub Gist backend configuration: the token, API URL, encryption key formats, and what
// STORAGE_BACKEND=github requires. Secrets are never echoed in configuration errors.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { keyForms, keyId, parseEncryptionKey, seal, unseal } from '../src/storage/crypto.js';
import { configProblems } from './helpers.js';

describe('GitHub configuration', () => {
  it('defaults: no token, the public API, no key, encryption required, 1 s between writes', () => {
    expect(loadConfig({}).github).toEqual({
      token: undefined,
      apiUrl: 'https://api.github.com',
      encryptionKey: undefined,
      allowPlaintext: false,
      timeoutMs: 120_000,
      maxRateLimitWaitMs: 60_000,
      writeIntervalMs: 1000,
      chunkBytes: 6 * 1024 * 1024 - 64,
    });
    expect(loadConfig({ GIST_CHUNK_MIB: '2' }).github.chunkBytes).toBe(2 * 1024 * 1024 - 64);
    expect(configProblems({ GIST_CHUNK_MIB: '7' })).toHaveLength(1);
  });

  it('accepts the key as base64 (openssl rand -base64 32), URL-safe base64 without padding, or 64 hex characters', () => {
    const key = randomBytes(32);
    for (const text of [key.toString('base64'), key.toString('base64url'), key.toString('hex'), key.toString('hex').toUpperCase(), ` ${key.toString('base64')}\n`]) {
      expect(loadConfig({ STORAGE_ENCRYPTION_KEY: text }).github.encryptionKey!.equals(key)).toBe(true);
    }
    expect(keyForms(key)).toContain(key.toString('base64'));
    expect(keyId(key)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses keys that are not 32 bytes, without echoing them', () => {
    for (const bad of [randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), 'x'.repeat(64), 'correct horse battery staple', randomBytes(31).toString('hex')]) {
      const found = configProblems({ STORAGE_ENCRYPTION_KEY: bad });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^STORAGE_ENCRYPTION_KEY: must be 32 bytes written as base64 \(`openssl rand -base64 32`\) or as 64 hex characters$/);
      expect(found[0]).not.toContain(bad);
    }
  });

  it('STORAGE_BACKEND=github needs a token (GITHUB_TOKEN_MISSING) and a key unless GIST_ALLOW_PLAINTEXT=true (ENCRYPTION_KEY_MISSING)', () => {
    expect(configProblems({ STORAGE_BACKEND: 'github' })).toEqual([
      'GITHUB_TOKEN: required when STORAGE_BACKEND=github (GITHUB_TOKEN_MISSING)',
      'STORAGE_ENCRYPTION_KEY: required when STORAGE_BACKEND=github, unless GIST_ALLOW_PLAINTEXT=true (ENCRYPTION_KEY_MISSING)',
    ]);
    expect(configProblems({ STORAGE_BACKEND: 'GitHub', GITHUB_TOKEN: 'ghp_x', GIST_ALLOW_PLAINTEXT: 'true' })).toEqual([]);
    const config = loadConfig({ STORAGE_BACKEND: 'github', GITHUB_TOKEN: 'ghp_secret', STORAGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'), GITHUB_API_URL: 'https://ghe.example.com/api/v3/' });
    expect(config.storage.backend).toBe('github');
    expect(config.github).toMatchObject({ token: 'ghp_secret', apiUrl: 'https://ghe.example.com/api/v3' });
    expect(configProblems({ GITHUB_API_URL: 'ftp://x' })).toEqual(['GITHUB_API_URL: must be an http(s) URL']);
  });

  it('seals with AES-256-GCM: round trip; another key, another place (AAD) or one changed byte all fail', () => {
    const key = parseEncryptionKey(randomBytes(32).toString('base64'))!;
    const plain = randomBytes(1000);
    const sealed = seal(key, plain, 'model a v1 chunk 0');
    expect(sealed.length).toBe(plain.length + 29);
    expect(unseal(key, sealed, 'model a v1 chunk 0').equals(plain)).toBe(true);
    expect(seal(key, plain, 'x').equals(seal(key, plain, 'x'))).toBe(false); // a fresh IV every time
    expect(() => unseal(randomBytes(32), sealed, 'model a v1 chunk 0')).toThrow(/authentication failed/);
    expect(() => unseal(key, sealed, 'model a v1 chunk 1')).toThrow(/authentication failed/);
    const flipped = Buffer.from(sealed);
    flipped[500] ^= 1;
    expect(() => unseal(key, flipped, 'model a v1 chunk 0')).toThrow(/authentication failed/);
    expect(() => unseal(key, sealed.subarray(0, 10), 'model a v1 chunk 0')).toThrow(/not a sealed object/);
  });
});
