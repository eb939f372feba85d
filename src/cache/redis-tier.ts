// The shared cache tier in Redis (the contract is in shared-tier.ts).
//
// Keys, all under REDIS_PREFIX and all with a TTL:
//   <prefix>c:<CACHE>:v:<key>   the entry: "<freshUntil ms>|<JSON {f: fetchedAt, v: value} or {f, n: 1}>",
//                               kept fetchedAt + ttl + max stale (not-found: its own TTL)
//   <prefix>c:<CACHE>:l:<key>   the lease: "t:<replica>:<n>" while one replica fetches (REDIS_LEASE_MS),
//                               or "x:<JSON error>" for the failure backoff after its call failed
//   <prefix>c:<CACHE>:gen       the clear generation (30 days, re-armed by every clear)
//
// Each operation is one Lua script, so each is one round trip and atomic:
//   lookup  for each key: the fresh entry, else (claiming) SET NX of the lease, else the lease's
//           holder/failure; and the generation. Looking and claiming in one step means a value
//           stored between the two can never cause a second upstream call.
//   fill    stores the entries only if the generation is still the one seen by lookup (a clear in
//           between wins), then releases the leases that are still ours.
//   fail    turns our leases into failure markers (or releases them).
//   clear   INCR generation, then SCAN + UNLINK of the cache's keys (the generation excepted).
import { AppError } from '../errors.js';
import { luaScript, runScript as run, type RedisLink } from '../cluster/redis-link.js';
import type { SharedEntry, SharedFill, SharedKeyState, SharedLookup, SharedTier } from './shared-tier.js';
import { NOT_FOUND } from './upstream-cache.js';

const LOOKUP = `
local now = tonumber(ARGV[1])
local out = { redis.call('GET', KEYS[1]) or '' }
for i = 2, #KEYS, 2 do
  local value = redis.call('GET', KEYS[i]) or ''
  local sep = string.find(value, '|', 1, true)
  local freshUntil = sep and tonumber(string.sub(value, 1, sep - 1))
  if freshUntil and freshUntil > now then
    out[#out + 1] = 'fresh'; out[#out + 1] = value; out[#out + 1] = ''
  elseif ARGV[2] == '1' and redis.call('SET', KEYS[i + 1], ARGV[3], 'NX', 'PX', ARGV[4]) then
    out[#out + 1] = 'claimed'; out[#out + 1] = value; out[#out + 1] = ''
  else
    out[#out + 1] = 'other'; out[#out + 1] = value; out[#out + 1] = redis.call('GET', KEYS[i + 1]) or ''
  end
end
return out`;

const FILL = `
local current = redis.call('GET', KEYS[1]) or ''
local stored = 0
for i = 2, #KEYS, 2 do
  if current == ARGV[1] and tonumber(ARGV[i + 2]) > 0 then
    redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[i + 2])
    stored = stored + 1
  end
  if redis.call('GET', KEYS[i + 1]) == ARGV[2] then redis.call('DEL', KEYS[i + 1]) end
end
return stored`;

const FAIL = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    if ARGV[2] ~= '' then redis.call('SET', KEYS[i], ARGV[2], 'PX', ARGV[3]) else redis.call('DEL', KEYS[i]) end
  end
