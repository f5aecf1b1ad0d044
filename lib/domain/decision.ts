import type { Position } from './position.js';
import { Side, Signal } from './signal.js';

/**
 * The order side a strategy's signal asks for, given the position: enter only when flat, exit
 * only when long, and nothing otherwise (a second entry or an exit with nothing held is no
 * order). The trade function and the backtest both decide through this one function.
 */
export function sideFor(signal: Signal, position: Pick<Position, 'amount'>): Side | undefined {
  if (signal === Signal.Enter && position.amount === 0) return Side.Buy;
  if (signal === Signal.Exit && position.amount > 0) return Side.Sell;
  return undefined;
}
