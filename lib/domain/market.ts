/** Trading rules of one market, as the exchange states them. */
export interface Market {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /**
   * False when the exchange takes no orders on the market: it lists it as inactive (halted,
   * delisting) or no longer lists it. Absent: trading.
   */
  readonly active?: boolean;
  /** Smallest amount increment (a tick size, e.g. 0.001). */
  readonly amountStep: number;
  /** Smallest price increment. */
  readonly priceStep: number;
  readonly minAmount: number;
  /** Smallest order value in the quote currency. */
  readonly minNotional: number;
}

/**
 * Rounds `value` down to a multiple of `step`, free of binary floating-point residue: the number of
 * whole steps, `value / step` rounded to 9 decimals first (so 0.3 / 0.1 = 2.9999999999999996 counts
 * 3), times the step, rounded to the step's decimals.
 */
export function floorToStep(value: number, step: number): number {
  if (step <= 0) return value;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  const steps = value / step;
  const whole = Math.floor(steps);
  // The decimal round trips through `toFixed` cost most of a backtest's sizing; where they cannot
  // change the outcome, plain arithmetic gives the same number bit for bit:
  // - rounding to 9 decimals moves `steps` by at most 5e-10, which reaches the next whole number
  //   only from within 1e-8 below it (below 2^40 the parse back adds less than 5e-9);
  // - a power-of-ten step 10^-d times a whole number below 2^40 errs by far less than half of
  //   10^-d, so `toFixed(d)` prints that number of steps exactly, and dividing it by the exact
  //   10^d rounds as correctly as parsing the printed decimal.
  if (steps > 0 && steps < 2 ** 40 && steps - whole <= 1 - 1e-8) {
    if (decimals < powersOfTen.length && step === 1 / (powersOfTen[decimals] as number)) {
      return whole / (powersOfTen[decimals] as number);
    }
    return Number((whole * step).toFixed(decimals));
  }
  const units = Math.floor(Number(steps.toFixed(9)));
  return Number((units * step).toFixed(decimals));
}

// 10^0 to 10^15, all exact in binary floating point.
const powersOfTen: readonly number[] = Array.from({ length: 16 }, (_, d) => Number(`1e${d}`));
