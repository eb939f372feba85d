// S3 and Azure Blob configuration: named like AWS tools and the Azure CLI, validated together with
// everything else, and never echoed (keys, secrets and connection strings stay out of messages).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createObjectStoreBackend } from '../src/storage/backends.js';
import { configProblems } from './helpers.js';

const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONNECTION = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${KEY};EndpointSuffix=core.windows.net`;

describe('S3 configuration', () => {
  it('is off without S3_BUCKET, and AWS S3 with the SDK credential chain by default', () => {
    expect(loadConfig({}).storage.s3).toBeNull();
    expect(loadConfig({ S3_BUCKET: 'models', AWS_REGION: 'eu-west-1' }).storage.s3).toEqual({
      bucket: 'models',
      prefix: 'stockroom',
      region: 'eu-west-1',
      forcePathStyle: false,
      checksum: 'WHEN_SUPPORTED',
      conditionalWrites: true,
      maxAttempts: 3,
    });
  });

  it('uses path-style addressing and WHEN_REQUIRED checksums for a custom endpoint; AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL', () => {
    const s3 = loadConfig({
      STORAGE_BACKEND: 'S3',
      S3_BUCKET: 'models',
      S3_PREFIX: '/team/a/',
      AWS_ENDPOINT_URL: 'http://generic:9000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000/',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret/example+key',
      AWS_SESSION_TOKEN: 'session-token',
      S3_SSE: 'aws:kms',
      S3_SSE_KMS_KEY_ID: 'alias/models',
    }).storage;
    expect(s3.backend).toBe('s3');
    expect(s3.s3).toEqual({
      bucket: 'models',
      prefix: 'team/a',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret/example+key', sessionToken: 'session-token' },
      checksum: 'WHEN_REQUIRED',
      sse: { algorithm: 'aws:kms', kmsKeyId: 'alias/models' },
      conditionalWrites: true,
      maxAttempts: 3,
    });
    const overridden = loadConfig({
      S3_BUCKET: 'bkt',
      AWS_ENDPOINT_URL: 'https://s3.example',
      S3_CHECKSUM: 'when_supported',
      S3_FORCE_PATH_STYLE: 'false',
      AWS_DEFAULT_REGION: 'auto',
      S3_PREFIX: '/',
    }).storage.s3!;
    expect(overridden).toMatchObject({ endpoint: 'https://s3.example', checksum: 'WHEN_SUPPORTED', forcePathStyle: false, region: 'auto', prefix: '' });
  });

  it('reports every bad S3 variable at once, never echoing a value', () => {
    const secret = 'not-a-secret-but-never-printed';
    const problems = configProblems({
      STORAGE_BACKEND: 's3',
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_ENDPOINT_URL_S3: 'ftp://nope',
      S3_PREFIX: 'a/../b',
      S3_CHECKSUM: 'always',
      S3_SSE: 'rot13',
      S3_SSE_KMS_KEY_ID: 'key',
      MODEL_KEEP_VERSIONS: '0',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'AWS_ACCESS_KEY_ID',
        'AWS_ENDPOINT_URL_S3',
        'MODEL_KEEP_VERSIONS',
        'S3_BUCKET',
        'S3_CHECKSUM',
        'S3_PREFIX',
        'S3_SSE',
        'S3_SSE_KMS_KEY_ID',
      ].sort(),
    );
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems).toContain('S3_BUCKET: required when STORAGE_BACKEND=s3');
  });

  it('puts the secret access key and session token on the logger scrub list', () => {
    const config = loadConfig({ S3_BUCKET: 'bkt', AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'very-secret', AWS_SESSION_TOKEN: 'tok-en' });
    expect(config.secrets).toEqual(['very-secret', 'tok-en']);
  });
});

describe('Azure Blob configuration', () => {
  it('is off without a connection string, and needs a container with one', () => {
    expect(loadConfig({}).storage.azure).toBeNull();
    expect(
      loadConfig({ STORAGE_BACKEND: 'azure', AZURE_STORAGE_CONNECTION_STRING: CONNECTION, AZURE_STORAGE_CONTAINER: 'models', AZURE_STORAGE_ENCRYPTION_SCOPE: 'scope-1' })
        .storage,
    ).toMatchObject({
      backend: 'azure',
      azure: { connectionString: CONNECTION, container: 'models', prefix: 'stockroom', encryptionScope: 'scope-1' },
    });
    expect(configProblems({ AZURE_STORAGE_CONNECTION_STRING: CONNECTION })).toEqual(['AZURE_STORAGE_CONTAINER: required with AZURE_STORAGE_CONNECTION_STRING']);
    expect(configProblems({ STORAGE_BACKEND: 'azure' })).toEqual(['AZURE_STORAGE_CONNECTION_STRING: required when STORAGE_BACKEND=azure']);
  });

  it('refuses an unusable connection string or container name without quoting them', () => {
    const broken = `AccountName=acme;Key=${KEY}`;
    const problems = configProblems({ AZURE_STORAGE_CONNECTION_STRING: broken, AZURE_STORAGE_CONTAINER: 'Bad_Name' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^AZURE_STORAGE_CONTAINER: must be a container name/);
    expect(problems[1]).toMatch(/^AZURE_STORAGE_CONNECTION_STRING: not a usable connection string/);
    expect(problems.join('\n')).not.toContain(KEY);
    expect(configProblems({ AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AZURE_STORAGE_CONTAINER: 'dev' })).toEqual([]);
    const sas = 'BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=2024-08-04&ss=b&sig=abc%2Bdef';
    expect(configProblems({ AZURE_STORAGE_CONNECTION_STRING: sas, AZURE_STORAGE_CONTAINER: 'dev' })).toEqual([]);
  });

  it('puts the connection string, account key and SAS signature on the logger scrub list', () => {
    expect(loadConfig({ AZURE_STORAGE_CONNECTION_STRING: CONNECTION, AZURE_STORAGE_CONTAINER: 'mdl' }).secrets).toEqual([CONNECTION, KEY]);
    const sas = 'BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=2024-08-04&sig=abc%2Bdef';
    expect(loadConfig({ AZURE_STORAGE_CONNECTION_STRING: sas, AZURE_STORAGE_CONTAINER: 'mdl' }).secrets).toEqual([sas, 'sv=2024-08-04&sig=abc%2Bdef', 'abc%2Bdef', 'abc+def']);
  });
});

describe('choosing a backend that is not configured', () => {
  it('fails with STORAGE_NOT_CONFIGURED naming the variables, not values', () => {
    const config = loadConfig({});
    expect(() => createObjectStoreBackend('S3', config.storage)).toThrow(expect.objectContaining({ code: 'STORAGE_NOT_CONFIGURED', message: expect.stringContaining('S3_BUCKET') }));
    expect(() => createObjectStoreBackend('AZURE', config.storage)).toThrow(
      expect.objectContaining({ code: 'STORAGE_NOT_CONFIGURED', message: expect.stringContaining('AZURE_STORAGE_CONNECTION_STRING') }),
    );
    expect(createObjectStoreBackend('S3', loadConfig({ S3_BUCKET: 'bkt' }).storage).description).toBe('s3://bkt/stockroom');
    expect(createObjectStoreBackend('AZURE', loadConfig({ AZURE_STORAGE_CONNECTION_STRING: CONNECTION, AZURE_STORAGE_CONTAINER: 'mdl', AZURE_STORAGE_PREFIX: 'x/y' }).storage).description).toBe(
      'azure:acme/mdl/x/y',
    );
  });
});
