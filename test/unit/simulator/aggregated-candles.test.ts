import { beforeAll, describe, expect, it } from 'vitest';
import { type Candle, type Timeframe, timeframeMs } from '../../../lib/domain/candle.js';
import { roundToWire } from '../../../lib/market-data/market-rules.js';
import { MatchingEngine } from '../../../lib/simulator/matching-engine.js';
import { loadSimMarkets, type SimMarket } from '../../../lib/simulator/sim-markets.js';
import { loadSyntheticMarket } from '../../../lib/simulator/synthetic-markets.js';

const minute = 60_000;
/** 2018-01-25 12:07:30 UTC: inside the 5m bucket of 12:05, whose 1m candles 12:05-12:07 opened. */
const now = Date.UTC(2018, 0, 25, 12, 7, 30);

let markets: SimMarket[];

beforeAll(async () => {
  // ETH/BTC has a 1m file only; XRP/ETH has a 1m and a 5m file.
  markets = await loadSimMarkets(undefined, ['ETH/BTC', 'XRP/ETH']);
});

function engineAt(at: number, served: readonly SimMarket[] = markets): MatchingEngine {
  return new MatchingEngine(served, { clock: { now: () => at } });
}

/**
 * The buckets of `tf` the candles fall in, computed here by remainders rather than the engine's
 * floor: open of the first, highest high, lowest low, close of the last, summed volume.
 */
function expectedBuckets(candles: readonly Candle[], tf: number): Candle[] {
  const groups = new Map<number, Candle[]>();
  for (const c of candles) {
    const start = c.time - (c.time % tf);
    groups.set(start, [...(groups.get(start) ?? []), c]);
  }
  return [...groups].map(([time, group]) => ({
    time,
    open: (group[0] as Candle).open,
    high: Math.max(...group.map((c) => c.high)),
    low: Math.min(...group.map((c) => c.low)),
    close: (group.at(-1) as Candle).close,
    volume: roundToWire(group.reduce((sum, c) => sum + c.volume, 0)),
  }));
}

/** A 1m-only market of `candles`, which counts how often its candles are read. */
function countingMarket(candles: readonly Candle[]): { market: SimMarket; reads: () => number } {
  let reads = 0;
  const counted = new Proxy([...candles], {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^[0-9]+$/.test(property)) reads++;
      return Reflect.get(target, property, receiver);
    },
  });
  const market: SimMarket = {
    symbol: 'LTC/BTC',
    base: 'LTC',
    quote: 'BTC',
    series: new Map([['1m', counted]]),
    finest: '1m',
    rules: { tickSize: 0.000001, stepSize: 0.01, minQty: 0.01, minNotional: 0.0001 },
  };
  return { market, reads: () => reads };
}

/** `n` 1m candles from `start`, each its own prices and volume. */
function minutes(start: number, n: number): Candle[] {
  return Array.from({ length: n }, (_, i) => ({
    time: start + i * minute,
    open: 1 + i,
    high: 2 + i,
    low: 0.5 + i,
    close: 1.5 + i,
    volume: 10 + i,
  }));
}

