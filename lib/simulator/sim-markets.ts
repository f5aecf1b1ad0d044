import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import { deriveMarketRules, type MarketRules } from '../market-data/market-rules.js';
import {
  type CandleFile,
  defaultDataDir,
  listCandleFiles,
  loadCandles,
} from '../market-data/ohlcv-data.js';

/**
 * One market of the simulated exchange, in unified terms: each wire derives its own market id
 * (`LTCBTC`, `LTC-BTC`, `XLTCXXBT`) from `base` and `quote`.
 */
export interface SimMarket {
  /** Unified symbol, e.g. `LTC/BTC`. */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly series: ReadonlyMap<Timeframe, readonly Candle[]>;
  /** The shortest timeframe with data: it prices fills, being the most up to date. */
  readonly finest: Timeframe;
  readonly rules: MarketRules;
  /**
   * The lowest low of the finest candles, where known without reading them all (a synthetic
   * market's, from its source): a thousand scans of a moved series cost seconds.
   */
  readonly lowest?: number;
  /** Set on a synthetic market (`S0001/BTC`, ...), which replays a shipped file moved in time and price. */
  readonly synthetic?: true;
  /**
   * What a synthetic market replays: its finest candles are `source`'s, index for index, moved
   * later in time, prices multiplied by `factor` and rounded to the wire's 8 decimals, volumes
   * kept. The engine sums a ticker's window over this plain array instead of computing every
   * moved candle: 5,000 markets' tickers read millions of candles.
   */
  readonly replay?: { readonly source: readonly Candle[]; readonly factor: number };
}

/**
 * Loads the candle files of `dataDir` (default: the shipped ones) as markets, one per symbol
 * with every timeframe it has a file of. Throws when a requested symbol has no candle file.
 */
export async function loadSimMarkets(
  dataDir: string = defaultDataDir,
  symbols?: readonly string[],
): Promise<SimMarket[]> {
  let files = await listCandleFiles(dataDir);
  if (symbols !== undefined) {
    const wanted = new Set(symbols);
    const missing = [...wanted].filter((s) => !files.some((f) => f.symbol === s));
    if (missing.length > 0) {
      throw new Error(`no candle file for ${missing.join(', ')} in ${dataDir}`);
    }
    files = files.filter((f) => wanted.has(f.symbol));
  }
  const bySymbol = new Map<string, CandleFile[]>();
  for (const file of files) bySymbol.set(file.symbol, [...(bySymbol.get(file.symbol) ?? []), file]);
  return Promise.all(
    [...bySymbol.values()].map(async (group) => {
      const series = new Map<Timeframe, readonly Candle[]>();
      for (const file of group) series.set(file.timeframe, await loadCandles(file.path));
      const ordered = [...series.keys()].sort((a, b) => timeframeMs(a) - timeframeMs(b));
      const finest = ordered[0];
      const first = group[0];
      if (finest === undefined || first === undefined) throw new Error('empty symbol group');
      return {
        symbol: first.symbol,
        base: first.base,
        quote: first.quote,
        series,
        finest,
        rules: deriveMarketRules(first.quote, series.get(finest) ?? []),
      };
    }),
  );
}

const indexes = new WeakMap<object, Map<(market: SimMarket) => string, Map<string, SimMarket>>>();

/**
 * The markets of `engine` by the id a wire gives them (`idOf`, e.g. Binance's `LTCBTC`). An
 * engine's markets never change, so each index is built once per engine and wire.
 */
export function marketsByWireId(
  engine: { markets(): readonly SimMarket[] },
  idOf: (market: SimMarket) => string,
): ReadonlyMap<string, SimMarket> {
  let byWire = indexes.get(engine);
  if (byWire === undefined) {
    byWire = new Map();
    indexes.set(engine, byWire);
  }
  let byId = byWire.get(idOf);
  if (byId === undefined) {
    byId = new Map(engine.markets().map((m) => [idOf(m), m]));
    byWire.set(idOf, byId);
  }
  return byId;
}
