import { join } from 'node:path';
import { simulatedMarket } from '../../lib/backtest/market.js';
import { runBacktest } from '../../lib/backtest/run-backtest.js';
import type { BotConfig } from '../../lib/config/schema.js';
import type { Candle } from '../../lib/domain/candle.js';
import { createStrategy } from '../../lib/domain/strategies/registry.js';
import { defaultDataDir } from '../../lib/market-data/ohlcv-data.js';
import { readOhlcvFile } from '../../lib/market-data/ohlcv-file.js';
import { median } from '../lib/stats.js';

export interface BacktestFigures {
  readonly candles: number;
  /** Median of `runBacktest`'s own `candlesPerSecond` over the timed runs. */
  readonly candlesPerSec: number;
  /** The first, untimed run's speed: what a one-off `npm run backtest` sees, JIT still cold. */
  readonly firstRunCandlesPerSec: number;
  readonly runs: number;
  readonly orders: number;
}

/**
 * `copies` back-to-back replays of `candles`, each shifted to open one timeframe after the one
 * before ends, so the series stays strictly ascending and on its grid (gaps inside kept).
 */
export function replayBackToBack(
  candles: readonly Candle[],
  copies: number,
  timeframeMs: number,
): Candle[] {
  const first = candles[0];
  const last = candles.at(-1);
  if (first === undefined || last === undefined) return [];
  const span = last.time - first.time + timeframeMs;
  const out: Candle[] = new Array(candles.length * copies);
  for (let k = 0; k < copies; k++) {
    const shift = k * span;
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i] as Candle;
      out[k * candles.length + i] = { ...c, time: c.time + shift };
    }
  }
  return out;
}

/**
 * Backtest speed: sma-cross (cdk.json's params) over the shipped ETH_BTC-1m candles replayed back
 * to back until there are at least `minCandles`, through `runBacktest`, once untimed and then
 * `runs` times.
 */
export async function measureBacktest(options: {
  config: BotConfig;
  minCandles: number;
  runs: number;
}): Promise<BacktestFigures> {
  const symbol = 'ETH/BTC';
  const source = await readOhlcvFile(join(defaultDataDir, 'ETH_BTC-1m.json'));
  const copies = Math.ceil(options.minCandles / source.length);
  const candles = replayBackToBack(source, copies, 60_000);
  const template = options.config.symbols.find((s) => s.strategy === 'sma-cross');
  const params = template?.params ?? { fast: 10, slow: 30 };
  const run = () =>
    runBacktest({
      symbol,
      timeframe: '1m',
      candles,
      strategy: createStrategy('sma-cross', params),
      market: simulatedMarket(symbol, source),
      risk: options.config.risk,
      feeRate: options.config.paper.feeRate,
      clientIdStyle: options.config.exchange.id,
    });
  const first = run();
  const speeds: number[] = [];
  for (let k = 0; k < options.runs; k++) speeds.push(run().candlesPerSecond);
  return {
    candles: first.summary.candles,
    candlesPerSec: Math.round(median(speeds)),
    firstRunCandlesPerSec: Math.round(first.candlesPerSecond),
    runs: options.runs,
    orders: first.summary.orders,
  };
}
