/**
 * Candles of a longer timeframe built from a market's finest candles, the way an exchange builds
 * every interval it serves from one stream: buckets opened on UTC epoch multiples of the
 * interval, open of the first candle, highest high, lowest low, close of the last, summed volume.
 */
import { type Candle, type Timeframe, Timeframes, timeframeMs } from '../domain/candle.js';
import { roundToWire } from '../market-data/market-rules.js';
import type { SimMarket } from './sim-markets.js';
import { movedCandles } from './synthetic-markets.js';

/** True when `value` names one of tickfan's timeframes. */
export function isTimeframe(value: string): value is Timeframe {
  return (Timeframes as readonly string[]).includes(value);
}

/**
 * True when `market` serves `timeframe`: a timeframe it has a file of, or one whose length is a
 * whole multiple of its finest timeframe's, which its finest candles build. Every timeframe of
 * tickfan's list divides a day, and a day divides the epoch's days, so buckets opened on epoch
 * multiples are those an exchange opens on UTC (1d at midnight, 4h at 00:00, 04:00, ...).
 */
export function servesTimeframe(market: SimMarket, timeframe: string): timeframe is Timeframe {
  if (!isTimeframe(timeframe)) return false;
  return market.series.has(timeframe) || timeframeMs(timeframe) % timeframeMs(market.finest) === 0;
}

/**
 * The candles `candles[from..to]` (inclusive) summed into one opened at `time`; undefined when
 * the range is empty. The volume is rounded to the wire's decimals, as a file's would be.
 */
export function mergeCandles(
  candles: readonly Candle[],
  from: number,
  to: number,
  time: number,
): Candle | undefined {
  const first = candles[from];
  const last = candles[to];
  if (first === undefined || last === undefined || to < from) return undefined;
  let high = first.high;
  let low = first.low;
  let volume = 0;
  for (let i = from; i <= to; i++) {
    const c = candles[i] as Candle;
    if (c.high > high) high = c.high;
    if (c.low < low) low = c.low;
    volume += c.volume;
  }
  return { time, open: first.open, high, low, close: last.close, volume: roundToWire(volume) };
}

/**
 * `candles` (ascending, of a timeframe dividing `timeframe`) summed into buckets of `timeframe`
 * opened on epoch multiples moved back by `offsetMs` (0: on epoch multiples). A bucket the data
 * has no candle in is missing, as a candle without trades is on an exchange.
 */
export function aggregateCandles(
  candles: readonly Candle[],
  timeframe: Timeframe,
  offsetMs = 0,
): readonly Candle[] {
  const tf = timeframeMs(timeframe);
  const bucketOf = (time: number) => Math.floor((time + offsetMs) / tf) * tf - offsetMs;
  const out: Candle[] = [];
  let from = 0;
  while (from < candles.length) {
    const bucket = bucketOf((candles[from] as Candle).time);
    let to = from;
    while (to + 1 < candles.length && (candles[to + 1] as Candle).time < bucket + tf) to++;
    out.push(mergeCandles(candles, from, to, bucket) as Candle);
    from = to + 1;
  }
  return Object.freeze(out);
}

/** Aggregates of synthetic markets' sources, by source, then timeframe and offset. */
const sourceAggregates = new WeakMap<readonly Candle[], Map<string, readonly Candle[]>>();

/**
 * The whole series of `market` in `timeframe` built from its finest candles, every bucket with
 * its final values. A synthetic market's is its source's aggregate, moved as its finest candles
 * are: the markets replaying one file share one aggregate per bucket phase instead of each
 * reading its whole moved series (10,000 markets would hold tens of millions of candles).
 * Scaling by a positive factor and rounding keep the order of prices, so the moved aggregate
 * equals the aggregate of the moved candles.
 */
export function aggregatedSeries(market: SimMarket, timeframe: Timeframe): readonly Candle[] {
  const finest = market.series.get(market.finest) ?? [];
  const replay = market.replay;
  const sourceStart = replay?.source[0]?.time;
  const movedStart = finest[0]?.time;
  if (replay === undefined || sourceStart === undefined || movedStart === undefined) {
    return aggregateCandles(finest, timeframe);
  }
  const shiftMs = movedStart - sourceStart;
  const tf = timeframeMs(timeframe);
  const offsetMs = ((shiftMs % tf) + tf) % tf;
  let bySource = sourceAggregates.get(replay.source);
  if (bySource === undefined) {
    bySource = new Map();
    sourceAggregates.set(replay.source, bySource);
  }
  const key = `${timeframe}:${offsetMs}`;
  let aggregate = bySource.get(key);
  if (aggregate === undefined) {
    aggregate = aggregateCandles(replay.source, timeframe, offsetMs);
    bySource.set(key, aggregate);
  }
  return movedCandles(aggregate, shiftMs, replay.factor);
}
