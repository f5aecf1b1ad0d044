import type { Position } from './position.js';
import { Side, Signal } from './signal.js';

/**
 * The order side a strategy's signal asks for, given the position: enter only when flat, exit
 * only when long, and nothing otherwise (a second entry or an exit with nothing held is no
 * order); a long position whose close has fallen `stoplossPct` below its entry is sold whatever
 * the signal. The trade function and the backtest both decide through this one function.
 */
export function sideFor(
  signal: Signal,
  position: Pick<Position, 'amount' | 'entryPrice'>,
  stop?: { readonly close: number; readonly stoplossPct?: number },
): Side | undefined {
  if (position.amount > 0 && stop?.stoplossPct !== undefined) {
    // The stoploss is checked at each close, the only prices a tick sees.
    if (stop.close <= position.entryPrice * (1 - stop.stoplossPct)) return Side.Sell;
  }
  if (signal === Signal.Enter && position.amount === 0) return Side.Buy;
  if (signal === Signal.Exit && position.amount > 0) return Side.Sell;
  return undefined;
}
