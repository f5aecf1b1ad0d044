import type { z } from 'zod';
import type { Candle } from '../candle.js';
import type { Signal } from '../signal.js';

/**
 * One pass over candles, oldest first. `next` takes each closed candle and returns the signal at
 * its close. The live path feeds the fetched window and acts on the last signal; a backtest feeds
 * every candle and acts on each. Both run this same code.
 */
export interface StrategyRun {
  next(candle: Candle): Signal;
}

/** A configured strategy: a factory of runs plus the warm-up it needs. */
export interface Strategy {
  readonly name: string;
  /**
   * The closed candles one decision looks at: the trade function fetches this many, ending at
   * the tick's candle, and the backtest replays the same window for every candle.
   */
  readonly warmup: number;
  start(): StrategyRun;
}

/** A built-in strategy: its name, its params schema and a factory. */
export interface StrategyDefinition<P> {
  readonly name: string;
  readonly params: z.ZodType<P>;
  create(params: P): Strategy;
}
