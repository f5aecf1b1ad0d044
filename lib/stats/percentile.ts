/**
 * The project's one quantile definition: d3-array's `quantile`, R-7 (linear interpolation between
 * the two nearest ranks, the default of R, NumPy and spreadsheets). Latency percentiles, the
 * bench's medians, the histogram's quartiles and the market rules' typical price all use it, so
 * a p99 means the same number wherever it is printed.
 */
import { quantile, quantileSorted } from 'd3-array';

/**
 * The `p`-th percentile (0–100) of `values`, in any order; NaN when there are none, so an empty
 * sample can never pass for a measured 0. Non-finite values are ignored.
 */
export function percentile(values: Iterable<number>, p: number): number {
  return quantile(finite(values), p / 100) ?? Number.NaN;
}

/** The median of `values` (the mean of the middle two for an even count); NaN for none. */
export function median(values: Iterable<number>): number {
  return percentile(values, 50);
}

/**
 * The `q`-quantile (0–1) of `sorted`, which is ascending and finite; NaN when it is empty. Use it
 * when the values are sorted anyway, to skip the copy `percentile` makes.
 */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  return quantileSorted(sorted as number[], q) ?? Number.NaN;
}

function* finite(values: Iterable<number>): Iterable<number> {
  for (const v of values) if (Number.isFinite(v)) yield v;
}
