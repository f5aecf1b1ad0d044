import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Candle, type Timeframe, Timeframes, timeframeMs } from '../domain/candle.js';
import { parseCandleFileName } from './ohlcv-data.js';

/** A candle file that cannot be used as it is; the message names the file and the row. */
export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

const rowShape = '[openTimeMs, open, high, low, close, volume]';

/**
 * Validates parsed JSON as candle rows: an array of `[openTimeMs, open, high, low, close,
 * volume]`, six finite numbers each, open times strictly ascending.
 *
 * @throws {@link DataFileError} naming `source` and the first bad row's index.
 */
export function parseOhlcvRows(raw: unknown, source: string): Candle[] {
  if (!Array.isArray(raw)) {
    throw new DataFileError(`${source}: expected a JSON array of ${rowShape} rows`);
  }
  const candles: Candle[] = new Array(raw.length);
  let previous = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < raw.length; index++) {
    const row: unknown = raw[index];
    if (
      !Array.isArray(row) ||
      row.length !== 6 ||
      !row.every((v): v is number => typeof v === 'number' && Number.isFinite(v))
    ) {
      throw new DataFileError(
        `${source}: row ${index} is not ${rowShape} (got ${truncate(JSON.stringify(row))})`,
      );
    }
    const [time, open, high, low, close, volume] = row as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (!Number.isInteger(time) || time < 0) {
      throw new DataFileError(
        `${source}: row ${index} has open time ${time}, not epoch milliseconds`,
      );
    }
    if (time <= previous) {
      throw new DataFileError(
        `${source}: row ${index} opens at ${iso(time)}, not after row ${index - 1} (${iso(previous)})`,
      );
    }
    previous = time;
    candles[index] = { time, open, high, low, close, volume };
  }
  return candles;
}

/**
 * Reads and validates a candle file.
 *
 * @throws {@link DataFileError} when the file is missing, is not JSON, or has a bad row.
 */
export async function readOhlcvFile(path: string): Promise<Candle[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(
      code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(error as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DataFileError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseOhlcvRows(raw, path);
}

/**
 * Writes candles in the shipped format, one row per line. The rows go to a temporary file in the
 * same folder first, which is then renamed over `path`: a crash leaves the old file or the new
 * one, never a torn one.
 */
export async function writeOhlcvFile(path: string, candles: readonly Candle[]): Promise<void> {
  const rows = candles.map(
    (c) => `[${c.time}, ${c.open}, ${c.high}, ${c.low}, ${c.close}, ${c.volume}]`,
  );
  const text = rows.length === 0 ? '[]\n' : `[\n${rows.join(',\n')}\n]\n`;
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`,
  );
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Symbol and timeframe a file name states (`BASE_QUOTE-TIMEFRAME.json`), if it has that form. */
export function describeFileName(
  path: string,
): { symbol: string; timeframe: Timeframe } | undefined {
  const parsed = parseCandleFileName(basename(path));
  return parsed && { symbol: `${parsed.base}/${parsed.quote}`, timeframe: parsed.timeframe };
}

/** The timeframe whose length is the smallest spacing of `candles`; undefined if none fits. */
export function timeframeFromSpacing(candles: readonly Candle[]): Timeframe | undefined {
  const spacing = smallestSpacing(candles);
  return Timeframes.find((t) => timeframeMs(t) === spacing);
}

/**
 * Checks that `candles` are candles of `timeframe`: each opens on that timeframe's grid (as an
 * exchange's do) and the closest two are one timeframe apart. Wider spacings are gaps.
 *
 * @throws {@link DataFileError} naming the first row that does not fit.
 */
export function checkTimeframe(
  candles: readonly Candle[],
  timeframe: Timeframe,
  source: string,
): void {
  const tf = timeframeMs(timeframe);
  const index = candles.findIndex((c) => c.time % tf !== 0);
  const candle = candles[index];
  if (candle !== undefined) {
    throw new DataFileError(
      `${source}: row ${index} opens at ${iso(candle.time)}, not on the ${timeframe} grid`,
    );
  }
  const spacing = smallestSpacing(candles);
  if (spacing !== undefined && spacing !== tf) {
    const found = Timeframes.find((t) => timeframeMs(t) === spacing) ?? `${spacing / 60_000}m`;
    throw new DataFileError(
      `${source}: candles are ${found} apart, not ${timeframe} (give the matching --timeframe)`,
    );
  }
}

function smallestSpacing(candles: readonly Candle[]): number | undefined {
  let smallest: number | undefined;
  for (let i = 1; i < candles.length; i++) {
    const step = (candles[i]?.time ?? 0) - (candles[i - 1]?.time ?? 0);
    if (smallest === undefined || step < smallest) smallest = step;
  }
  return smallest;
}

function iso(time: number): string {
  return Number.isFinite(time) ? new Date(time).toISOString() : String(time);
}

function truncate(text: string | undefined): string {
  const value = text ?? 'undefined';
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
