import { floorToStep, type Market } from './market.js';
import type { Position } from './position.js';
import { Side } from './signal.js';

/** How large positions may get, in the quote currency. */
export interface RiskLimits {
  readonly stakePerTrade: number;
  readonly maxPosition: number;
  /** The protective stop, this fraction below the entry. */
  readonly stoplossPct?: number;
  /** A trailing stop this fraction below the highest close since the entry. */
  readonly trailingStopPct?: number;
  /** Minutes held → take-profit ratio (Freqtrade's `minimal_roi`). */
  readonly roi?: Readonly<Record<string, number>>;
}

export type Sizing =
  | { readonly ok: true; readonly amount: number }
  | { readonly ok: false; readonly reason: string };

/**
 * The amount to order for `side` at `price`: a buy spends the stake, capped so the position's
 * value stays within `maxPosition`; a sell closes the whole position. Amounts are floored to the
 * market's step and checked against its minimum amount and notional.
 */
export function sizeOrder(
  side: Side,
  price: number,
  position: Position,
  market: Market,
  limits: RiskLimits,
): Sizing {
  let raw: number;
  if (side === Side.Buy) {
    const room = limits.maxPosition - position.amount * price;
    const spend = Math.min(limits.stakePerTrade, room);
    if (spend <= 0) return { ok: false, reason: `position at maxPosition ${limits.maxPosition}` };
    raw = spend / price;
  } else {
    raw = position.amount;
  }
  const amount = floorToStep(raw, market.amountStep);
  if (amount <= 0 || amount < market.minAmount) {
    return { ok: false, reason: `amount ${amount} below minimum ${market.minAmount}` };
  }
  if (amount * price < market.minNotional) {
    return {
      ok: false,
      reason: `notional ${amount * price} below minimum ${market.minNotional} ${market.quote}`,
    };
  }
  return { ok: true, amount };
}
