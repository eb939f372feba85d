// vitest setup (every test file): the offline guard in this worker and in every Node child process
// it starts, and a failed test file for any connection it refused.
import { pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';
import { refusedConnections } from './offline-guard.mjs';

const guard = `--import=${pathToFileURL(new URL('./offline-guard.mjs', import.meta.url).pathname).href}`;
if (!process.env.NODE_OPTIONS?.includes(guard)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${guard}`.trim();

afterAll(() => {
  const refused = refusedConnections.splice(0);
  if (refused.length > 0) throw new Error(`tests tried to reach hosts other than this machine: ${[...new Set(refused)].join(', ')}`);
});
