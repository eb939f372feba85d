// NewsAPI's request budget: every request sent is counted in a rolling 24 h window, and none is
// sent once `dailyLimit` are in the window or while NewsAPI has told us to back off.
// - NewsQuota: per process and in memory; a restart starts from zero (NewsAPI's own count does not).
// - SharedNewsQuota (REDIS_URL set): one count for the whole deployment, in a Redis sorted set of
//   send times, checked and added to atomically (one Lua script per request sent). Synchronous
//   reads (canSend, status) use the last answer seen, refreshed by every send and by refresh();
//   the authoritative check is the one made right before a request is sent (acquire). While Redis
//   is unreachable each replica falls back to counting its own sends against the limit.
import { AppError } from '../errors.js';
import { luaScript, runScript, type RedisLink } from '../cluster/redis-link.js';

export const QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface NewsQuotaStatus {
  /** Requests stockroom sends at most per rolling 24 h (NEWSAPI_DAILY_LIMIT). */
  dailyLimit: number;
  /** Requests sent in the last 24 h. */
  used: number;
  /** dailyLimit - used (never negative). */
  remaining: number;
  windowSeconds: number;
  /** When the oldest counted request leaves the window (a slot frees up); null when none is counted. */
  nextSlotAt: Date | null;
  /** NewsAPI answered rateLimited/apiKeyExhausted: nothing is sent before this time. */
  rateLimitedUntil: Date | null;
}

/** The window as one counter sees it: how many sends, the oldest, and the one whose expiry frees a slot. */
interface WindowCount {
  used: number;
  oldest: number | undefined;
  /** When used ≥ dailyLimit: the send whose leaving the window brings used below the limit. */
  freeing: number | undefined;
  blockedUntil: number;
}

export class NewsQuota {
  /** Send times, oldest first; `head` is the first one still in the window. */
  private sent: number[] = [];
  private head = 0;
  private blockedUntil = 0;

  constructor(
    readonly dailyLimit: number,
    protected readonly windowMs = QUOTA_WINDOW_MS,
    // Read lazily so tests can move the clock (vi.setSystemTime).
    protected readonly now: () => number = () => Date.now(),
  ) {}

  /** This process's own count. */
  protected localCount(): WindowCount {
    const used = this.used;
    return {
      used,
      oldest: used > 0 ? this.sent[this.head] : undefined,
      freeing: used >= this.dailyLimit ? this.sent[this.head + (used - this.dailyLimit)] : undefined,
      blockedUntil: this.blockedUntil,
    };
  }

  /** The count every decision uses (the deployment's in SharedNewsQuota). */
  protected count(): WindowCount {
    return this.localCount();
  }

  private prune(now: number): void {
    while (this.head < this.sent.length && this.sent[this.head] <= now - this.windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.sent.length) {
      this.sent = this.sent.slice(this.head);
      this.head = 0;
    }
  }

  get used(): number {
    this.prune(this.now());
    return this.sent.length - this.head;
  }

  /** True when a request may be sent now (without counting one). */
  canSend(): boolean {
    const c = this.count();
    return this.now() >= c.blockedUntil && c.used < this.dailyLimit;
  }

  /** Counts one request and returns true, or returns false (and counts nothing) when none may be sent. */
  tryAcquire(): boolean {
    if (!(this.now() >= this.blockedUntil && this.used < this.dailyLimit)) return false;
    this.recordSend();
    return true;
  }

  /** Counts one send in this process's window, unconditionally. */
  protected recordSend(): void {
    this.sent.push(this.now());
  }

  /** tryAcquire for the deployment: what the NewsAPI client calls right before sending. */
  async acquire(): Promise<boolean> {
    return this.tryAcquire();
  }

  /** Brings the synchronous view up to date (no-op for a per-process quota). */
  async refresh(): Promise<void> {}

