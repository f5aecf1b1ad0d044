import { RSI } from 'trading-signals';
import * as z from 'zod';
import { Signal } from '../signal.js';
import type { StrategyDefinition } from './strategy.js';

/**
 * Periods of history one decision uses. Wilder's smoothing never forgets its seed entirely: the
 * seed's weight decays by (1 − 1/period) per candle, so after 9 periods beyond the first it is
 * below e^-9 ≈ 1e-4 and moves the RSI by well under 0.1 point.
 */
const historyPeriods = 10;

const params = z
  .strictObject({
    // At most 99, so the window (10 periods + 1) stays within one 999-candle fetch.
    period: z.number().int().min(2).max(99).default(14),
    oversold: z.number().gt(0).lt(100).default(30),
    overbought: z.number().gt(0).lt(100).default(70),
  })
  .refine((p) => p.oversold < p.overbought, {
    message: 'oversold must be less than overbought',
    path: ['oversold'],
  });

export type RsiReversionParams = z.infer<typeof params>;

/**
 * Mean reversion on Wilder's RSI (trading-signals' `RSI`). Enters long at the close of the candle
 * where the RSI crosses above `oversold` (the previous RSI at or below it, this one above: the
 * dip is turning) and exits at the close of the candle where it crosses above `overbought` (at
 * or below before, above now). Crossings down say nothing.
 *
 * One decision is defined as a fresh run over the candles opened within the last `warmup - 1`
 * periods, `warmup` = 10 × period + 1: the window the trade function fetches. Wilder's RSI depends
 * on all the history it has seen, so a run over a longer stretch would give slightly different
 * values; fixing the window is what makes the trade function and a backtest (which replays the
 * same window for every candle, see `windowLocal` in registry.ts) decide alike, by construction.
 * The window is long enough that its start barely matters. A window cut short by missing candles
 * is still used as it is: the first signal needs only period + 2 candles.
 */
export const rsiReversion: StrategyDefinition<RsiReversionParams> = {
  name: 'rsi-reversion',
  params,
  create({ period, oversold, overbought }) {
    return {
      name: 'rsi-reversion',
      warmup: historyPeriods * period + 1,
      start() {
        const rsi = new RSI(period);
        let previous: number | undefined;
        return {
          next(candle) {
            // `add` answers null until the RSI exists; `getResult` would throw and catch instead.
            const value = rsi.add(candle.close);
            if (value === null) return Signal.None;
            const before = previous;
            previous = value;
            if (before === undefined) return Signal.None;
            if (before <= oversold && value > oversold) return Signal.Enter;
            if (before <= overbought && value > overbought) return Signal.Exit;
            return Signal.None;
          },
        };
      },
    };
  },
};
