// Child process for the crash-safety test in local.test.ts: saves models into DATA_DIR (argv[2])
// in a loop, telling the parent what it is doing, until the parent kills it with SIGKILL.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LocalBackend } from '../../src/storage/local.js';
import { ModelStore } from '../../src/storage/model-store.js';
import { blobOf, compressible, sha256 } from './helpers.js';

const dataDir = process.argv[2];
const store = new ModelStore(new LocalBackend({ dir: join(dataDir, 'models') }), {
  stagingDir: join(dataDir, 'tmp'),
  maxModelBytes: 64 * 1024 * 1024,
  keepVersions: 1000,
});
await store.ready();
const send = (message: object) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
await send({ ready: true });
for (let i = 0; ; i++) {
  // Alternate incompressible and compressible models so both stored encodings are interrupted.
  const bytes = i % 2 === 0 ? randomBytes(6 * 1024 * 1024) : compressible(6 * 1024 * 1024, (i % 200) + 1);
  const digest = sha256(bytes);
  await send({ saving: digest });
  const saved = await store.save({ id: 'crash', file: blobOf(bytes), metadata: { digest } });
  await send({ saved: saved.version, sha256: digest });
}
