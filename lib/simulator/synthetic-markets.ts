/**
 * Synthetic markets: as many extra markets as a scale test needs (`S0001/BTC`, `S0002/BTC`, ...),
 * each replaying one of the shipped candle files moved in time and price, so that a local run of
 * 1,000 symbols has 1,000 markets whose candles do not move in step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import { deriveMarketRules, roundToWire } from '../market-data/market-rules.js';
import { defaultDataDir, loadCandles, parseCandleFileName } from '../market-data/ohlcv-data.js';
import type { SimMarket } from './sim-markets.js';

/** One synthetic market as a run's config names it. */
export interface SyntheticSymbol {
  /** E.g. `S0001/BTC`. */
  readonly symbol: string;
  /** The timeframe of the candle file it replays. */
  readonly timeframe: Timeframe;
  /** Its quote currency, the source file's: one the default paper balances hold. */
  readonly quote: string;
}

/** The most synthetic markets a simulator serves: their bases have four digits. */
export const maxSyntheticMarkets = 9999;

/** Quote currencies the default paper balances hold; a source quoted in another is left out. */
const fundedQuotes = new Set(['BTC', 'ETH', 'USDT']);

const syntheticPattern = /^S([0-9]{4})\/([A-Z0-9]{2,12})$/;

/** Distinct shifts, in whole candles, before they repeat (a prime, so sources do not align). */
const shiftCycle = 97;

interface Source {
  readonly file: string;
  readonly quote: string;
  readonly timeframe: Timeframe;
}

let sourcesCache: readonly Source[] | undefined;

/**
 * The shipped candle files synthetic markets replay, in name order: those quoted in a funded
 * currency whose data end within a day of the median end, so that every synthetic market covers
 * the period most shipped files share (XRP/ETH's files are of another year).
 */
function sources(): readonly Source[] {
  if (sourcesCache !== undefined) return sourcesCache;
  const files = readdirSync(defaultDataDir)
    .sort()
    .flatMap((name) => {
      const parsed = parseCandleFileName(name);
      if (parsed === undefined || !fundedQuotes.has(parsed.quote)) return [];
      const file = join(defaultDataDir, name);
      return [{ file, quote: parsed.quote, timeframe: parsed.timeframe, end: lastOpenTime(file) }];
    });
  const ends = files.map((f) => f.end).sort((a, b) => a - b);
  const median = ends[Math.floor((ends.length - 1) / 2)] ?? 0;
  sourcesCache = files
    .filter((f) => Math.abs(f.end - median) <= 86_400_000)
    .map(({ file, quote, timeframe }) => ({ file, quote, timeframe }));
  if (sourcesCache.length === 0) throw new Error(`no candle file in ${defaultDataDir} to replay`);
  return sourcesCache;
}

/** The open time of a candle file's last row, read from its tail (the rows are ascending). */
function lastOpenTime(file: string): number {
  const text = readFileSync(file, 'utf8');
  const match = /^\[\s*([0-9]+)/.exec(text.slice(text.lastIndexOf('[')));
  return Number(match?.[1] ?? 0);
}

/** Where synthetic market `index` (1-based) comes from, and how it is moved. */
function plan(index: number) {
  const all = sources();
  const source = all[(index - 1) % all.length] as Source;
  const base = `S${String(index).padStart(4, '0')}`;
  return {
    source,
    base,
    symbol: `${base}/${source.quote}`,
    shiftCandles: 1 + ((index - 1) % shiftCycle),
    // The golden ratio's fractions spread the factors evenly over [0.5, 5) without repeating.
    factor: Number((0.5 + ((index * 0.6180339887498949) % 1) * 4.5).toFixed(3)),
  };
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > maxSyntheticMarkets) {
    throw new RangeError(
      `synthetic markets: must be a whole number from 0 to ${maxSyntheticMarkets}, got ${n}`,
    );
  }
}

/**
 * The first `n` synthetic markets: `S0001/BTC` ... with the timeframe of the file each replays
 * (the shipped files, round robin by index) and its quote, for a run's config to trade.
 */
export function syntheticSymbols(n: number): SyntheticSymbol[] {
  checkCount(n);
  return Array.from({ length: n }, (_, i) => {
    const { symbol, source } = plan(i + 1);
    return { symbol, timeframe: source.timeframe, quote: source.quote };
  });
}

/** The index of a synthetic market's symbol (`S0042/BTC` → 42); undefined for any other. */
export function syntheticIndex(symbol: string): number | undefined {
  const match = syntheticPattern.exec(symbol);
  const index = Number(match?.[1]);
  return match === null || index < 1 ? undefined : index;
}

/**
 * Synthetic market `index` (1-based): the candles of its source file, each moved later by
 * `1 + (index - 1) % 97` whole candles (so none coincides with the source's candle of its time,
 * and the series still covers the source's period bar those few candles at its start), prices
 * multiplied by a factor in [0.5, 5) fixed by the index (volumes kept), and trading rules
 * derived from the moved prices as they are for a shipped market. Throws for an index out of
 * range, or for a `symbol` that is not that index's.
 */
