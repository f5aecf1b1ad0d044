/** What a paper fill costs, in the quote currency. */
export interface PaperFillCost {
  /** `amount × price`. */
  readonly notional: number;
  /** `notional × feeRate`. */
  readonly fee: number;
}

/**
 * The notional and fee of a market order the paper broker fills at `price`, both rounded to 12
 * decimals. The rounding drops binary floating-point residue (0.1 × 3 = 0.30000000000000004)
 * that DynamoDB's exact decimals would otherwise keep in the balances forever; the backtest books
 * its fills through this same function so that its fees are the paper broker's to the last digit.
 */
export function paperFillCost(amount: number, price: number, feeRate: number): PaperFillCost {
  const notional = roundAmount(amount * price);
  return { notional, fee: roundAmount(notional * feeRate) };
}

/** `value` rounded to 12 decimals, dropping binary floating-point residue. */
export function roundAmount(value: number): number {
  // `Number(value.toFixed(12))` without the decimal round trip where it gives the same number:
  // below 1000 the product `value × 1e12` errs by at most 1/16, so when it lies well clear of a
  // half it names the same whole number of 1e-12 that `toFixed` prints, and dividing by the exact
  // 1e12 rounds as correctly as parsing the printed decimal. Zero keeps `toFixed`'s signs.
  const scaled = value * 1e12;
  const units = Math.round(scaled);
  if (units !== 0 && Math.abs(value) < 1000 && Math.abs(scaled - units) < 0.375) {
    return units / 1e12;
  }
  return Number(value.toFixed(12));
}
