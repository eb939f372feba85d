import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';

describe('schema.graphql', () => {
  it('is the sorted print of the Pothos schema (run `npm run generate` after schema changes)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printSchema(schema) + '\n').toBe(committed);
  });

  it('keeps the public contract of the foundation issue', () => {
    const sdl = printSchema(schema);
    expect(sdl).toContain('stockData(interval: Interval = ONE_DAY, period: Period = ONE_YEAR, symbol: String!): StockData!'); // args print sorted
    expect(sdl).toContain('stockInfo(symbol: String!): StockInfo!');
    expect(sdl).toContain('stockInfos(symbols: [String!]!): [StockInfo]!');
    expect(sdl).toContain('clearCache(caches: [CacheName!]): CacheStatus!');
    expect(sdl).toContain('cacheStatus: CacheStatus!');
  });
});
