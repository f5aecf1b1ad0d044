import { type Timeframe, timeframeMs } from '../domain/candle.js';

const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** True when `expression` is a Scheduler `rate(...)` or `cron(...)` expression tickfan accepts. */
export function isScheduleExpression(expression: string): boolean {
  return rate.test(expression) || /^cron\(\S+( \S+){5}\)$/.test(expression);
}

/** The period of a `rate(N unit)` expression in ms; undefined for cron expressions. */
export function ratePeriodMs(expression: string): number | undefined {
  const match = rate.exec(expression);
  if (match === null) return undefined;
  const unit = (match[2] ?? '').replace(/s$/, '') as keyof typeof unitMs;
  return Number(match[1]) * unitMs[unit];
}

/**
 * The step between ticks: the rate's period, or for a cron schedule the shortest timeframe
 * traded (a cron schedule must fire at least that often to see every candle).
 */
export function tickPeriodMs(expression: string, timeframes: readonly Timeframe[]): number {
  return ratePeriodMs(expression) ?? Math.min(...timeframes.map(timeframeMs));
}