export async function loadSyntheticMarket(index: number, symbol?: string): Promise<SimMarket> {
  if (!Number.isInteger(index) || index < 1 || index > maxSyntheticMarkets) {
    throw new RangeError(
      `synthetic market index must be 1 to ${maxSyntheticMarkets}, got ${index}`,
    );
  }
  const { source, base, symbol: own, shiftCandles, factor } = plan(index);
  if (symbol !== undefined && symbol !== own) {
    throw new RangeError(`no synthetic market ${symbol}: market ${index} is ${own}`);
  }
  const candles = await loadCandles(source.file);
  const levels = levelsOf(candles);
  const shiftMs = shiftCandles * timeframeMs(source.timeframe);
  return {
    symbol: own,
    base,
    quote: source.quote,
    series: new Map([[source.timeframe, movedCandles(candles, shiftMs, factor)]]),
    finest: source.timeframe,
    rules: deriveMarketRules(source.quote, [representative(levels, factor)]),
    // Scaling by a positive factor and rounding keep the order of prices.
    lowest: roundToWire(levels.lowest * factor),
    synthetic: true,
    replay: { source: candles, factor },
  };
}

/** The synthetic markets `1..n`; see {@link loadSyntheticMarket}. */
export function loadSyntheticMarkets(n: number): Promise<SimMarket[]> {
  checkCount(n);
  return Promise.all(Array.from({ length: n }, (_, i) => loadSyntheticMarket(i + 1)));
}

/** What the rules and limits of a moved series are derived from: its source's price extremes. */
interface SourceLevels {
  readonly medianClose: number;
  readonly highest: number;
  readonly lowest: number;
}

const levelsCache = new WeakMap<readonly Candle[], SourceLevels>();

/** The median close, highest high and lowest low of a source file, computed once per file. */
function levelsOf(candles: readonly Candle[]): SourceLevels {
  let levels = levelsCache.get(candles);
  if (levels === undefined) {
    const closes = candles
      .map((c) => c.close)
      .filter((p) => p > 0)
      .sort((a, b) => a - b);
    const middle = closes.length / 2;
    const medianClose =
      closes.length % 2 === 1
        ? (closes[Math.floor(middle)] ?? 0)
        : ((closes[middle - 1] ?? 0) + (closes[middle] ?? 0)) / 2;
    let highest = 0;
    let lowest = Number.POSITIVE_INFINITY;
    for (const c of candles) {
      highest = Math.max(highest, c.high);
      lowest = Math.min(lowest, c.low);
    }
    levels = { medianClose, highest, lowest };
    levelsCache.set(candles, levels);
  }
  return levels;
}

/**
 * One candle carrying the moved series' median close and highest high: all that the rules are
 * derived from, without walking a moved copy of the whole series.
 */
function representative(levels: SourceLevels, factor: number): Candle {
  const close = roundToWire(levels.medianClose * factor);
  const high = roundToWire(levels.highest * factor);
  return { time: 0, open: close, high, low: close, close, volume: 0 };
}

/**
 * The source's candles, moved, as a read-only array view computing each candle when read: a
 * thousand moved copies of the shipped files would hold millions of candles in memory, where
 * the view holds none. It behaves as an array for indexing, `length`, and the array methods
 * (`slice`, `map`, `at`, iteration) the engine and the wires use. A moved candle's time is its
 * source's plus `shiftMs`, its prices its source's times `factor` rounded to the wire's decimals.
 */
export function movedCandles(
  source: readonly Candle[],
  shiftMs: number,
  factor: number,
): readonly Candle[] {
  const candleAt = (index: number): Candle | undefined => {
    const c = source[index];
    if (c === undefined) return undefined;
    return {
      time: c.time + shiftMs,
      open: roundToWire(c.open * factor),
      high: roundToWire(c.high * factor),
      low: roundToWire(c.low * factor),
      close: roundToWire(c.close * factor),
      volume: c.volume,
    };
  };
  const indexOf = (property: string | symbol): number | undefined => {
    if (typeof property !== 'string') return undefined;
    const code = property.charCodeAt(0);
    if (code < 48 || code > 57) return undefined;
    const index = Number(property);
    return Number.isInteger(index) ? index : undefined;
  };
  // The target is an empty array, not the (frozen) source: a proxy may not report other values
  // than a frozen target's own.
  return new Proxy([] as Candle[], {
    get(target, property, receiver) {
      if (property === 'length') return source.length;
      const index = indexOf(property);
      if (index !== undefined) return candleAt(index);
      return Reflect.get(target, property, receiver);
    },
    has(target, property) {
      const index = indexOf(property);
      if (index !== undefined) return index < source.length;
      return Reflect.has(target, property);
    },
  });
}
