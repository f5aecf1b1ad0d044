import { describe, expect, it } from 'vitest';
import { Signal } from '../../../lib/domain/signal.js';
import { smaCross } from '../../../lib/domain/strategies/sma-cross.js';
import { candleSeries } from '../../helpers/fakes.js';

const signals = (closes: number[], fast = 2, slow = 4) => {
  const run = smaCross.create({ fast, slow }).start();
  return candleSeries(closes, 0).map((c) => run.next(c));
};

describe('sma-cross', () => {
  it('enters at the close of the candle where the fast SMA crosses above the slow one', () => {
    // index 5: fast 5.5 > slow 5.25, after fast == slow on index 4
    expect(signals([5, 5, 5, 5, 5, 6])).toEqual([
      Signal.None,
      Signal.None,
      Signal.None,
      Signal.None,
      Signal.None,
      Signal.Enter,
    ]);
  });

  it('exits at the close of the candle where the fast SMA crosses below the slow one', () => {
    // index 6: fast == slow (no cross yet); index 7: fast 3.5 < slow 4.5
    const out = signals([5, 5, 5, 5, 5, 6, 4, 3]);
    expect(out.slice(5)).toEqual([Signal.Enter, Signal.None, Signal.Exit]);
  });

  it('says nothing until the slow SMA and one previous pair of averages exist', () => {
    const strategy = smaCross.create({ fast: 2, slow: 4 });
    expect(strategy.warmup).toBe(5);
    expect(signals([1, 9, 1, 9])).toEqual([Signal.None, Signal.None, Signal.None, Signal.None]);
  });

  it('signals once per cross, not on every candle above the slow SMA', () => {
    const out = signals([5, 5, 5, 5, 5, 6, 7, 8, 9]);
    expect(out.filter((s) => s === Signal.Enter)).toHaveLength(1);
  });

  it('defaults to fast 10 and slow 30, and refuses fast >= slow', () => {
    expect(smaCross.params.parse({})).toEqual({ fast: 10, slow: 30 });
    expect(smaCross.params.safeParse({ fast: 30, slow: 10 }).success).toBe(false);
  });
});
