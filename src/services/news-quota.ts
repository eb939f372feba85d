// NewsAPI's request budget: every request sent is counted in a rolling 24 h window, and none is
// sent once `dailyLimit` are in the window or while NewsAPI has told us to back off. Per process
// and in memory: a restart starts from zero (NewsAPI's own count does not).
import { AppError } from '../errors.js';

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

export class NewsQuota {
  /** Send times, oldest first; `head` is the first one still in the window. */
  private sent: number[] = [];
  private head = 0;
  private blockedUntil = 0;

  constructor(
    readonly dailyLimit: number,
    private readonly windowMs = QUOTA_WINDOW_MS,
    // Read lazily so tests can move the clock (vi.setSystemTime).
    private readonly now: () => number = () => Date.now(),
  ) {}

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
    return this.now() >= this.blockedUntil && this.used < this.dailyLimit;
  }

  /** Counts one request and returns true, or returns false (and counts nothing) when none may be sent. */
  tryAcquire(): boolean {
    if (!this.canSend()) return false;
    this.sent.push(this.now());
    return true;
  }

  /** NewsAPI said "back off": send nothing for `ms`. */
  block(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  /** Seconds until a request may be sent again (0 when one may be sent now). */
  retryAfterSeconds(): number {
    const now = this.now();
    let until = this.blockedUntil;
    if (this.used >= this.dailyLimit) {
      // The slot that frees the budget: the (used - dailyLimit + 1)-th oldest leaves the window.
      const freeing = this.sent[this.head + (this.used - this.dailyLimit)];
      until = Math.max(until, freeing === undefined ? now + this.windowMs : freeing + this.windowMs);
    }
    return Math.max(0, Math.ceil((until - now) / 1000));
  }

  /** The error for "not sent: out of budget or backing off". */
  exhaustedError(): AppError {
    const blocked = this.now() < this.blockedUntil;
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
    const used = this.used;
    return {
      dailyLimit: this.dailyLimit,
      used,
      remaining: Math.max(0, this.dailyLimit - used),
      windowSeconds: Math.round(this.windowMs / 1000),
      nextSlotAt: used > 0 ? new Date(this.sent[this.head] + this.windowMs) : null,
      rateLimitedUntil: this.blockedUntil > now ? new Date(this.blockedUntil) : null,
    };
  }
}
