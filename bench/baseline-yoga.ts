// Baseline for `npm run bench`: graphql-yoga with its defaults, the same SDL, and resolvers that
// return the same data from a plain object (no cache, no Yahoo, no DataLoader).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const data = JSON.parse(readFileSync(process.env.BENCH_DATA_FILE!, 'utf8')) as {
  stockInfo: Record<string, unknown>;
  stockData: Record<string, unknown>;
};
const typeDefs = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Query: {
        stockInfo: () => data.stockInfo,
        stockData: () => data.stockData,
      },
    },
  }),
  logging: false,
  graphiql: false,
  landingPage: false,
});

const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