  /** NewsAPI said "back off": send nothing for `ms`. */
  block(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  /** Seconds until a request may be sent again (0 when one may be sent now). */
  retryAfterSeconds(): number {
    const now = this.now();
    const c = this.count();
    let until = c.blockedUntil;
    if (c.used >= this.dailyLimit) {
      // The slot that frees the budget: the (used - dailyLimit + 1)-th oldest leaves the window.
      until = Math.max(until, c.freeing === undefined ? now + this.windowMs : c.freeing + this.windowMs);
    }
    return Math.max(0, Math.ceil((until - now) / 1000));
  }

  /** The error for "not sent: out of budget or backing off". */
  exhaustedError(): AppError {
    const blocked = this.now() < this.count().blockedUntil;
    return new AppError(
      'UPSTREAM_RATE_LIMITED',
      blocked
        ? 'NewsAPI is rate-limiting requests; try again later'
        : `The NewsAPI budget of ${this.dailyLimit} requests per 24 h is used up; try again later`,
      { upstream: 'newsapi', reason: blocked ? 'rateLimited' : 'dailyLimit', retryAfterSeconds: this.retryAfterSeconds() },
    );
  }

  status(): NewsQuotaStatus {
    const now = this.now();
    const { used, oldest, blockedUntil } = this.count();
    return {
      dailyLimit: this.dailyLimit,
      used,
      remaining: Math.max(0, this.dailyLimit - used),
      windowSeconds: Math.round(this.windowMs / 1000),
      nextSlotAt: used > 0 && oldest !== undefined ? new Date(oldest + this.windowMs) : null,
      rateLimitedUntil: blockedUntil > now ? new Date(blockedUntil) : null,
    };
  }
}

// KEYS: the sorted set of send times, the "blocked until" key. ARGV: now, window, limit, member,
// acquire ('1': count one send if allowed; '0': only report).
const ACQUIRE = luaScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local used = redis.call('ZCARD', KEYS[1])
local ok = 0
if ARGV[5] == '1' and now >= blocked and used < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  used = used + 1
  ok = 1
end
local oldest = ''
local freeing = ''
if used > 0 then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if first[2] then oldest = first[2] end
  if used >= limit then
    local slot = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
    if slot[2] then freeing = slot[2] end
  end
end
return { ok, used, oldest, freeing, tostring(blocked) }`);

const BLOCK = luaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`);

/** The NewsAPI budget of the whole deployment (see the top of this file). */
export class SharedNewsQuota extends NewsQuota {
  private view: WindowCount | undefined;
  private sends = 0;
  private readonly keys: [string, string];

  constructor(
    dailyLimit: number,
    private readonly link: RedisLink,
    prefix: string,
    windowMs = QUOTA_WINDOW_MS,
    now: () => number = () => Date.now(),
  ) {
    super(dailyLimit, windowMs, now);
    this.keys = [`${prefix}newsapi:sent`, `${prefix}newsapi:blocked-until`];
  }

  /** Whether the deployment's count is what decides (else: this replica's own, Redis being down). */
  get sharedCount(): boolean {
    return this.view !== undefined && this.link.available;
  }

  protected override count(): WindowCount {
    const local = this.localCount();
    const view = this.view;
    if (!view || !this.link.available) return local;
    // The view may predate sends elsewhere (acquire() decides then) and expiries here: a slot
    // that has left the window since counts as free.
    const freed = view.freeing !== undefined && this.now() >= view.freeing + this.windowMs;
    return {
      used: freed ? Math.min(view.used, this.dailyLimit - 1) : view.used,
      oldest: view.oldest,
      freeing: freed ? undefined : view.freeing,
      blockedUntil: Math.max(view.blockedUntil, local.blockedUntil),
    };
  }

  private async ask(acquire: boolean): Promise<boolean> {
    const member = `${this.now()}:${this.link.replicaId}:${++this.sends}`;
    const reply = (await this.link.call((c) =>
      runScript(c, ACQUIRE, this.keys, [String(this.now()), String(this.windowMs), String(this.dailyLimit), member, acquire ? '1' : '0']),
    )) as [number, number, string, string, string];
    const num = (v: string) => (v === '' ? undefined : Number(v));
    this.view = {
      used: Number(reply[1]),
      oldest: num(String(reply[2])),
      freeing: num(String(reply[3])),
      blockedUntil: Number(reply[4]) || 0,
    };
    return Number(reply[0]) === 1;
  }

  override async acquire(): Promise<boolean> {
    try {
      const ok = await this.ask(true);
      // Also counted here, for the fallback while Redis is down.
      if (ok) this.recordSend();
      return ok;
    } catch {
      return this.tryAcquire();
    }
  }

  override async refresh(): Promise<void> {
    try {
      await this.ask(false);
    } catch {
      // Keep the last view; count() falls back to the local count while Redis is down.
    }
  }

  override block(ms: number): void {
    super.block(ms);
    const until = this.now() + ms;
    if (this.view) this.view.blockedUntil = Math.max(this.view.blockedUntil, until);
    this.link
      .call((c) => runScript(c, BLOCK, [this.keys[1]], [String(until), String(Math.max(1, ms))]))
      .catch(() => {});
  }
}
