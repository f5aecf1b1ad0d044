import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTimeframe,
  DataFileError,
  describeFileName,
  parseOhlcvRows,
  readOhlcvFile,
  timeframeFromSpacing,
  writeOhlcvFile,
} from '../../../lib/market-data/ohlcv-file.js';
import { candleSeries } from '../../helpers/fakes.js';

const t = Date.UTC(2018, 0, 20);
const row = (time: number, close = 1) => [time, close, close, close, close, 10];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-ohlcv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseOhlcvRows', () => {
  it('turns [openTimeMs, open, high, low, close, volume] rows into candles', () => {
    expect(parseOhlcvRows([[t, 1, 2, 0.5, 1.5, 100]], 'f.json')).toEqual([
      { time: t, open: 1, high: 2, low: 0.5, close: 1.5, volume: 100 },
    ]);
  });

  it.each([
    [
      { rows: 1 },
      'f.json: expected a JSON array of [openTimeMs, open, high, low, close, volume] rows',
    ],
    [
      [row(t), [t + 60_000, 1, 2, 3]],
      'f.json: row 1 is not [openTimeMs, open, high, low, close, volume] (got [1516406460000,1,2,3])',
    ],
    [[row(t), row(t + 60_000), [t + 120_000, 1, 1, 1, '1', 1]], 'f.json: row 2 is not'],
    [[row(t), { time: t }], 'f.json: row 1 is not'],
    [[[1.5, 1, 1, 1, 1, 1]], 'f.json: row 0 has open time 1.5, not epoch milliseconds'],
    [
      [row(t), row(t)],
      'f.json: row 1 opens at 2018-01-20T00:00:00.000Z, not after row 0 (2018-01-20T00:00:00.000Z)',
    ],
  ])('names the bad row: %j', (raw, message) => {
    expect(() => parseOhlcvRows(raw, 'f.json')).toThrow(DataFileError);
    expect(() => parseOhlcvRows(raw, 'f.json')).toThrow(message);
  });
});

describe('readOhlcvFile', () => {
  it('says when the file is missing', async () => {
    await expect(readOhlcvFile(join(dir, 'nope.json'))).rejects.toThrow(
      `${join(dir, 'nope.json')}: no such file`,
    );
  });

  it('says when the file is not JSON', async () => {
    const path = join(dir, 'torn.json');
    await writeFile(path, '[[1516406400000, 1, 1, 1, 1, 1],');

    await expect(readOhlcvFile(path)).rejects.toThrow(`${path}: not valid JSON`);
  });
});

describe('writeOhlcvFile', () => {
  it('writes what readOhlcvFile reads back, and no temporary file stays behind', async () => {
    const path = join(dir, 'LTC_BTC-5m.json');
    const candles = candleSeries([0.017, 0.01700001, 0.0169999], t, 300_000);
    await writeFile(path, 'old content');

    await writeOhlcvFile(path, candles);

    expect(await readOhlcvFile(path)).toEqual(candles);
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveLength(3);
    expect(await readdir(dir)).not.toContainEqual(expect.stringContaining('.partial'));
  });
});

describe('timeframes and gaps', () => {
  it('reads symbol and timeframe from a BASE_QUOTE-TIMEFRAME.json name', () => {
    expect(describeFileName('data/LTC_BTC-5m.json')).toEqual({
      symbol: 'LTC/BTC',
      timeframe: '5m',
    });
    expect(describeFileName('data/history.json')).toBeUndefined();
  });

  it('infers the timeframe from the closest two candles, gaps notwithstanding', () => {
    const candles = parseOhlcvRows([row(t), row(t + 180_000), row(t + 240_000)], 'f');

    expect(timeframeFromSpacing(candles)).toBe('1m');
  });

  it('refuses candles off the timeframe grid, naming the row', () => {
    const candles = parseOhlcvRows([row(t), row(t + 300_000), row(t + 330_000)], 'f.json');

    expect(() => checkTimeframe(candles, '5m', 'f.json')).toThrow(
      'f.json: row 2 opens at 2018-01-20T00:05:30.000Z, not on the 5m grid',
    );
  });

  it('refuses a timeframe the candles are not spaced by', () => {
    const candles = parseOhlcvRows([row(t), row(t + 300_000)], 'f.json');

    expect(() => checkTimeframe(candles, '1m', 'f.json')).toThrow(
      'f.json: candles are 5m apart, not 1m',
    );
    expect(() => checkTimeframe(candles, '5m', 'f.json')).not.toThrow();
  });
});
