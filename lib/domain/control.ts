/**
 * The kill switch: how much trading is allowed right now. It is stored, so it survives restarts
 * and cold starts; only an explicit resume clears it.
 */
export const TradingMode = {
  /** Normal trading. */
  Active: 'active',
  /** Only exits are sent: open positions can be closed, nothing new is opened. */
  CloseOnly: 'close-only',
  /** Nothing is dispatched and no order is sent. */
  Halted: 'halted',
} as const;
export type TradingMode = (typeof TradingMode)[keyof typeof TradingMode];

export interface TradingControl {
  readonly mode: TradingMode;
  /** Why trading was limited, as the person or the rule that did it said. */
  readonly reason?: string;
  /** Who or what set it: `operator`, or `daily-loss-limit`. */
  readonly by?: string;
  /** When it was set (ISO time). */
  readonly at?: string;
}

export const activeTrading: TradingControl = { mode: TradingMode.Active };

/** Whether an order on `side` may be sent under `control`. */
export function mayTrade(control: TradingControl, side: 'buy' | 'sell'): boolean {
  if (control.mode === TradingMode.Halted) return false;
  if (control.mode === TradingMode.CloseOnly) return side === 'sell';
  return true;
}
