import type { Candle } from './candle.js';
import { type ClientIdStyle, formatClientId, parseClientId } from './client-id.js';

/** Why a position was closed; the summary's and the report's `trades[].reason`. */
export const ExitReason = {
  /** The strategy's exit signal. */
  Signal: 'signal',
  /** The protective stop at `risk.stoplossPct` below the entry. */
  Stoploss: 'stoploss',
  /** The stop after `risk.trailingStopPct` raised it above the initial stoploss. */
  Trailing: 'trailing',
  /** The take-profit ratio `risk.roi` gives for the time held. */
  Roi: 'roi',
  /** A person closed it (a direct invocation). */
  Manual: 'manual',
} as const;
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

/** The protective stop a position holds on the exchange. */
export interface PositionStop {
  /** Client id of the stop order meant to rest now (see {@link stopClientOrderId}). */
  readonly clientOrderId: string;
  /** Its trigger price. */
  readonly price: number;
  /** 1 for the first stop of a position; each replacement (re-placed or trailed) adds one. */
  readonly revision: number;
  /** Client id of the entry order whose position this protects; every revision's id derives from it. */
  readonly entryOrderId: string;
  /**
   * The stop this one replaces, while it may still rest: it is cancelled before this one is
   * sent (a spot account cannot lock the amount twice), and a fill of it closes the position.
   */
  readonly replaces?: string;
}

/** The initial stop price of a long entered at `entryPrice`. */
export function initialStopPrice(entryPrice: number, stoplossPct: number): number {
  return entryPrice * (1 - stoplossPct);
}

/**
 * The stop a trailing stop moves to once the price has reached `highPrice`: `trailingPct` below
 * it, never lower than where it is. Undefined when it would not move.
 */
export function trailedStopPrice(
  current: number,
  highPrice: number,
  trailingPct: number,
): number | undefined {
  const raised = highPrice * (1 - trailingPct);
  return raised > current ? raised : undefined;
}

/**
 * Where a resting sell stop at `stopPrice` fills inside `candle`, or undefined when the candle
 * never reached it: at the candle's open when it opened at or below the stop (a gap), else at
 * the stop price once the low reaches it. The exchange simulator and the backtest both fill
 * stops through this one rule.
 */
export function stopFillPrice(candle: Candle, stopPrice: number): number | undefined {
  if (candle.open <= stopPrice) return candle.open;
  if (candle.low <= stopPrice) return stopPrice;
  return undefined;
}

/**
 * The exit reason of a stop at `stopPrice` for an entry at `entryPrice`: `trailing` once a
 * trailing stop has raised it above the initial stoploss, `stoploss` otherwise.
 */
export function stopExitReason(
  stopPrice: number,
  entryPrice: number,
  stoplossPct: number,
): ExitReason {
  // A small tolerance: the initial price was rounded to the market's tick when placed.
  return stopPrice > initialStopPrice(entryPrice, stoplossPct) * (1 + 1e-6)
    ? ExitReason.Trailing
    : ExitReason.Stoploss;
}

/**
 * The client id, in the exchange's `style`, of revision `revision` of the stop protecting the
 * position entered by order `entryOrderId`: deterministic, so a retry finds the stop it may have
 * placed, and new for every replacement, so a cancelled stop's id is never reused.
 */
export function stopClientOrderId(
  entryOrderId: string,
  revision: number,
  style: ClientIdStyle,
): string {
  if (!Number.isInteger(revision) || revision < 1) {
    throw new RangeError(`a stop revision is an integer from 1, got ${revision}`);
  }
  return formatClientId(style, { kind: 'stop', revision }, entryOrderId);
}

/** Whether `id` is a stop's client id (see {@link stopClientOrderId}), in any style. */
export function isStopClientOrderId(id: string): boolean {
  return parseClientId(id)?.kind === 'stop';
}

/**
 * The take-profit ratio `roi` asks for after `minutesHeld`: the entry with the largest minute key
 * not above the time held, as Freqtrade's `minimal_roi` reads it. Undefined before the first key.
 */
export function roiTarget(
  roi: Readonly<Record<string, number>>,
  minutesHeld: number,
): number | undefined {
  let best: { minutes: number; ratio: number } | undefined;
  for (const [key, ratio] of Object.entries(roi)) {
    const minutes = Number(key);
    if (minutes <= minutesHeld && (best === undefined || minutes > best.minutes)) {
      best = { minutes, ratio };
    }
  }
  return best?.ratio;
}
