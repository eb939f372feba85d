// Which history windows Yahoo serves at which bar sizes, and the window for each period.
import { AppError } from '../errors.js';
import type { Interval, Period } from './market-types.js';

const DAY_MS = 86_400_000;

/** Approximate length of each period, for Yahoo's per-interval span limits. */
const PERIOD_DAYS: Record<Exclude<Period, 'YEAR_TO_DATE' | 'MAX'>, number> = {
  ONE_DAY: 1, FIVE_DAYS: 5, ONE_MONTH: 31, THREE_MONTHS: 92, SIX_MONTHS: 183,
  ONE_YEAR: 366, TWO_YEARS: 731, FIVE_YEARS: 1827, TEN_YEARS: 3653,
};

/** Yahoo refuses intraday bars over longer spans (1m: 8 days, 5m-30m: 60 days, 1h: 730 days). */
const ALLOWED_PERIODS: Record<Interval, readonly Period[]> = {
  ONE_MINUTE: ['ONE_DAY', 'FIVE_DAYS'],
  FIVE_MINUTES: ['ONE_DAY', 'FIVE_DAYS', 'ONE_MONTH'],
  FIFTEEN_MINUTES: ['ONE_DAY', 'FIVE_DAYS', 'ONE_MONTH'],
  THIRTY_MINUTES: ['ONE_DAY', 'FIVE_DAYS', 'ONE_MONTH'],
  ONE_HOUR: ['ONE_DAY', 'FIVE_DAYS', 'ONE_MONTH', 'THREE_MONTHS', 'SIX_MONTHS', 'YEAR_TO_DATE', 'ONE_YEAR'],
  ONE_DAY: [], // every period
  ONE_WEEK: [],
  ONE_MONTH: [],
};

export const YAHOO_INTERVAL: Record<Interval, string> = {
  ONE_MINUTE: '1m', FIVE_MINUTES: '5m', FIFTEEN_MINUTES: '15m', THIRTY_MINUTES: '30m',
  ONE_HOUR: '60m', ONE_DAY: '1d', ONE_WEEK: '1wk', ONE_MONTH: '1mo',
};

export function assertPeriodInterval(period: Period, interval: Interval): void {
  const allowed = ALLOWED_PERIODS[interval];
  if (allowed.length > 0 && !allowed.includes(period)) {
    throw new AppError(
      'BAD_USER_INPUT',
      `Yahoo Finance does not serve ${interval} bars over ${period}; with interval ${interval} use period ${allowed.join(', ')}, or a longer interval.`,
      { argument: 'interval', allowedPeriods: [...allowed] },
    );
  }
}

/** Start of the window for `period`, ending now. */
export function periodStart(period: Period, now = new Date()): Date {
  if (period === 'MAX') return new Date(0);
  if (period === 'YEAR_TO_DATE') return new Date(Date.UTC(now.getUTCFullYear(), 0, 1));
  return new Date(now.getTime() - PERIOD_DAYS[period] * DAY_MS);
}
