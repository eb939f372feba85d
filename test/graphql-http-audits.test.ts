// GraphQL-over-HTTP compliance (graphql-http's server audits): yoga in-process, and the real
// node:http listener with its response-cache front door (audits run twice there, so the second
// pass meets reused responses).
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, makeApp } from './helpers.js';

const app = makeApp();
let server: Awaited<ReturnType<typeof listen>>;
let url = '';
beforeAll(async () => {
  server = await listen(app);
  url = server.url;
});
afterAll(async () => {
  await server.close();
  await app.close();
});

const check = async (audit: { fn: () => Promise<{ status: string; reason?: string }> }) => {
  const result = await audit.fn();
  // 'warn' and 'notice' are recommendations (e.g. CSRF prevention turns some GET audits into notices).
  expect(result.status, result.reason ?? '').not.toBe('error');
};

describe('graphql-http server audits, yoga in-process', () => {
  for (const audit of serverAudits({ url: 'http://stockroom.test/graphql', fetchFn: app.yoga.fetch })) {
    it(audit.name, () => check(audit as never));
  }
});

for (const pass of ['first', 'second']) {
  describe(`graphql-http server audits, over HTTP through the front door (${pass} pass)`, () => {
    for (const audit of serverAudits({ url: () => url })) {
      it(audit.name, () => check(audit as never));
    }
  });
}
