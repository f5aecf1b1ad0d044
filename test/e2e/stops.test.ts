import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedMarket } from '../../lib/backtest/market.js';
import { runBacktest } from '../../lib/backtest/run-backtest.js';
import { type BotConfig, exchangeIds, parseConfig } from '../../lib/config/schema.js';
import { type Candle, timeframeMs } from '../../lib/domain/candle.js';
import { stopClientOrderId } from '../../lib/domain/stop.js';
import { createStrategy } from '../../lib/domain/strategies/registry.js';
import { readRunState, runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';
import { defaultDataDir } from '../../lib/market-data/ohlcv-data.js';
import { readOhlcvFile, writeOhlcvFile } from '../../lib/market-data/ohlcv-file.js';

// LTC/BTC fell about 14 % on the evening of 2018-01-16. rsi-reversion buys the dip at the
// 21:40 close (0.01610351); the fall goes on, and the stop resting 5 % below the entry
// (0.015298) is crossed inside the 22:25 candle, which opens above it.
const tf = timeframeMs('5m');
// rsi-reversion warms up on 141 candles (almost 12 hours), so the data starts that much earlier.
const dataFrom = Date.UTC(2018, 0, 16, 8, 0);
const dataTo = Date.UTC(2018, 0, 17, 0, 0);
const ticks = 40;

describe.each(exchangeIds)('a stop resting on %s through a sharp fall', (id) => {
  let dir: string;
  let config: BotConfig;
  let summary: RunSummary;
  let candles: Candle[];
  let firstTick: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickfan-stops-'));
    const all = await readOhlcvFile(join(defaultDataDir, 'LTC_BTC-5m.json'));
    candles = all.filter((c) => c.time >= dataFrom && c.time < dataTo);
    await mkdir(join(dir, 'data'));
    await writeOhlcvFile(join(dir, 'data', 'LTC_BTC-5m.json'), candles);
    config = parseConfig({
      exchange: { id },
      schedule: { expression: 'rate(5 minutes)' },
      symbols: [{ symbol: 'LTC/BTC', timeframe: '5m', strategy: 'rsi-reversion' }],
      risk: { stoplossPct: 0.05 },
    });
    summary = await runLocal({
      config,
      ticks,
      stateDir: join(dir, 'state'),
      dataDir: join(dir, 'data'),
      persist: false,
    });
    const state = await readRunState(join(dir, 'state'));
    firstTick = (state?.nextTickAt ?? 0) - ticks * tf;
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ran every tick without a failure', () => {
    expect(summary).toMatchObject({ ticks, failed: 0, deadLettered: 0 });
  });

  it('fills the stop at its price inside the candle whose low crossed it, before the next tick', () => {
    // Prepare
    const entry = summary.trades.find((t) => t.side === 'buy');
    const stop = summary.trades.find((t) => t.reason === 'stoploss');
    const crossed = candles.find((c) => c.time === stop?.candleTime);

    // Assess
    expect(entry).toMatchObject({ candleTime: Date.UTC(2018, 0, 16, 21, 40) });
    expect(stop).toMatchObject({
      side: 'sell',
      candleTime: Date.UTC(2018, 0, 16, 22, 25),
      price: 0.015298,
      amount: entry?.amount,
    });
    expect(stop?.clientOrderId).toBe(stopClientOrderId(entry?.clientOrderId ?? '', 1, id));
    // Inside the candle: it opened above the stop and its low went through it.
    expect(crossed?.open).toBeGreaterThan(stop?.price ?? 0);
    expect(crossed?.low).toBeLessThanOrEqual(stop?.price ?? 0);
    // No candle between the entry and it reached the stop.
    const between = candles.filter(
      (c) => c.time > (entry?.candleTime ?? 0) && c.time < (stop?.candleTime ?? 0),
    );
    expect(between.every((c) => c.low > (stop?.price ?? 0))).toBe(true);
  });

  it('ends with every open position holding its stop, and the positions equal to the fills', () => {
    expect(summary.positions.withStopOnExchange).toBe(summary.positions.open);
    expect(summary.orders).toMatchObject({ duplicates: 0, intents: summary.orders.exchange });
    const own = summary.perSymbol['LTC/BTC'];
    expect(own?.position).toBeCloseTo(own?.exchangePosition ?? Number.NaN, 10);
  });

  it('is reproduced by the backtest of the same span: candle, price, amount and client id', () => {
    // Act
    const backtest = runBacktest({
      symbol: 'LTC/BTC',
      timeframe: '5m',
      candles,
      strategy: createStrategy('rsi-reversion', config.symbols[0]?.params),
      market: simulatedMarket('LTC/BTC', candles),
      risk: config.risk,
      feeRate: config.paper.feeRate,
      clientIdStyle: config.exchange.id,
      quoteBalance: config.paper.balances.BTC ?? 0,
      from: firstTick - tf,
      to: firstTick + (ticks - 1) * tf - tf,
    });

    // Assess
    const shape = (t: {
      side: string;
      candleTime: number;
      price: number;
      amount: number;
      clientOrderId: string;
    }) => ({
      side: t.side,
      candleTime: t.candleTime,
      price: t.price,
      amount: t.amount,
      clientOrderId: t.clientOrderId,
    });
    expect(summary.trades.map(shape)).toEqual(backtest.trades.map(shape));
    expect(backtest.trades.map((t) => t.reason ?? '')).toContain('stoploss');
  });
});
