import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tradeRecords } from '../../../lib/backtest/backtest-output.js';
import { runBacktest } from '../../../lib/backtest/run-backtest.js';
import { parseConfig } from '../../../lib/config/schema.js';
import { timeframeMs } from '../../../lib/domain/candle.js';
import { createStrategy, type StrategyName } from '../../../lib/domain/strategies/registry.js';
import { defaultDataDir } from '../../../lib/market-data/ohlcv-data.js';
import { readOhlcvFile } from '../../../lib/market-data/ohlcv-file.js';
import { processSymbolTick } from '../../../lib/use-cases/process-symbol-tick.js';
import {
  FakeBroker,
  FakeClock,
  FakeMarketData,
  InMemoryStore,
  RecordingMetrics,
  testMarket,
} from '../../helpers/fakes.js';

const symbol = 'XMR/BTC';
const tf = timeframeMs('1m');

/**
 * Runs the trade function's use case once per minute over real XMR/BTC candles, gaps included
 * (the first 900 candles miss 130 minutes), on in-memory ports; returns its filled orders.
 */
async function live(strategy: StrategyName, params: Record<string, unknown>) {
  const candles = (await readOhlcvFile(join(defaultDataDir, 'XMR_BTC-1m.json'))).slice(0, 900);
  const config = parseConfig({
    schedule: { expression: 'rate(1 minute)' },
    symbols: [{ symbol, timeframe: '1m', strategy, params }],
  });
  const store = new InMemoryStore();
  const broker = new FakeBroker();
  const first = candles[0]?.time ?? 0;
  const last = candles.at(-1)?.time ?? 0;
  const skipped: number[] = [];
  for (let scheduledAt = first + tf; scheduledAt <= last + tf; scheduledAt += tf) {
    const result = await processSymbolTick(
      {
        market: new FakeMarketData(candles),
        broker,
        store,
        clock: new FakeClock(scheduledAt + 2_000),
        metrics: new RecordingMetrics(),
        config,
        sleep: async () => undefined,
      },
      { tick: { symbol, scheduledAt }, remainingMs: () => 25_000 },
    );
    if (result.status === 'skipped') skipped.push(scheduledAt - tf);
  }
  const orders = (await store.listOrders(symbol))
    .filter((o) => (o.filledAmount ?? 0) > 0)
    .sort((a, b) => a.candleTime - b.candleTime)
    .map((o) => ({
      side: o.side,
      candleTime: o.candleTime,
      price: o.averagePrice,
      amount: o.filledAmount,
      clientOrderId: o.clientOrderId,
    }));
  const backtest = runBacktest({
    symbol,
    timeframe: '1m',
    candles,
    strategy: createStrategy(strategy, params),
    market: testMarket(symbol),
    risk: config.risk,
    feeRate: config.paper.feeRate,
    clientIdStyle: config.exchange.id,
  });
  return { orders, skipped, backtest };
}

describe('runBacktest against processSymbolTick', () => {
  it.each([
    ['sma-cross', { fast: 10, slow: 30 }],
    ['sma-cross', { fast: 3, slow: 8 }],
    ['rsi-reversion', { period: 6 }],
  ] as const)(
    '%s %o trades exactly as the trade function does tick by tick, over gaps',
    async (strategy, params) => {
      const { orders, skipped, backtest } = await live(strategy, params);

      const trades = tradeRecords(backtest).map((t) => ({
        side: t.side,
        candleTime: t.candleTime,
        price: t.price,
        amount: t.amount,
        clientOrderId: t.clientOrderId,
      }));
      expect(orders.length).toBeGreaterThanOrEqual(4);
      expect(trades).toEqual(orders);
      // every tick of a missing candle was skipped as stale, and counted as such
      expect(skipped).toHaveLength(backtest.summary.missingCandles);
    },
  );
});
