import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config/schema.js';
import { syntheticMarketsFor, withSyntheticSymbols } from '../../../lib/local/synthetic-symbols.js';
import { syntheticSymbols } from '../../../lib/simulator/synthetic-markets.js';
import { testConfig } from '../../helpers/config.js';

describe('syntheticMarketsFor', () => {
  it('takes the first synthetic markets in order when the schedule ticks every timeframe', () => {
    const config = testConfig({ schedule: { expression: 'rate(1 minute)' } });

    expect(syntheticMarketsFor(config, 12)).toEqual(syntheticSymbols(12));
  });

  it('passes over a market whose candles the schedule would miss, and still adds as many', () => {
    const config = testConfig();

    const markets = syntheticMarketsFor(config, 40);

    expect(markets).toHaveLength(40);
    expect(new Set(markets.map((m) => m.timeframe))).toEqual(new Set(['5m']));
    // the simulator's own order: a subsequence of its markets
    const all = syntheticSymbols(200).map((s) => s.symbol);
    const indexes = markets.map((m) => all.indexOf(m.symbol));
    expect(indexes.every((i, k) => i >= 0 && (k === 0 || i > (indexes[k - 1] ?? -1)))).toBe(true);
  });

  it('adds none for 0', () => {
    expect(syntheticMarketsFor(testConfig(), 0)).toEqual([]);
  });

  it('refuses in one line when no synthetic market is on candles the schedule ticks', () => {
    const config = testConfig({
      schedule: { expression: 'rate(15 minutes)' },
      symbols: [{ symbol: 'LTC/BTC', timeframe: '15m' }],
    });

    expect(() => syntheticMarketsFor(config, 3)).toThrow(
      /^--synthetic 3: the simulator has 0 synthetic markets the schedule rate\(15 minutes\) ticks/,
    );
  });
});

describe('withSyntheticSymbols', () => {
  it("adds the markets after the config's symbols, traded like its first symbol and enabled", () => {
    const config = testConfig();
    const markets = syntheticMarketsFor(config, 3);

    const added = withSyntheticSymbols(config, markets);

    expect(added.symbols.slice(0, 2)).toEqual(config.symbols);
    expect(added.symbols.slice(2)).toEqual(
      markets.map((m) => ({
        symbol: m.symbol,
        timeframe: m.timeframe,
        strategy: 'sma-cross',
        params: { fast: 2, slow: 4 },
        enabled: true,
      })),
    );
  });

  it('checks the result with the one schema, naming --synthetic', () => {
    // an account holding USDT only: the synthetic markets are quoted in BTC
    const config = testConfig({
      symbols: [{ symbol: 'BTC/USDT', timeframe: '5m' }],
      paper: { balances: { USDT: 100 } },
    });
    const markets = syntheticMarketsFor(config, 2);

    expect(() => withSyntheticSymbols(config, markets)).toThrow(ConfigError);
    expect(() => withSyntheticSymbols(config, markets)).toThrow(/^--synthetic 2 is invalid:/);
  });
});
