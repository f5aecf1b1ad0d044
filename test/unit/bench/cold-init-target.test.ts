import { describe, expect, it } from 'vitest';
import { type BenchResults, rowsOf } from '../../../bench/results.js';
import type { ColdInitFigures } from '../../../bench/sections/cold-init.js';

/** Cold-init figures with the bench's build and the deployed asset at the given floor ratios. */
function coldInit(benchBuild: number, deployed: number): ColdInitFigures {
  const binanceOnlyMs = 200;
  return {
    tradeMs: benchBuild * binanceOnlyMs,
    fullCcxtMs: 800,
    emptyNodeMs: 50,
    ratio: (benchBuild * binanceOnlyMs) / 800,
    ratioToExchangeFloor: benchBuild,
    awsSdkMs: 50,
    awsSdkPackages: [],
    binanceOnlyMs,
    floorRatio: 0.25,
    tradeBytes: 1_100_000,
    deployed: {
      tradeMs: deployed * binanceOnlyMs,
      tradeBytes: 1_100_000,
      ratio: (deployed * binanceOnlyMs) / 800,
      ratioToExchangeFloor: deployed,
      toBenchBuild: deployed / benchBuild,
      awsSdkPackages: [],
      source: 'synthesized',
      environment: [],
    },
    runs: 12,
  };
}

describe('the cold-init target', () => {
  it('judges the trade init against the exchange class alone, at most 1.2, for both builds', () => {
    const results: BenchResults = {
      date: '2026-12-02T00:00:00.000Z',
      coldInit: coldInit(1.1, 1.3),
    };

    const rows = rowsOf(results);
    const verdict = (figure: string) => rows.find((r) => r.figure === figure)?.verdict;

    expect(verdict('ratioToExchangeFloor')).toBe('pass');
    expect(verdict('deployed.ratioToExchangeFloor')).toBe('miss');
    expect(rows.find((r) => r.figure === 'ratioToExchangeFloor')?.target).toBe('<= 1.2');
  });

  it("judges okx's and kraken's bench builds against their own class alone", () => {
    const results: BenchResults = {
      date: '2026-12-07T00:00:00.000Z',
      coldInit: {
        ...coldInit(1.1, 1.3),
        exchanges: {
          binance: { tradeMs: 220, classOnlyMs: 200, ratioToExchangeFloor: 1.1 },
          okx: { tradeMs: 230, classOnlyMs: 200, ratioToExchangeFloor: 1.15 },
          kraken: { tradeMs: 300, classOnlyMs: 150, ratioToExchangeFloor: 2 },
        },
      },
    };

    const rows = rowsOf(results);
    const of = (figure: string) => rows.find((r) => r.figure === figure);

    expect(of('exchanges.okx.ratioToExchangeFloor')).toMatchObject({
      verdict: 'pass',
      target: '<= 1.2',
    });
    expect(of('exchanges.kraken.ratioToExchangeFloor')?.verdict).toBe('miss');
    // binance's is the ratioToExchangeFloor row itself.
    expect(of('exchanges.binance.ratioToExchangeFloor')).toBeUndefined();
  });

  it('no longer judges the ratio to the full ccxt import', () => {
    // 0.55 and 0.65 of full ccxt: misses under the old 0.25 target, no verdict now.
    const rows = rowsOf({ date: '2026-12-02T00:00:00.000Z', coldInit: coldInit(1.1, 1.3) });

    for (const figure of ['ratio', 'deployed.ratio']) {
      const row = rows.find((r) => r.figure === figure);
      expect(row?.target).toBe('');
      expect(row?.verdict).toBe('');
    }
  });
});