describe('candles a market serves beyond its files', () => {
  it.each<Timeframe>(['3m', '5m', '15m', '1h', '4h'])(
    'builds %s candles of a 1m-only market from its 1m file, in buckets opened on epoch multiples',
    (timeframe) => {
      // Prepare
      const sim = engineAt(now);
      const oneMinute = sim.candles('ETH/BTC', '1m');
      const tf = timeframeMs(timeframe);
      const closedBy = (at: number) => oneMinute.filter((c) => c.time < at - (at % tf));

      // Act
      const served = sim.servedCandles('ETH/BTC', timeframe, {
        endTime: now - (now % tf) - 1,
        limit: 1000,
      });

      // Assess
      const expected = expectedBuckets(closedBy(now), tf).slice(-1000);
      expect(served.length).toBeGreaterThan(10);
      expect(served).toEqual(expected);
      expect(served.every((c) => c.time % tf === 0)).toBe(true);
    },
  );

  it('opens a built day at UTC midnight and a built 4h candle on the UTC hours 0, 4, 8, ...', () => {
    // Prepare
    const sim = engineAt(now);

    // Act
    const days = sim.candles('ETH/BTC', '1d');
    const fourHours = sim.candles('ETH/BTC', '4h');

    // Assess: the 1m file runs from 2018-01-20 04:53 to 2018-01-30 04:50
    expect(days.map((c) => new Date(c.time).toISOString())).toEqual(
      Array.from({ length: 11 }, (_, i) => `2018-01-${20 + i}T00:00:00.000Z`),
    );
    expect(new Set(fourHours.map((c) => new Date(c.time).getUTCHours()))).toEqual(
      new Set([0, 4, 8, 12, 16, 20]),
    );
    expect(fourHours.every((c) => new Date(c.time).getUTCMinutes() === 0)).toBe(true);
  });

  it('serves the forming bucket as the 1m candles opened by now make it, as the 1m series serves them', () => {
    // Prepare
    const sim = engineAt(now);
    const opened = sim.servedCandles('ETH/BTC', '1m', { startTime: now - 150_000, limit: 10 });
    const bucket = Date.UTC(2018, 0, 25, 12, 5);

    // Act
    const [closed, forming] = sim.servedCandles('ETH/BTC', '5m', { limit: 2 });

    // Assess
    expect(opened.map((c) => c.time)).toEqual([bucket, bucket + minute, bucket + 2 * minute]);
    expect(closed?.time).toBe(bucket - 5 * minute);
    expect(forming).toEqual(expectedBuckets(opened, 5 * minute)[0]);
    const full = sim.candles('ETH/BTC', '5m').find((c) => c.time === bucket);
    expect(forming?.volume).toBeLessThan(full?.volume ?? 0);
  });

  it('serves no bucket whose 1m candles all open after now, and none the data has no candle in', () => {
    // Prepare: 1m candles of 12:00-12:04 and 12:12-12:14; now is 12:10:30
    const noon = Date.UTC(2018, 0, 25, 12);
    const { market } = countingMarket([...minutes(noon, 5), ...minutes(noon + 12 * minute, 3)]);
    const sim = engineAt(noon + 10 * minute + 30_000, [market]);

    // Act
    const fiveMinute = sim.servedCandles('LTC/BTC', '5m', { limit: 10 });
    const all = sim.candles('LTC/BTC', '5m');

    // Assess: 12:05 had no trade; 12:10 has none opened by now
    expect(fiveMinute.map((c) => c.time)).toEqual([noon]);
    expect(all.map((c) => c.time)).toEqual([noon, noon + 10 * minute]);
  });

  it('builds nothing until a timeframe is asked for, then builds it once', () => {
    // Prepare
    const noon = Date.UTC(2018, 0, 25, 12);
    const { market, reads } = countingMarket(minutes(noon, 60));
    const sim = engineAt(noon + 61 * minute, [market]);
    const atStart = reads();

    // Act
    const first = sim.candles('LTC/BTC', '15m');
    const afterFirst = reads();
    const second = sim.candles('LTC/BTC', '15m');

    // Assess
    expect(atStart).toBe(0);
    expect(afterFirst).toBeGreaterThanOrEqual(60);
    expect(reads()).toBe(afterFirst);
    expect(second).toBe(first);
    expect(first).toEqual(expectedBuckets(minutes(noon, 60), 15 * minute));
  });

  it("serves a timeframe's file over candles its finest would build", () => {
    // Prepare
    const sim = engineAt(Date.UTC(2019, 9, 12, 12, 7, 30));
    const file = markets.find((m) => m.symbol === 'XRP/ETH')?.series.get('5m');

    // Act
    const served = sim.servedCandles('XRP/ETH', '5m', { limit: 3 });

    // Assess: the file's forming candle shows its final values, as before
    expect(served).toEqual(
      file?.filter((c) => c.time <= Date.UTC(2019, 9, 12, 12, 7, 30)).slice(-3),
    );
    expect(sim.candles('XRP/ETH', '5m')).toBe(file);
  });

  it('builds a synthetic market’s candles as those of its moved 1m candles', async () => {
    // Prepare: S0001 replays ADA/BTC's 1m file moved one minute later, so its buckets take the
    // source's candles in another phase
    const synthetic = await loadSyntheticMarket(1);
    expect(synthetic.finest).toBe('1m');
    const sim = engineAt(now, [synthetic]);
    const moved = [...sim.candles(synthetic.symbol, '1m')];

    // Act
    const fiveMinute = sim.candles(synthetic.symbol, '5m');
    const day = sim.candles(synthetic.symbol, '1d');

    // Assess
    expect([...fiveMinute]).toEqual(expectedBuckets(moved, 5 * minute));
    expect([...day]).toEqual(expectedBuckets(moved, 1440 * minute));
  });
});
