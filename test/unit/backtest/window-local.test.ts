import { join } from 'node:path';
import { RSI } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { simulatedMarket } from '../../../lib/backtest/market.js';
import { runBacktest } from '../../../lib/backtest/run-backtest.js';
import type { Timeframe } from '../../../lib/domain/candle.js';
import {
  createStrategy,
  type StrategyName,
  strategyNames,
  windowLocal,
} from '../../../lib/domain/strategies/registry.js';
import { defaultDataDir } from '../../../lib/market-data/ohlcv-data.js';
import { readOhlcvFile } from '../../../lib/market-data/ohlcv-file.js';

// Real candles: LTC/BTC has no gap, XMR/BTC has 1,416 (so most of its windows are cut short).
const files = [
  { symbol: 'LTC/BTC', timeframe: '5m', file: 'LTC_BTC-5m.json' },
  { symbol: 'XMR/BTC', timeframe: '1m', file: 'XMR_BTC-1m.json' },
] as const satisfies readonly { symbol: string; timeframe: Timeframe; file: string }[];

async function bothWays(name: StrategyName, params: object, data: (typeof files)[number]) {
  const candles = await readOhlcvFile(join(defaultDataDir, data.file));
  const input = {
    symbol: data.symbol,
    timeframe: data.timeframe,
    candles,
    strategy: createStrategy(name, params),
    market: simulatedMarket(data.symbol, candles),
    risk: { stakePerTrade: 0.01, maxPosition: 0.05 },
    feeRate: 0.001,
    clientIdStyle: 'binance' as const,
  };
  return {
    continuous: runBacktest({ ...input, windowLocal: true }),
    windowed: runBacktest({ ...input, windowLocal: false }),
  };
}

const markedLocal = strategyNames.filter((name) => windowLocal[name]);

describe('windowLocal', () => {
  it('marks sma-cross, whose averages are sums over their own window', () => {
    expect(markedLocal).toContain('sma-cross');
  });

  describe.each(markedLocal)('%s, marked window-local', (name) => {
    it.each(files)(
      'decides on $file from one continuous run exactly as from a fresh run per window',
      async (data) => {
        const { continuous, windowed } = await bothWays(name, {}, data);

        expect(continuous.trades.length).toBeGreaterThan(10);
        expect(continuous.trades).toEqual(windowed.trades);
        expect([...continuous.equity]).toEqual([...windowed.equity]);
      },
    );
  });

  it('holds for sma-cross with other periods too', async () => {
    const { continuous, windowed } = await bothWays('sma-cross', { fast: 3, slow: 7 }, files[1]);

    expect(continuous.trades.length).toBeGreaterThan(10);
    expect(continuous.trades).toEqual(windowed.trades);
  });

  it('is false for rsi-reversion: its Wilder RSI keeps history from before the window', async () => {
    const candles = await readOhlcvFile(join(defaultDataDir, 'LTC_BTC-5m.json'));
    const warmup = createStrategy('rsi-reversion', {}).warmup;
    const continuous = new RSI(14);
    const differences: number[] = [];

    for (const [i, candle] of candles.entries()) {
      const whole = continuous.add(candle.close);
      if (i < 2 * warmup || i % 50 !== 0) continue;
      const windowed = new RSI(14);
      let value: number | null = null;
      for (const c of candles.slice(i - warmup + 1, i + 1)) value = windowed.add(c.close);
      differences.push(Math.abs((whole ?? 0) - (value ?? 0)));
    }

    expect(windowLocal['rsi-reversion']).toBe(false);
    expect(differences.some((d) => d > 0)).toBe(true);
    // ... though the window is long enough for the difference to stay far below a point of RSI
    expect(Math.max(...differences)).toBeLessThan(0.1);
  });
});
