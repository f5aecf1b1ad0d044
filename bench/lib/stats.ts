// The project's one quantile definition (d3-array's); the bench's medians are taken with it.
export { median } from '../../lib/stats/percentile.js';

/** `value` rounded to `digits` decimals, so the JSON holds figures rather than float noise. */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
