import type { z } from 'zod';
import { smaCross } from './sma-cross.js';
import type { Strategy, StrategyDefinition } from './strategy.js';

/** Every built-in strategy by name. */
export const strategies = {
  'sma-cross': smaCross,
} as const satisfies Record<string, StrategyDefinition<unknown>>;

export type StrategyName = keyof typeof strategies;
export const strategyNames = Object.keys(strategies) as [StrategyName, ...StrategyName[]];

/** The params schema of a named strategy. */
export function strategyParams(name: StrategyName): z.ZodType {
  return strategies[name].params;
}

/** Builds a strategy from its name and already-validated params. */
export function createStrategy(name: StrategyName, params: unknown): Strategy {
  const definition = strategies[name] as StrategyDefinition<unknown>;
  return definition.create(definition.params.parse(params));
}
