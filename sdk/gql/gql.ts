/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query StockInfo($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    currency\n    exchange\n    price\n    previousClose\n    change\n    changePercent\n    marketCap\n    volume\n    fiftyTwoWeekHigh\n    fiftyTwoWeekLow\n    fetchedAt\n    stale\n  }\n}\n\nquery StockInfoWithProfile($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    price\n    profile {\n      sector\n      industry\n      website\n      summary\n      employees\n      country\n    }\n  }\n}\n\nquery StockInfos($symbols: [String!]!) {\n  stockInfos(symbols: $symbols) {\n    symbol\n    name\n    price\n    changePercent\n    fetchedAt\n    stale\n  }\n}\n\nquery StockData($symbol: String!, $period: Period, $interval: Interval) {\n  stockData(symbol: $symbol, period: $period, interval: $interval) {\n    symbol\n    period\n    interval\n    currency\n    bars {\n      time\n      open\n      high\n      low\n      close\n      adjClose\n      volume\n    }\n    fetchedAt\n    stale\n  }\n}\n\nquery CacheStatus {\n  cacheStatus {\n    lastClearedAt\n    caches {\n      name\n      ttlSeconds\n      entries\n      maxEntries\n      hits\n      misses\n      hitRate\n      staleServed\n      upstreamCalls\n      evictions\n    }\n  }\n}\n\nmutation ClearCache($caches: [CacheName!]) {\n  clearCache(caches: $caches) {\n    lastClearedAt\n    caches {\n      name\n      entries\n    }\n  }\n}": typeof types.StockInfoDocument,
};
const documents: Documents = {
    "query StockInfo($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    currency\n    exchange\n    price\n    previousClose\n    change\n    changePercent\n    marketCap\n    volume\n    fiftyTwoWeekHigh\n    fiftyTwoWeekLow\n    fetchedAt\n    stale\n  }\n}\n\nquery StockInfoWithProfile($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    price\n    profile {\n      sector\n      industry\n      website\n      summary\n      employees\n      country\n    }\n  }\n}\n\nquery StockInfos($symbols: [String!]!) {\n  stockInfos(symbols: $symbols) {\n    symbol\n    name\n    price\n    changePercent\n    fetchedAt\n    stale\n  }\n}\n\nquery StockData($symbol: String!, $period: Period, $interval: Interval) {\n  stockData(symbol: $symbol, period: $period, interval: $interval) {\n    symbol\n    period\n    interval\n    currency\n    bars {\n      time\n      open\n      high\n      low\n      close\n      adjClose\n      volume\n    }\n    fetchedAt\n    stale\n  }\n}\n\nquery CacheStatus {\n  cacheStatus {\n    lastClearedAt\n    caches {\n      name\n      ttlSeconds\n      entries\n      maxEntries\n      hits\n      misses\n      hitRate\n      staleServed\n      upstreamCalls\n      evictions\n    }\n  }\n}\n\nmutation ClearCache($caches: [CacheName!]) {\n  clearCache(caches: $caches) {\n    lastClearedAt\n    caches {\n      name\n      entries\n    }\n  }\n}": types.StockInfoDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query StockInfo($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    currency\n    exchange\n    price\n    previousClose\n    change\n    changePercent\n    marketCap\n    volume\n    fiftyTwoWeekHigh\n    fiftyTwoWeekLow\n    fetchedAt\n    stale\n  }\n}\n\nquery StockInfoWithProfile($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    price\n    profile {\n      sector\n      industry\n      website\n      summary\n      employees\n      country\n    }\n  }\n}\n\nquery StockInfos($symbols: [String!]!) {\n  stockInfos(symbols: $symbols) {\n    symbol\n    name\n    price\n    changePercent\n    fetchedAt\n    stale\n  }\n}\n\nquery StockData($symbol: String!, $period: Period, $interval: Interval) {\n  stockData(symbol: $symbol, period: $period, interval: $interval) {\n    symbol\n    period\n    interval\n    currency\n    bars {\n      time\n      open\n      high\n      low\n      close\n      adjClose\n      volume\n    }\n    fetchedAt\n    stale\n  }\n}\n\nquery CacheStatus {\n  cacheStatus {\n    lastClearedAt\n    caches {\n      name\n      ttlSeconds\n      entries\n      maxEntries\n      hits\n      misses\n      hitRate\n      staleServed\n      upstreamCalls\n      evictions\n    }\n  }\n}\n\nmutation ClearCache($caches: [CacheName!]) {\n  clearCache(caches: $caches) {\n    lastClearedAt\n    caches {\n      name\n      entries\n    }\n  }\n}"): (typeof documents)["query StockInfo($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    currency\n    exchange\n    price\n    previousClose\n    change\n    changePercent\n    marketCap\n    volume\n    fiftyTwoWeekHigh\n    fiftyTwoWeekLow\n    fetchedAt\n    stale\n  }\n}\n\nquery StockInfoWithProfile($symbol: String!) {\n  stockInfo(symbol: $symbol) {\n    symbol\n    name\n    price\n    profile {\n      sector\n      industry\n      website\n      summary\n      employees\n      country\n    }\n  }\n}\n\nquery StockInfos($symbols: [String!]!) {\n  stockInfos(symbols: $symbols) {\n    symbol\n    name\n    price\n    changePercent\n    fetchedAt\n    stale\n  }\n}\n\nquery StockData($symbol: String!, $period: Period, $interval: Interval) {\n  stockData(symbol: $symbol, period: $period, interval: $interval) {\n    symbol\n    period\n    interval\n    currency\n    bars {\n      time\n      open\n      high\n      low\n      close\n      adjClose\n      volume\n    }\n    fetchedAt\n    stale\n  }\n}\n\nquery CacheStatus {\n  cacheStatus {\n    lastClearedAt\n    caches {\n      name\n      ttlSeconds\n      entries\n      maxEntries\n      hits\n      misses\n      hitRate\n      staleServed\n      upstreamCalls\n      evictions\n    }\n  }\n}\n\nmutation ClearCache($caches: [CacheName!]) {\n  clearCache(caches: $caches) {\n    lastClearedAt\n    caches {\n      name\n      entries\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;