import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Candle } from '../../../lib/domain/candle.js';
import { SimClock } from '../../../lib/local/sim-clock.js';
import { EngineSnapshotFile } from '../../../lib/simulator/engine-snapshot.js';
import { startSimulator } from '../../../lib/simulator/exchange-simulator.js';
import { type EngineState, MatchingEngine } from '../../../lib/simulator/matching-engine.js';
import type { SimMarket } from '../../../lib/simulator/sim-markets.js';

const minute = 60_000;
const t0 = Date.UTC(2018, 0, 20, 12, 0);
const rules = { tickSize: 0.000001, stepSize: 0.01, minQty: 0.01, minNotional: 0.0001 };

/** 1m candles from t0 with the given lows; open and close 0.012, high 0.02. */
function market(lows: readonly number[]): SimMarket {
  const series: Candle[] = lows.map((low, i) => ({
    time: t0 + i * minute,
    open: 0.012,
    high: 0.02,
    low,
    close: 0.012,
    volume: 100,
  }));
  return {
    symbol: 'LTC/BTC',
    base: 'LTC',
    quote: 'BTC',
    series: new Map([['1m', series]]),
    finest: '1m',
    rules,
  };
}

function engineAt(start: number, lows: readonly number[] = [0.011, 0.011, 0.007]) {
  let now = start;
  const engine = new MatchingEngine([market(lows)], {
    clock: { now: () => now },
    balances: { BTC: 1, LTC: 2 },
    feeRate: 0.001,
  });
  return { engine, at: (time: number) => (now = time) };
}

describe('MatchingEngine state', () => {
  it('restores into a new engine the orders, fills, resting stops, balances and next id', () => {
    // Prepare
    const { engine: before } = engineAt(t0 + minute + 10_000);
    before.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount: 1, clientOrderId: 'b1' });
    before.placeStopOrder({
      symbol: 'LTC/BTC',
      side: 'sell',
      amount: 1,
      stopPrice: 0.008,
      clientOrderId: 's1',
    });
    // A round trip through JSON, as the file makes it.
    const saved = JSON.parse(JSON.stringify(before.exportState())) as EngineState;

    // Act
    const { engine: after, at } = engineAt(t0 + minute + 20_000);
    after.importState(saved);

    // Assess
    expect(after.orders).toEqual(before.orders);
    expect(after.openOrders()).toEqual(before.openOrders());
    expect(after.balances()).toEqual(before.balances());
    expect(after.lockedBalances()).toEqual(before.lockedBalances());
    expect(after.findOrder('LTC/BTC', { clientOrderId: 'b1' })?.orderId).toBe(1);
    expect(after.placeMarketOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 0.5 }).orderId).toBe(
      3,
    );
    // The restored stop still rests, and fills in the candle that reaches it.
    at(t0 + 3 * minute);
    expect(after.findOrder('LTC/BTC', { clientOrderId: 's1' })).toMatchObject({
      status: 'filled',
      price: 0.008,
      fillCandleTime: t0 + 2 * minute,
    });
  });

  it('tells of every change before the call that made it returns', () => {
    // Prepare
    const { engine, at } = engineAt(t0 + minute + 10_000);
    const seen: string[][] = [];
    engine.onChange(() => seen.push(engine.exportState().orders.map((o) => o.status)));

    // Act
    engine.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount: 1 });
    engine.placeStopOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 1, stopPrice: 0.008 });
    engine.cancelOrder('LTC/BTC', { orderId: 2 });
    engine.placeStopOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 1, stopPrice: 0.008 });
    engine.balances();
    at(t0 + 3 * minute);
    engine.balances();

    // Assess: reads change nothing, until a read finds a stop the candles reached.
    expect(seen).toEqual([
      ['filled'],
      ['filled', 'open'],
      ['filled', 'cancelled'],
      ['filled', 'cancelled', 'open'],
      ['filled', 'cancelled', 'filled'],
    ]);
  });
});

describe('startSimulator with a state file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickfan-engine-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts the next simulator on the account the last one left, as a kill left it', async () => {
    // Prepare
    const stateFile = join(dir, 'exchange.json');
    const clock = new SimClock(Date.parse('2018-01-10T06:00:00Z'));
    const first = await startSimulator({ clock, symbols: ['LTC/BTC'], stateFile });
    const order = first.engine.placeMarketOrder({
      symbol: 'LTC/BTC',
      side: 'buy',
      amount: 1,
      clientOrderId: 'b1',
    });
    // No close: the file is all a killed process leaves.
    const balances = first.balances();

    // Act
    const second = await startSimulator({ clock, symbols: ['LTC/BTC'], stateFile });

    // Assess
    try {
      expect(second.orders).toEqual([order]);
      expect(second.balances()).toEqual(balances);
      expect(new EngineSnapshotFile<EngineState>(stateFile).load()?.nextOrderId).toBe(2);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
