import type { Position } from './position.js';
import { Side, Signal } from './signal.js';
import { ExitReason, initialStopPrice, roiTarget, stopExitReason } from './stop.js';

/** The order a tick decides on: its side, and for an exit why. */
export interface Decision {
  readonly side: Side;
  /** Why a sell closes the position; undefined for an entry. */
  readonly reason?: ExitReason;
}

/** What a held position is exited on, besides the strategy's signal. */
export interface ExitRules {
  /** The decision candle's close. */
  readonly close: number;
  readonly stoplossPct?: number;
  /** Where the position's stop rests; default `stoplossPct` below the entry. */
  readonly stopPrice?: number;
  /** Freqtrade-style `minimal_roi`: minutes held → take-profit ratio. */
  readonly roi?: Readonly<Record<string, number>>;
  /** Minutes from the entry's decision candle to this one. */
  readonly minutesHeld?: number;
}

/**
 * The order a strategy's signal asks for, given the position: enter only when flat, exit only
 * when long, and nothing otherwise (a second entry or an exit with nothing held is no order).
 * A long position is sold whatever the signal when the close is at or below its stop (the stop
 * resting on the exchange should have filled; this sells what it did not), or when the profit
 * reaches the `roi` ratio for the time held. The trade function and the backtest both decide
 * through this one function.
 */
export function decide(
  signal: Signal,
  position: Pick<Position, 'amount' | 'entryPrice'>,
  rules: ExitRules = { close: Number.NaN },
): Decision | undefined {
  if (position.amount > 0) {
    const { close, stoplossPct } = rules;
    const stop =
      rules.stopPrice ??
      (stoplossPct === undefined ? undefined : initialStopPrice(position.entryPrice, stoplossPct));
    if (stop !== undefined && close <= stop) {
      const reason =
        stoplossPct === undefined
          ? ExitReason.Stoploss
          : stopExitReason(stop, position.entryPrice, stoplossPct);
      return { side: Side.Sell, reason };
    }
    if (rules.roi !== undefined && rules.minutesHeld !== undefined && position.entryPrice > 0) {
      const target = roiTarget(rules.roi, rules.minutesHeld);
      if (target !== undefined && close / position.entryPrice - 1 >= target) {
        return { side: Side.Sell, reason: ExitReason.Roi };
      }
    }
    if (signal === Signal.Exit) return { side: Side.Sell, reason: ExitReason.Signal };
    return undefined;
  }
  if (signal === Signal.Enter) return { side: Side.Buy };
  return undefined;
}
