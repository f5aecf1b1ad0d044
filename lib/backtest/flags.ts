import { type Timeframe, Timeframes } from '../domain/candle.js';

/** A unified spot symbol: the config schema's own rule. */
export { symbolPattern } from '../config/schema.js';

/** True for a timeframe tickfan trades (`1m` … `1d`). */
export function isTimeframe(value: string): value is Timeframe {
  return (Timeframes as readonly string[]).includes(value);
}

/**
 * Epoch ms of an ISO 8601 time such as `2018-01-20` or `2018-01-20T00:00:00Z`; undefined for
 * anything else, including the looser forms `Date.parse` would accept.
 */
export function isoTime(value: string): number | undefined {
  const time = Date.parse(value);
  return /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(time) ? time : undefined;
}

/**
 * The epoch ms of an ISO time flag, undefined when the flag is not given. A value that is not an
 * ISO time is refused with the error `refuse` makes of a message naming the flag and the value.
 */
export function isoTimeFlag(
  flag: string,
  value: string | undefined,
  refuse: (message: string) => Error,
): number | undefined {
  if (value === undefined) return undefined;
  const time = isoTime(value);
  if (time === undefined) {
    throw refuse(`${flag}: ${JSON.stringify(value)} is not an ISO time, e.g. 2018-01-20T00:00:00Z`);
  }
  return time;
}
