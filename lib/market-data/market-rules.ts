import type { Candle } from '../domain/candle.js';
import { median } from '../stats/percentile.js';

/** The trading rules the simulator publishes for one market (Binance filter values). */
export interface MarketRules {
  /** PRICE_FILTER tickSize. */
  readonly tickSize: number;
  /** LOT_SIZE stepSize. */
  readonly stepSize: number;
  /** LOT_SIZE minQty. */
  readonly minQty: number;
  /** NOTIONAL / MIN_NOTIONAL minNotional, in the quote currency. */
  readonly minNotional: number;
}

/** Binance spot states every quantity with 8 decimals; steps never go below that. */
export const wireDecimals = 8;
const smallestStep = 1e-8;

// Minimum order values close to Binance's for the quote currencies the data uses.
const minNotionalByQuote: Readonly<Record<string, number>> = {
  BTC: 0.0001,
  ETH: 0.001,
  BNB: 0.01,
  USDT: 5,
  USDC: 5,
  FDUSD: 5,
  TUSD: 5,
};

/** `10 ** exponent` written as a decimal literal, so 1e-7 is exactly what `Number('1e-7')` is. */
function powerOfTen(exponent: number): number {
  return Number(`1e${exponent}`);
}

function clampStep(step: number, largest: number): number {
  return Math.min(largest, Math.max(smallestStep, step));
}

/**
 * Derives plausible Binance filters from the price level of a market's candles.
 *
 * - tickSize keeps about five significant digits at the median close (LTC/BTC at 0.017 → 1e-6;
 *   ADA/BTC at 0.00005 → 1e-8, the wire's limit).
 * - stepSize makes one step worth at most 1/100 of the minimum notional even at the highest
 *   price in the data, so rounding an amount down to the step never decides whether an order
 *   passes the notional filter.
 * - minQty is one step, as on most Binance spot markets.
 */
export function deriveMarketRules(quote: string, candles: readonly Candle[]): MarketRules {
  const minNotional = minNotionalByQuote[quote] ?? 0.0001;
  const closes = candles.map((c) => c.close).filter((p) => p > 0);
  const highest = candles.reduce((max, c) => Math.max(max, c.high), 0);
  const typical = closes.length > 0 ? median(closes) : 0;
  const tickSize =
    typical > 0 ? clampStep(powerOfTen(Math.floor(Math.log10(typical)) - 4), 1) : smallestStep;
  const stepSize =
    highest > 0
      ? clampStep(powerOfTen(Math.floor(Math.log10(minNotional / (100 * highest)))), 1)
      : 1;
  return { tickSize, stepSize, minQty: stepSize, minNotional };
}

/** Formats a number the way Binance puts decimals on the wire: a string with 8 decimals. */
export function formatDecimal(value: number): string {
  return value.toFixed(wireDecimals);
}

/** Rounds to the 8 decimals the wire carries, so balances do not collect floating-point dust. */
export function roundToWire(value: number): number {
  return Number(value.toFixed(wireDecimals));
}

/** True when `value` is a whole number of `step`s (within floating-point noise). */
export function isMultipleOf(value: number, step: number): boolean {
  const units = value / step;
  return Math.abs(units - Math.round(units)) < 1e-6;
}
