import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tradeRecords } from '../../lib/backtest/backtest-output.js';
import { simulatedMarket } from '../../lib/backtest/market.js';
import { type BacktestResult, runBacktest } from '../../lib/backtest/run-backtest.js';
import { type BotConfig, exchangeIds, fixedSymbols, parseConfig } from '../../lib/config/schema.js';
import { timeframeMs } from '../../lib/domain/candle.js';
import { createStrategy } from '../../lib/domain/strategies/registry.js';
import { readRunState, runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';
import { defaultDataDir } from '../../lib/market-data/ohlcv-data.js';
import { readOhlcvFile } from '../../lib/market-data/ohlcv-file.js';

// 100 five-minute ticks from the first one runLocal can warm up for (about 20 s): LTC/BTC and
// ETC/BTC trade 5 times each in them with sma-cross 10/30.
const ticks = 100;
const symbols = [
  { symbol: 'LTC/BTC', file: 'LTC_BTC-5m.json' },
  { symbol: 'ETC/BTC', file: 'ETC_BTC-5m.json' },
];
const tf = timeframeMs('5m');

describe.each(exchangeIds)('backtest parity with npm start on %s', (id) => {
  let dir: string;
  let config: BotConfig;
  let summary: RunSummary;
  let firstTick: number;

  type Trade = {
    side: string;
    candleTime: number;
    price: number;
    amount: number;
    clientOrderId: string;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickfan-parity-'));
    config = parseConfig({
      exchange: { id },
      schedule: { expression: 'rate(5 minutes)' },
      symbols: symbols.map(({ symbol }) => ({
        symbol,
        timeframe: '5m',
        strategy: 'sma-cross',
        params: { fast: 10, slow: 30 },
      })),
    });
    summary = await runLocal({ config, ticks, stateDir: dir, persist: false });
    const state = await readRunState(dir);
    firstTick = (state?.nextTickAt ?? 0) - ticks * tf;
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The backtest of `symbol` over the candles the pipeline's ticks decided on. */
  async function backtest(symbol: string, file: string): Promise<BacktestResult> {
    const candles = await readOhlcvFile(join(defaultDataDir, file));
    const strategyConfig = fixedSymbols(config).find((s) => s.symbol === symbol);
    return runBacktest({
      symbol,
      timeframe: '5m',
      candles,
      strategy: createStrategy('sma-cross', strategyConfig?.params),
      market: simulatedMarket(symbol, candles),
      risk: config.risk,
      feeRate: config.paper.feeRate,
      clientIdStyle: config.exchange.id,
      quoteBalance: config.paper.balances.BTC ?? 0,
      // a tick at T decides on the candle that closed at T
      from: firstTick - tf,
      to: firstTick + (ticks - 1) * tf - tf,
    });
  }

  it('ran every tick of the pipeline without a failure or a skip', () => {
    expect(summary).toMatchObject({ ticks, failed: 0, deadLettered: 0 });
    expect(summary.skipped).toMatchObject({ stale: 0 });
  });

  it.each(symbols)(
    'trades $symbol on the same candles, sides, amounts and client ids as the pipeline',
    async ({ symbol, file }) => {
      const pipeline: Trade[] = summary.trades
        .filter((t) => t.symbol === symbol)
        .map(({ side, candleTime, price, amount, clientOrderId }) => ({
          side,
          candleTime,
          price,
          amount,
          clientOrderId,
        }));
      const result = await backtest(symbol, file);
      const backtested: Trade[] = tradeRecords(result).map(
        ({ side, candleTime, price, amount, clientOrderId }) => ({
          side,
          candleTime,
          price,
          amount,
          clientOrderId,
        }),
      );

      expect(result.summary.candles).toBe(ticks);
      expect(pipeline.length).toBeGreaterThanOrEqual(4);
      // exact, prices included: a shift by one candle, a missed or an extra order changes these
      expect(backtested).toEqual(pipeline);
    },
  );
});
