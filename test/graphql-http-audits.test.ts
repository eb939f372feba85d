// GraphQL-over-HTTP compliance (graphql-http's server audits) of the real app.
import { serverAudits } from 'graphql-http';
import { afterAll, describe, expect, it } from 'vitest';
import { makeApp } from './helpers.js';

const app = makeApp();
afterAll(() => app.close());

describe('graphql-http server audits', () => {
  for (const audit of serverAudits({ url: 'http://stockroom.test/graphql', fetchFn: app.yoga.fetch })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      // 'warn' and 'notice' are recommendations (e.g. CSRF prevention turns some GET audits into notices).
      expect(result.status, 'reason' in result ? result.reason : '').not.toBe('error');
    });
  }
});
