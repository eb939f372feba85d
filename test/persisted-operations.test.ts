// Shipped SDK operations by hash: APQ-style extensions and documentId, over POST and GET, through
// the real listener (so GETs by hash are reused and carry ETags).
import { describe, expect, it } from 'vitest';
import { createStockroomClient } from '../sdk/client.js';
import { StockDataDocument, StockInfoDocument } from '../sdk/gql/graphql.js';
import persisted from '../sdk/gql/persisted-documents.json' with { type: 'json' };
import { serveOnFakeYahoo } from './helpers.js';

const { fake, url } = await serveOnFakeYahoo();
const hashOf = (doc: unknown) => (doc as { __meta__: { hash: string } }).__meta__.hash;

describe('persisted operations', () => {
  it('every shipped operation is registered under its sha256', () => {
    expect(Object.keys(persisted)).toContain(hashOf(StockInfoDocument));
    expect(Object.keys(persisted).every((k) => /^sha256:[0-9a-f]{64}$/.test(k))).toBe(true);
  });

  it('runs an operation sent by hash over GET, reuses the answer and gives it an ETag', async () => {
    const hex = hashOf(StockInfoDocument).slice('sha256:'.length);
    const query = new URLSearchParams({
      variables: JSON.stringify({ symbol: 'AAPL' }),
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hex } }),
    });
    const first = await fetch(`${url}?${query}`, { headers: { accept: 'application/json' } });
    const body = await first.json();
    expect(body.data.stockInfo.symbol).toBe('AAPL');
    expect(first.headers.get('etag')).toBeTruthy();
    const second = await fetch(`${url}?${query}`, { headers: { accept: 'application/json' } });
    expect(second.headers.get('x-stockroom-cache')).toBe('hit');
    expect(await second.json()).toEqual(body);
  });

  it('accepts documentId as well', async () => {
    const res = await fetch(`${url}?documentId=${encodeURIComponent(hashOf(StockInfoDocument))}&variables=${encodeURIComponent('{"symbol":"MSFT"}')}`, {
      headers: { accept: 'application/json' },
    });
    expect((await res.json()).data.stockInfo.symbol).toBe('MSFT');
  });

  it('answers PERSISTED_QUERY_NOT_FOUND for an unknown hash', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }),
    });
    const body = await res.json();
    expect(body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('the SDK client sends hashes (GET for queries) when asked', async () => {
    const client = createStockroomClient({ url, persisted: true, method: 'GET' });
    const before = fake.count('chart');
    const { stockData } = await client.request(StockDataDocument, { symbol: 'NVDA', period: 'ONE_MONTH' });
    expect(stockData.symbol).toBe('NVDA');
    expect(fake.count('chart')).toBe(before + 1);
    const again = await client.request(StockDataDocument, { symbol: 'NVDA', period: 'ONE_MONTH' });
    expect(again).toEqual({ stockData });
    expect(fake.count('chart')).toBe(before + 1);
  });
});
