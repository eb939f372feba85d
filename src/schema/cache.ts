// Cache domain: what the caches hold and how well they work; clearing them (admin).
import { builder } from '../builder.js';
import * as resolve from '../resolvers/cache.js';
import { CACHE_NAMES, type CacheStats, type CacheStatus } from '../services/cache-admin.js';

export const CacheNameEnum = builder.enumType('CacheName', { values: CACHE_NAMES });

const CacheStatsRef = builder.objectRef<CacheStats>('CacheStats').implement({
  description: 'Counters since the server started (Float: they can pass 2^31 on a long-lived server).',
  fields: (t) => ({
    name: t.expose('name', { type: CacheNameEnum, nullable: false }),
    ttlSeconds: t.exposeInt('ttlSeconds', { nullable: false }),
    entries: t.exposeInt('entries', { nullable: false }),
    maxEntries: t.exposeInt('maxEntries', { nullable: false }),
    hits: t.exposeFloat('hits', { nullable: false, description: 'Lookups answered from the cache.' }),
    misses: t.exposeFloat('misses', { nullable: false, description: 'Lookups that needed the upstream (including ones that joined a call already in flight).' }),
    coalesced: t.exposeFloat('coalesced', { nullable: false, description: 'Misses answered by joining an upstream call already in flight.' }),
    hitRate: t.exposeFloat('hitRate', { nullable: false, description: 'hits / (hits + misses), 0 before any lookup.' }),
    staleServed: t.exposeFloat('staleServed', { nullable: false, description: 'Answers served stale because the upstream failed.' }),
    upstreamCalls: t.exposeFloat('upstreamCalls', { nullable: false, description: 'Requests sent to the upstream.' }),
    upstreamErrors: t.exposeFloat('upstreamErrors', { nullable: false }),
    evictions: t.exposeFloat('evictions', { nullable: false, description: 'Entries dropped to stay within the memory bound.' }),
  }),
});

const CacheStatusRef = builder.objectRef<CacheStatus>('CacheStatus').implement({
  fields: (t) => ({
    lastClearedAt: t.expose('lastClearedAt', { type: 'DateTime' }),
    caches: t.expose('caches', { type: [CacheStatsRef], nullable: false }),
  }),
});

builder.queryField('cacheStatus', (t) =>
  t.field({ type: CacheStatusRef, nullable: false, resolve: (_root, _args, ctx) => resolve.cacheStatus(ctx) }),
);

builder.mutationField('clearCache', (t) =>
  t.field({
    type: CacheStatusRef,
    nullable: false,
    description: 'Empties the named caches (all when omitted). Needs the admin token.',
    authScopes: { admin: true },
    args: { caches: t.arg({ type: [CacheNameEnum] }) },
    resolve: (_root, args, ctx) => resolve.clearCache(ctx, args.caches),
  }),
);