end
return 1`;

const GENERATION_TTL_MS = 30 * 24 * 3600 * 1000;

const SCRIPTS = { lookup: luaScript(LOOKUP), fill: luaScript(FILL), fail: luaScript(FAIL) };

/** SCAN MATCH treats *?[]\ specially; the prefix is the operator's, the pattern must match it literally. */
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

export interface RedisTierOptions {
  prefix: string;
  leaseMs: number;
  l1TtlMs: number;
  /** Deadline of the calls of clear() (SCAN pages, UNLINK batches): not on a request's path. */
  adminTimeoutMs?: number;
}

export class RedisTier implements SharedTier {
  readonly leaseMs: number;
  readonly l1TtlMs: number;
  private leaseCounter = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly options: RedisTierOptions,
  ) {
    this.leaseMs = options.leaseMs;
    this.l1TtlMs = options.l1TtlMs;
  }

  get available(): boolean {
    return this.link.available;
  }

  private key(cache: string, kind: 'v' | 'l', key: string): string {
    return `${this.options.prefix}c:${cache}:${kind}:${key}`;
  }

  private generationKey(cache: string): string {
    return `${this.options.prefix}c:${cache}:gen`;
  }

  async lookup(cache: string, keys: readonly string[], claim: boolean): Promise<SharedLookup> {
    const token = `t:${this.link.replicaId}:${++this.leaseCounter}`;
    const redisKeys = [this.generationKey(cache)];
    for (const key of keys) redisKeys.push(this.key(cache, 'v', key), this.key(cache, 'l', key));
    const reply = (await this.link.call((c) =>
      run(c, SCRIPTS.lookup, redisKeys, [String(Date.now()), claim ? '1' : '0', token, String(this.leaseMs)]),
    )) as string[];
    const states = new Map<string, SharedKeyState>();
    keys.forEach((key, i) => {
      const [state, value, lease] = [String(reply[1 + 3 * i]), String(reply[2 + 3 * i]), String(reply[3 + 3 * i])];
      const entry = decode(value);
      if (state === 'fresh' && entry) states.set(key, { state: 'fresh', entry });
      else if (state === 'claimed') states.set(key, { state: 'claimed', stale: entry });
      else if (lease.startsWith('x:')) states.set(key, { state: 'failed', error: decodeError(lease.slice(2)), stale: entry });
      else if (lease !== '') states.set(key, { state: 'held', stale: entry });
      else states.set(key, { state: 'absent', stale: entry });
    });
    return { generation: String(reply[0] ?? ''), token, keys: states };
  }

  async fill(cache: string, lookup: SharedLookup, entries: readonly SharedFill[]): Promise<void> {
    if (entries.length === 0) return;
    const keys = [this.generationKey(cache)];
    const args = [lookup.generation, lookup.token];
    const now = Date.now();
    for (const { key, entry, freshMs, keepMs } of entries) {
      keys.push(this.key(cache, 'v', key), this.key(cache, 'l', key));
      // Kept from the original fetch time, not from now: every replica ages an entry alike.
      const px = Math.max(0, Math.floor(entry.fetchedAt + keepMs - now));
      args.push(encode(entry, entry.fetchedAt + freshMs), String(px));
    }
    await this.link.call((c) => run(c, SCRIPTS.fill, keys, args));
  }

  async fail(cache: string, lookup: SharedLookup, keys: readonly string[], error: Error, backoffMs: number): Promise<void> {
    if (keys.length === 0) return;
    const marker = backoffMs > 0 ? `x:${encodeError(error)}` : '';
    await this.link.call((c) =>
      run(c, SCRIPTS.fail, keys.map((k) => this.key(cache, 'l', k)), [lookup.token, marker, String(Math.max(1, backoffMs))]),
    );
  }

  async clear(caches: readonly string[]): Promise<void> {
    const timeout = this.options.adminTimeoutMs ?? 2000;
    for (const cache of caches) {
      const generation = this.generationKey(cache);
      // First the generation: from here on, fills that looked before the clear store nothing.
      await this.link.call((c) => c.multi().incr(generation).pExpire(generation, GENERATION_TTL_MS).exec(), timeout);
      const match = `${globEscape(this.options.prefix)}c:${globEscape(cache)}:*`;
      let cursor = '0';
      do {
        const page = await this.link.call((c) => c.scan(cursor, { MATCH: match, COUNT: 500 }), timeout);
        cursor = String(page.cursor);
        const doomed = page.keys.map(String).filter((k) => k !== generation);
        if (doomed.length > 0) await this.link.call((c) => c.unlink(doomed), timeout);
      } while (cursor !== '0');
    }
  }
}

function encode(entry: SharedEntry, freshUntil: number): string {
  const body = entry.value === NOT_FOUND ? { f: entry.fetchedAt, n: 1 } : { f: entry.fetchedAt, v: entry.value };
  return `${Math.floor(freshUntil)}|${JSON.stringify(body)}`;
}

/** The entry in a stored string, or undefined (absent or unreadable: treated as absent). */
function decode(stored: string): SharedEntry | undefined {
  const sep = stored.indexOf('|');
  if (sep < 0) return undefined;
  try {
    const body = JSON.parse(stored.slice(sep + 1)) as { f?: unknown; v?: unknown; n?: unknown };
    if (typeof body.f !== 'number') return undefined;
    if (body.n === 1) return { value: NOT_FOUND, fetchedAt: body.f };
    if (!('v' in body)) return undefined;
    return { value: body.v, fetchedAt: body.f };
  } catch {
    return undefined;
  }
}

function encodeError(error: Error): string {
  if (error instanceof AppError) {
    return JSON.stringify({ code: error.code, message: error.message, details: error.details, httpStatus: error.httpStatus });
  }
  return JSON.stringify({ code: 'UPSTREAM_UNAVAILABLE', message: 'The upstream request failed (on another replica)' });
}

function decodeError(text: string): Error {
  try {
    const e = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown; httpStatus?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      const details = e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : {};
      return new AppError(e.code, e.message, details, typeof e.httpStatus === 'number' ? e.httpStatus : undefined);
    }
  } catch {
    // fall through
  }
  return new AppError('UPSTREAM_UNAVAILABLE', 'The upstream request failed (on another replica)', {});
}
