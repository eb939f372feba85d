// The Azure Blob backend against Azurite (started here): the shared conformance suite.
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe } from 'vitest';
import { createAzureBackend } from '../../src/storage/azure.js';
import { backendSuite } from './backend-suite.js';
import { azureSettings, createContainer, serviceAvailable, startAzurite, uniqueName, type RunningService } from '../services/object-stores.js';

const available = serviceAvailable('azurite');
let server: RunningService;

beforeAll(async () => {
  if (available) server = await startAzurite();
});
afterAll(async () => {
  await server?.stop();
});

describe.runIf(available)('Azure Blob backend (Azurite)', () => {
  backendSuite('azure', async () => {
    const settings = azureSettings(server.endpoint, uniqueName('suite'));
    await createContainer(settings);
    const container = BlobServiceClient.fromConnectionString(settings.connectionString).getContainerClient(settings.container);
    const backends: Array<{ close(): Promise<void> }> = [];
    return {
      backend: () => {
        const backend = createAzureBackend(settings, { orphanGraceMs: 0 });
        backends.push(backend);
        return backend;
      },
      async corruptBlob(id, version) {
        const manifest = JSON.parse((await container.getBlobClient(`models/${id}/manifest.json`).downloadToBuffer()).toString());
        const name = manifest.versions.find((v: { version: number }) => v.version === version).blob.name;
        const blob = container.getBlockBlobClient(`models/${id}/${name}`);
        const bytes = await blob.downloadToBuffer();
        bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
        await blob.uploadData(bytes);
      },
      async cleanup() {
        for (const backend of backends) await backend.close();
        await container.deleteIfExists();
      },
    };
  });
});
