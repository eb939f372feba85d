import type { Context } from '../context.js';
import type { CacheName, CacheStatus } from '../services/cache-admin.js';

export const cacheStatus = (ctx: Context): CacheStatus => ctx.services.cacheAdmin.status();

export const clearCache = (ctx: Context, caches: readonly CacheName[] | null | undefined): Promise<CacheStatus> => {
  ctx.services.logger.info('cache cleared', { requestId: ctx.requestId, caches: caches ?? 'all' });
  return ctx.services.cacheAdmin.clear(caches ?? undefined);
};
