import { join } from 'node:path';
import { RSI } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { Signal } from '../../../lib/domain/signal.js';
import { strategies } from '../../../lib/domain/strategies/registry.js';
import { rsiReversion } from '../../../lib/domain/strategies/rsi-reversion.js';
import { defaultDataDir } from '../../../lib/market-data/ohlcv-data.js';
import { readOhlcvFile } from '../../../lib/market-data/ohlcv-file.js';
import { candleSeries } from '../../helpers/fakes.js';

const signals = (closes: number[], params: Record<string, number> = { period: 2 }) => {
  const run = rsiReversion.create(rsiReversion.params.parse(params)).start();
  return candleSeries(closes, 0).map((c) => run.next(c));
};

describe('rsi-reversion', () => {
  // RSI(2), Wilder: 0 while the price falls (indices 2-4), 50 at index 5, 75 at index 6.
  const dipAndRecovery = [10, 9, 8, 7, 6, 7, 8];

  it('enters at the close of the candle where the RSI crosses above oversold', () => {
    expect(signals(dipAndRecovery).slice(0, 6)).toEqual([
      Signal.None,
      Signal.None,
      Signal.None,
      Signal.None,
      Signal.None,
      Signal.Enter,
    ]);
  });

  it('exits at the close of the candle where the RSI crosses above overbought', () => {
    expect(signals(dipAndRecovery)[6]).toBe(Signal.Exit);
  });

  it('says nothing when the RSI crosses down, or stays on one side of a level', () => {
    // RSI 75 → 37.5 → 18.75 → 9.375 → 9.375 → 3.125: down through both levels, never up
    const out = signals([...dipAndRecovery, 7, 6, 5, 5, 4]);

    expect(out.slice(7)).toEqual([Signal.None, Signal.None, Signal.None, Signal.None, Signal.None]);
  });

  it('uses the oversold and overbought levels it is given', () => {
    // with oversold 60 the move to 50 is no cross; 75 crosses 60 and is below overbought 80
    const out = signals(dipAndRecovery, { period: 2, oversold: 60, overbought: 80 });

    expect(out.slice(5)).toEqual([Signal.None, Signal.Enter]);
  });

  it("signals where trading-signals' RSI crosses the levels, on real candles", async () => {
    const candles = await readOhlcvFile(join(defaultDataDir, 'LTC_BTC-5m.json'));
    const run = rsiReversion.create({ period: 14, oversold: 30, overbought: 70 }).start();
    const rsi = new RSI(14);
    let previous: number | null = null;
    const expected: Signal[] = [];
    const actual: Signal[] = [];

    for (const candle of candles) {
      const value = rsi.add(candle.close);
      expected.push(
        previous === null || value === null
          ? Signal.None
          : previous <= 30 && value > 30
            ? Signal.Enter
            : previous <= 70 && value > 70
              ? Signal.Exit
              : Signal.None,
      );
      previous = value;
      actual.push(run.next(candle));
    }

    expect(actual.filter((s) => s === Signal.Enter).length).toBeGreaterThan(5);
    expect(actual.filter((s) => s === Signal.Exit).length).toBeGreaterThan(5);
    expect(actual).toEqual(expected);
  });

  it('decides on 10 periods plus one candle, within one 999-candle fetch', () => {
    expect(rsiReversion.create(rsiReversion.params.parse({})).warmup).toBe(141);
    expect(rsiReversion.create(rsiReversion.params.parse({ period: 99 })).warmup).toBe(991);
  });

  it('defaults to period 14, oversold 30 and overbought 70', () => {
    expect(rsiReversion.params.parse({})).toEqual({ period: 14, oversold: 30, overbought: 70 });
  });

  it.each([
    [{ oversold: 70, overbought: 30 }, 'oversold must be less than overbought'],
    [{ oversold: 50, overbought: 50 }, 'oversold must be less than overbought'],
    [{ period: 1 }, 'period'],
    [{ period: 100 }, 'period'],
    [{ period: 14.5 }, 'period'],
    [{ oversold: 0 }, 'oversold'],
    [{ overbought: 100 }, 'overbought'],
    [{ speed: 3 }, 'speed'],
  ])('refuses %o', (params, named) => {
    const result = rsiReversion.params.safeParse(params);

    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(named);
  });

  it('is a built-in strategy', () => {
    expect(strategies['rsi-reversion']).toBe(rsiReversion);
  });
});
