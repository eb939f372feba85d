// Cache domain: what the caches hold and how well they work; clearing them (admin).
import { builder } from '../builder.js';
import * as resolve from '../resolvers/cache.js';
import { CACHE_NAMES, type CacheStats, type CacheStatus, type SharedCacheStatus } from '../services/cache-admin.js';

export const CacheNameEnum = builder.enumType('CacheName', { values: CACHE_NAMES });

const SharedCacheStateEnum = builder.enumType('SharedCacheState', {
  description: 'UP: Redis answers. DOWN: this replica serves from its own cache tier and the upstreams until Redis is back.',
  values: ['UP', 'DOWN'] as const,
});

const SharedCacheStatusRef = builder.objectRef<SharedCacheStatus>('SharedCacheStatus').implement({
  description: 'The shared cache tier (Redis) as this replica sees it.',
  fields: (t) => ({
    state: t.expose('state', { type: SharedCacheStateEnum, nullable: false }),
    since: t.expose('since', { type: 'DateTime', nullable: false, description: 'When the state last changed.' }),
    lastError: t.exposeString('lastError', { description: 'The last Redis failure this replica saw.' }),
    prefix: t.exposeString('prefix', { nullable: false, description: 'REDIS_PREFIX: the namespace of every key.' }),
    l1TtlSeconds: t.exposeInt('l1TtlSeconds', {
      nullable: false,
      description: 'How long this replica trusts its own copy of an entry before checking the shared tier (CACHE_L1_TTL_S).',
    }),
    replicaId: t.exposeString('replicaId', { nullable: false, description: 'This replica, as other replicas and Redis see it.' }),
    pendingClear: t.expose('pendingClear', {
      type: [CacheNameEnum],
      nullable: false,
      description: 'Caches cleared on this replica while Redis was down: the shared tier and the other replicas follow when it is back.',
    }),
  }),
});

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
    l2Hits: t.exposeFloat('l2Hits', {
      nullable: false,
      description: 'Misses answered by the shared tier: another replica had fetched the value (0 without REDIS_URL).',
    }),
    l2Misses: t.exposeFloat('l2Misses', { nullable: false, description: 'Misses the shared tier could not answer.' }),
    l2Waits: t.exposeFloat('l2Waits', { nullable: false, description: "Misses that waited for another replica's upstream call in flight." }),
    l2Errors: t.exposeFloat('l2Errors', {
      nullable: false,
      description: 'Shared tier calls that failed or were skipped because Redis was down (the local tier and upstreams answered).',
    }),
  }),
});

const CacheStatusRef = builder.objectRef<CacheStatus>('CacheStatus').implement({
  fields: (t) => ({
    lastClearedAt: t.expose('lastClearedAt', { type: 'DateTime' }),
    caches: t.expose('caches', { type: [CacheStatsRef], nullable: false }),
    shared: t.expose('shared', {
      type: SharedCacheStatusRef,
      description: 'The shared cache tier; null when REDIS_URL is not set (one process).',
    }),
  }),
});

builder.queryField('cacheStatus', (t) =>
  t.field({ type: CacheStatusRef, nullable: false, resolve: (_root, _args, ctx) => resolve.cacheStatus(ctx) }),
);

builder.mutationField('clearCache', (t) =>
  t.field({
    type: CacheStatusRef,
    nullable: false,
    description:
      'Empties the named caches (all when omitted), on every replica when REDIS_URL is set. Needs the admin token. ' +
      'With Redis down: SHARED_CACHE_UNAVAILABLE, this replica is cleared and the rest follows when Redis is back.',
    authScopes: { admin: true },
    args: { caches: t.arg({ type: [CacheNameEnum] }) },
    resolve: (_root, args, ctx) => resolve.clearCache(ctx, args.caches),
  }),
);
