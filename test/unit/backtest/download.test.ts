import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadCandles } from '../../../lib/backtest/download.js';
import type { Candle } from '../../../lib/domain/candle.js';
import { readOhlcvFile } from '../../../lib/market-data/ohlcv-file.js';
import { ExchangeUnavailableError, type MarketData } from '../../../lib/ports/market-data.js';
import { candleSeries, FakeClock } from '../../helpers/fakes.js';

const tf = 60_000;
const t0 = Date.UTC(2018, 0, 20);
// 25 closed one-minute candles; the exchange's clock is inside the 26th.
const candles = candleSeries(
  Array.from({ length: 25 }, (_, i) => 1 + i / 100),
  t0 + 24 * tf,
  tf,
);
const clock = new FakeClock(t0 + 25 * tf + 30_000);
let dir: string;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-download-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A market serving `candles` from `since`, failing the calls `failures` names (by call number). */
function market(failures: Record<number, Error> = {}) {
  const calls: number[] = [];
  const fake: Pick<MarketData, 'fetchCandles'> = {
    async fetchCandles({ since, limit }) {
      calls.push(since ?? -1);
      const failure = failures[calls.length];
      if (failure) throw failure;
      return candles.filter((c: Candle) => c.time >= (since ?? 0)).slice(0, limit);
    },
  };
  return { fake, calls };
}

function run(fake: Pick<MarketData, 'fetchCandles'>, waits: number[] = [], extra = {}) {
  files += 1;
  const out = join(dir, `out-${files}.json`);
  const result = downloadCandles({
    market: fake,
    clock,
    symbol: 'LTC/BTC',
    timeframe: '1m',
    since: t0,
    out,
    pageLimit: 10,
    saveEveryMs: 0,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });
  return { result, out };
}

const unavailable = () => new ExchangeUnavailableError('unavailable', 'HTTP 503');

describe('downloadCandles', () => {
  it('pages from since, each page after the newest candle of the last, until history ends', async () => {
    const { fake, calls } = market();
    const { result, out } = run(fake);

    expect(await result).toMatchObject({ candles: 25, added: 25, retries: 0, complete: true });
    expect(calls).toEqual([t0, t0 + 10 * tf, t0 + 20 * tf]);
    expect(await readOhlcvFile(out)).toEqual(candles);
  });

  it('backs off 0.5 s, 1 s, 2 s ... while the exchange is unavailable', async () => {
    const { fake } = market({ 2: unavailable(), 3: unavailable(), 4: unavailable() });
    const waits: number[] = [];
    const { result, out } = run(fake, waits);

    expect(await result).toMatchObject({ retries: 3, complete: true });
    expect(waits).toEqual([500, 1000, 2000]);
    expect(await readOhlcvFile(out)).toEqual(candles);
  });

  it('waits what a rate limit asks before asking again', async () => {
    const throttled = new ExchangeUnavailableError('rate-limit', '429', { retryAfterSeconds: 7 });
    const { fake } = market({ 1: throttled });
    const waits: number[] = [];

    await run(fake, waits).result;

    expect(waits).toEqual([7000]);
  });

  it('gives up after maxRetries, keeping the pages it has in the file', async () => {
    const failures = Object.fromEntries([2, 3, 4].map((n) => [n, unavailable()]));
    const { fake } = market(failures);
    const { result, out } = run(fake, [], { maxRetries: 2 });

    await expect(result).rejects.toThrow('HTTP 503');
    expect(await readOhlcvFile(out)).toEqual(candles.slice(0, 10));
  });

  it('does not retry an error a retry cannot fix', async () => {
    const { fake, calls } = market({ 1: new Error('the exchange has no market LTC/BTC') });

    await expect(run(fake).result).rejects.toThrow('no market');
    expect(calls).toHaveLength(1);
  });
});
