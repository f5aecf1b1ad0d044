import type { z } from 'zod';
import { rsiReversion } from './rsi-reversion.js';
import { smaCross } from './sma-cross.js';
import type { Strategy, StrategyDefinition } from './strategy.js';

/** Every built-in strategy by name. */
export const strategies = {
  'sma-cross': smaCross,
  'rsi-reversion': rsiReversion,
} as const satisfies Record<string, StrategyDefinition<unknown>>;

export type StrategyName = keyof typeof strategies;
export const strategyNames = Object.keys(strategies) as [StrategyName, ...StrategyName[]];

/**
 * Whether a strategy's signal for a candle depends only on the newest `warmup` candles a run has
 * been fed, bit for bit, however many candles came before them, and is `none` while a run has
 * been fed fewer (as `warmup` promises). For such a strategy one continuous run decides exactly as
 * the trade function's fresh run over each fetched window, full or cut short by a gap, so a
 * backtest may feed one run instead of starting one per candle (about `warmup` times less work).
 * Say `false` unless both hold: test/unit/backtest/window-local.test.ts checks every `true`
 * against real candles, gaps included.
 */
export const windowLocal: Readonly<Record<StrategyName, boolean>> = {
  // trading-signals' SMA sums its last `interval` prices afresh on every candle, and the cross
  // compares the last two pairs of averages: slow + 1 = warmup candles.
  'sma-cross': true,
  // Wilder's smoothing carries all the history it has seen.
  'rsi-reversion': false,
};

/** The params schema of a named strategy. */
export function strategyParams(name: StrategyName): z.ZodType {
  return strategies[name].params;
}

/** Builds a strategy from its name and already-validated params. */
export function createStrategy(name: StrategyName, params: unknown): Strategy {
  const definition = strategies[name] as StrategyDefinition<unknown>;
  return definition.create(definition.params.parse(params));
}
