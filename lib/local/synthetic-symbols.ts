import { type BotConfig, parseConfig, scheduleMissProblem } from '../config/schema.js';
import type { Timeframe } from '../domain/candle.js';
import {
  maxSyntheticMarkets,
  type SyntheticSymbol,
  syntheticSymbols,
} from '../simulator/synthetic-markets.js';

/**
 * A `--synthetic` count the simulator cannot make up. Named `UsageError`, so the command line's
 * front door exits 2 for it, as for any bad flag value.
 */
export class SyntheticCountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The most synthetic markets a local run adds (`--synthetic`). */
export const maxSynthetic = 5000;

/**
 * The first `count` synthetic markets the config's schedule ticks, in the simulator's order: one
 * on a timeframe whose candles the schedule would miss (a 1m replay under `rate(5 minutes)`) is
 * passed over, so that every market added is due on the ticks of the run, as the configured
 * symbols are. Refuses, in one line, a count the simulator's markets on those timeframes cannot
 * make up.
 */
export function syntheticMarketsFor(config: BotConfig, count: number): SyntheticSymbol[] {
  if (count === 0) return [];
  const candidates = syntheticSymbols(maxSyntheticMarkets);
  const ticked = new Map<Timeframe, boolean>();
  const fits = (timeframe: Timeframe) => {
    if (!ticked.has(timeframe)) {
      ticked.set(timeframe, scheduleMissProblem(config.schedule, timeframe) === undefined);
    }
    return ticked.get(timeframe) === true;
  };
  const chosen = candidates.filter((s) => fits(s.timeframe)).slice(0, count);
  if (chosen.length < count) {
    const timeframes = [...new Set(candidates.map((s) => s.timeframe))].join(', ');
    throw new SyntheticCountError(
      `--synthetic ${count}: the simulator has ${chosen.length} synthetic markets the schedule ${config.schedule.expression} ticks (they are on ${timeframes} candles)`,
    );
  }
  return chosen;
}

/**
 * `config` with `markets` (synthetic ones, see {@link syntheticMarketsFor}) added after its own
 * symbols, as `--synthetic` runs it: each on the timeframe the simulator serves it in, traded by
 * the strategy and params of the config's first symbol (the schema's defaults without one),
 * enabled. The result is checked by the one schema, so a market that clashes with a configured
 * one, or a quote currency the paper account holds none of, is refused where it enters.
 */
export function withSyntheticSymbols(
  config: BotConfig,
  markets: readonly SyntheticSymbol[],
): BotConfig {
  if (markets.length === 0) return config;
  const first = config.symbols[0];
  const traded = first === undefined ? {} : { strategy: first.strategy, params: first.params };
  const added = markets.map((s) => ({
    symbol: s.symbol,
    timeframe: s.timeframe,
    ...traded,
    enabled: true,
  }));
  return parseConfig(
    { ...config, symbols: [...config.symbols, ...added] },
    `--synthetic ${markets.length}`,
  );
}
