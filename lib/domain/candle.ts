/** One OHLCV candle; `time` is the candle's open time in epoch milliseconds. */
export interface Candle {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Timeframes tickfan trades, as ccxt and Binance spell them. */
export const Timeframes = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '12h',
  '1d',
] as const;
export type Timeframe = (typeof Timeframes)[number];

const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Length of one candle of `timeframe` in milliseconds. */
export function timeframeMs(timeframe: Timeframe): number {
  const unit = timeframe.slice(-1) as keyof typeof unitMs;
  return Number(timeframe.slice(0, -1)) * unitMs[unit];
}

/**
 * Open time of the newest candle that has closed at `at` (epoch ms).
 * A candle opened at `t` closes at `t + timeframe`.
 */
export function lastClosedCandleTime(at: number, timeframe: Timeframe): number {
  const tf = timeframeMs(timeframe);
  return Math.floor(at / tf) * tf - tf;
}

/** True when a tick scheduled at `at` starts a new candle of `timeframe`, so the symbol is due. */
export function isDue(at: number, timeframe: Timeframe): boolean {
  return at % timeframeMs(timeframe) === 0;
}

/** Converts a ccxt/Binance OHLCV row `[time, open, high, low, close, volume]` into a candle. */
export function candleFromRow(row: readonly number[]): Candle {
  const [time, open, high, low, close, volume] = row;
  if (
    time === undefined ||
    open === undefined ||
    high === undefined ||
    low === undefined ||
    close === undefined ||
    volume === undefined
  ) {
    throw new RangeError(`OHLCV row needs 6 numbers, got ${JSON.stringify(row)}`);
  }
  return { time, open, high, low, close, volume };
}
