import { afterEach, describe, expect, it } from 'vitest';
import { exchangeClients } from '../../lib/adapters/exchanges/clients.js';
import { exchangeIds } from '../../lib/config/schema.js';
import type { Candle } from '../../lib/domain/candle.js';
import { roundToWire } from '../../lib/market-data/market-rules.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { wireOf } from '../../lib/simulator/wires.js';
import { BadRequest } from '../../node_modules/ccxt/js/src/base/errors.js';

/** 2018-01-25 12:07:30 UTC: inside the 5m bucket of 12:05, whose 1m candles 12:05-12:07 opened. */
const now = Date.UTC(2018, 0, 25, 12, 7, 30);
const fiveMinutes = 300_000;
const since = Date.UTC(2018, 0, 25, 11, 10);

let sim: ExchangeSimulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * The 5m candles from `since` to now, computed here from the 1m candles the simulator loaded:
 * buckets opened on multiples of five minutes, the newest summing the 1m candles opened by now.
 */
function fiveMinuteCandles(oneMinute: readonly Candle[]): number[][] {
  const groups = new Map<number, Candle[]>();
  for (const c of oneMinute.filter((c) => c.time >= since && c.time <= now)) {
    const start = c.time - (c.time % fiveMinutes);
    groups.set(start, [...(groups.get(start) ?? []), c]);
  }
  return [...groups].map(([time, group]) => [
    time,
    (group[0] as Candle).open,
    Math.max(...group.map((c) => c.high)),
    Math.min(...group.map((c) => c.low)),
    (group.at(-1) as Candle).close,
    roundToWire(group.reduce((sum, c) => sum + c.volume, 0)),
  ]);
}

describe.each(exchangeIds)('the %s simulator through its ccxt class', (id) => {
  it('serves 5m candles of a market it has 1m candles of only, built from them', async () => {
    // Prepare
    sim = await startSimulator({
      clock: { now: () => now },
      symbols: ['ETH/BTC'],
      wire: wireOf(id),
    });
    const client = exchangeClients[id]({ url: sim.url });
    expect(sim.timeframe('ETH/BTC')).toBe('1m');

    // Act
    const rows = await client.fetchOHLCV('ETH/BTC', '5m', since, 100);

    // Assess: 11:10 to the forming 12:05
    const expected = fiveMinuteCandles(sim.candles('ETH/BTC', '1m'));
    expect(expected).toHaveLength(12);
    expect(rows).toEqual(expected);
  });

  it('refuses 1m candles of a market it has 5m candles of only, as the exchange refuses an interval', async () => {
    // Prepare
    sim = await startSimulator({
      clock: { now: () => now },
      symbols: ['LTC/BTC'],
      wire: wireOf(id),
    });
    const client = exchangeClients[id]({ url: sim.url });

    // Act
    const refused = await client.fetchOHLCV('LTC/BTC', '1m', since, 10).catch((e: unknown) => e);
    const served = await client.fetchOHLCV('LTC/BTC', '15m', since, 10);

    // Assess
    expect(refused).toBeInstanceOf(BadRequest);
    expect(served.map((r) => r[0])).toEqual([
      since + 5 * 60_000,
      since + 20 * 60_000,
      since + 35 * 60_000,
      since + 50 * 60_000,
    ]);
  });
});
