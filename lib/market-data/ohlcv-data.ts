import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Candle, candleFromRow, type Timeframe, Timeframes } from '../domain/candle.js';

/**
 * Folder of the shipped candle files, found next to this module so that it does not depend on the
 * working directory. Only the local runtime and tests use it; nothing bundled for Lambda does.
 */
export const defaultDataDir: string = fileURLToPath(new URL('./ohlcv/', import.meta.url));

/** One candle file: `BASE_QUOTE-TIMEFRAME.json`, an array of `[openTimeMs, o, h, l, c, v]` rows. */
export interface CandleFile {
  /** Unified symbol, e.g. `LTC/BTC`. */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly timeframe: Timeframe;
  readonly path: string;
}

const fileNamePattern = /^([A-Z0-9]+)_([A-Z0-9]+)-([0-9]+[mhd])\.json$/;

function isTimeframe(value: string): value is Timeframe {
  return (Timeframes as readonly string[]).includes(value);
}

/** Parses a candle file name; undefined when the name does not follow `BASE_QUOTE-TIMEFRAME.json`. */
export function parseCandleFileName(
  name: string,
): { base: string; quote: string; timeframe: Timeframe } | undefined {
  const match = fileNamePattern.exec(name);
  const [, base, quote, timeframe] = match ?? [];
  if (base === undefined || quote === undefined || timeframe === undefined) return undefined;
  if (!isTimeframe(timeframe)) return undefined;
  return { base, quote, timeframe };
}

/** Lists the candle files of `dir`, sorted by name; other files are ignored. */
export async function listCandleFiles(dir: string): Promise<CandleFile[]> {
  const names = (await readdir(dir)).sort();
  const files: CandleFile[] = [];
  for (const name of names) {
    const parsed = parseCandleFileName(name);
    if (parsed === undefined) continue;
    files.push({
      ...parsed,
      symbol: `${parsed.base}/${parsed.quote}`,
      path: resolve(join(dir, name)),
    });
  }
  return files;
}

// The files are up to ~1 MB each and every simulator in a test process serves the same ones, so
// they are parsed once per process. A failed read is dropped from the cache so a fix can be retried.
const cache = new Map<string, Promise<readonly Candle[]>>();

/** Reads and validates one candle file (cached per absolute path for the life of the process). */
export function loadCandles(path: string): Promise<readonly Candle[]> {
  const key = resolve(path);
  let loading = cache.get(key);
  if (loading === undefined) {
    loading = readCandles(key);
    cache.set(key, loading);
    loading.catch(() => cache.delete(key));
  }
  return loading;
}

async function readCandles(path: string): Promise<readonly Candle[]> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${path}: expected an array of OHLCV rows`);
  const candles: Candle[] = [];
  for (const [index, row] of raw.entries()) {
    if (
      !Array.isArray(row) ||
      !row.every((v): v is number => typeof v === 'number' && Number.isFinite(v))
    ) {
      throw new Error(`${path}: row ${index} is not an array of numbers: ${JSON.stringify(row)}`);
    }
    const candle = candleFromRow(row);
    const previous = candles.at(-1);
    // Lookups below are binary searches, which need strictly ascending open times.
    if (previous !== undefined && candle.time <= previous.time) {
      throw new Error(`${path}: row ${index} opens at ${candle.time}, not after the row before it`);
    }
    candles.push(Object.freeze(candle));
  }
  return Object.freeze(candles);
}

/** Index of the newest candle opened at or before `time`, or -1 when there is none. */
export function lastIndexAtOrBefore(candles: readonly Candle[], time: number): number {
  let lo = 0;
  let hi = candles.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const candle = candles[mid];
    if (candle !== undefined && candle.time <= time) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Index of the oldest candle opened at or after `time`; `candles.length` when there is none. */
export function firstIndexAtOrAfter(candles: readonly Candle[], time: number): number {
  return lastIndexAtOrBefore(candles, time - 1) + 1;
}
