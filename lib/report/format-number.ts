/**
 * The one way a number is shown to a person: in the terminal summary, the backtest output and
 * the HTML reports. JSON outputs keep full precision and never pass through here.
 */

/**
 * How finely to show a number: to a market's `step` (its price tick or amount step) where it is
 * known, otherwise to `significant` significant digits.
 */
export interface NumberPrecision {
  /** Round to a multiple of this step, e.g. a price tick of 0.000001. Wins over `significant`. */
  readonly step?: number;
  /** Significant digits when no step is given; default {@link defaultSignificant}. */
  readonly significant?: number;
}

/** Digits for pnl, equity and any other figure without a market step: 1.23457, 0.0123457. */
export const defaultSignificant = 6;

/**
 * Digits for fees: a fee is a small share of its fill, and its last digits are noise
 * (0.000009999825 reads as 0.00001).
 */
export const feeSignificant = 4;

// More decimals than this are below any market's precision and only show binary residue.
const maxDecimals = 12;

/**
 * `value` rounded as `precision` says, in plain decimal notation (no exponent) without trailing
 * zeros: `formatNumber(0.000009999825, { significant: 4 })` is `0.00001`,
 * `formatNumber(0.0175234, { step: 0.000001 })` is `0.017523`. A NaN or an infinity is shown
 * as JavaScript spells it; -0 as 0.
 */
export function formatNumber(value: number, precision: NumberPrecision = {}): string {
  if (!Number.isFinite(value)) return String(value);
  const { step } = precision;
  let fixed: string;
  if (step !== undefined && step > 0 && Number.isFinite(step)) {
    const decimals = Math.min(maxDecimals, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
    fixed = (Math.round(value / step) * step).toFixed(decimals);
  } else {
    if (value === 0) return '0';
    const significant = Math.max(1, precision.significant ?? defaultSignificant);
    const magnitude = Math.floor(Math.log10(Math.abs(value)));
    const decimals = Math.min(maxDecimals, Math.max(0, significant - 1 - magnitude));
    fixed = value.toFixed(decimals);
  }
  const trimmed = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  return /^-0$/.test(trimmed) ? '0' : trimmed;
}

/** `value` (a fraction, 0.05 for 5 %) as a percentage with two decimals, without the sign. */
export function formatPercent(value: number): string {
  return Number.isFinite(value)
    ? (value * 100).toFixed(2).replace(/^-0\.00$/, '0.00')
    : String(value);
}
