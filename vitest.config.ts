import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 has no exports map: without this alias Vite loads index.mjs while Pothos and Yoga
    // load index.js, and instanceof checks fail across the two copies.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // No test reaches the internet: connections beyond this machine fail (test/setup/offline-guard.mjs).
    setupFiles: ['test/setup/offline.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
