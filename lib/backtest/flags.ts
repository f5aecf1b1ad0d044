import { type Timeframe, Timeframes } from '../domain/candle.js';

/** A unified spot symbol, as the config schema spells its rule (lib/config/schema.ts). */
export const symbolPattern = /^[A-Z0-9]{2,12}\/[A-Z0-9]{2,12}$/;

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
