// Baseline for `npm run bench`: Mercurius 16 on Fastify 5 with graphql-jit, the same SDL, and
// resolvers returning the same data from a plain object.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import mercurius from 'mercurius';

const data = JSON.parse(readFileSync(process.env.BENCH_DATA_FILE!, 'utf8')) as {
  stockInfo: Record<string, unknown>;
  stockData: Record<string, unknown>;
};
const schema = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

const app = Fastify({ logger: false });
await app.register(mercurius, {
  schema,
  resolvers: { Query: { stockInfo: () => data.stockInfo, stockData: () => data.stockData } },
  jit: 1,
  graphiql: false,
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
process.on('SIGTERM', () => process.exit(0));
