// The GitHub Gist backend on the fake GitHub: the shared conformance suite (encrypted and
// plaintext), then what only a Gist backend has (see test/storage/github-*.test.ts for more).
import { backendSuite } from './backend-suite.js';
import { gistHarness } from './gist-harness.js';

backendSuite('github gists (encrypted)', () => gistHarness());
backendSuite('github gists (plaintext)', () => gistHarness({ key: null }));
