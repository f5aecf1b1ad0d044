import { SMA } from 'trading-signals';
import * as z from 'zod';
import { Signal } from '../signal.js';
import type { StrategyDefinition } from './strategy.js';

const params = z
  .strictObject({
    fast: z.number().int().min(1).default(10),
    slow: z.number().int().min(2).default(30),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be less than slow', path: ['fast'] });

export type SmaCrossParams = z.infer<typeof params>;

/**
 * Enters long at the close of the candle where the fast SMA crosses above the slow one and exits
 * at the close of the candle where it crosses below.
 */
export const smaCross: StrategyDefinition<SmaCrossParams> = {
  name: 'sma-cross',
  params,
  create({ fast, slow }) {
    return {
      name: 'sma-cross',
      // one candle more than `slow`, so the previous pair of averages exists
      warmup: slow + 1,
      start() {
        const fastSma = new SMA(fast);
        const slowSma = new SMA(slow);
        let previousDiff: number | undefined;
        return {
          next(candle) {
            // add() returns the average, or null while warming up (getResult() would throw).
            const f = fastSma.add(candle.close);
            const s = slowSma.add(candle.close);
            if (f === null || s === null) return Signal.None;
            const diff = f - s;
            const before = previousDiff;
            previousDiff = diff;
            if (before === undefined) return Signal.None;
            if (before <= 0 && diff > 0) return Signal.Enter;
            if (before >= 0 && diff < 0) return Signal.Exit;
            return Signal.None;
          },
        };
      },
    };
  },
};
