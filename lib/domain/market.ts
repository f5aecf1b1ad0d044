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

/** Rounds `value` down to a multiple of `step`, free of binary floating-point residue. */
export function floorToStep(value: number, step: number): number {
  if (step <= 0) return value;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  const units = Math.floor(Number((value / step).toFixed(9)));
  return Number((units * step).toFixed(decimals));
}
