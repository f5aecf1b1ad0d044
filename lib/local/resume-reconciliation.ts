import { isFinalOrder, type OrderRecord } from '../domain/order-lifecycle.js';
import type { Position } from '../domain/position.js';

/** An order the exchange filled, as far as reconciling a resume needs it. */
export interface ExchangeFill {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly amount: number;
  readonly clientOrderId: string;
}

/** A symbol a resume cannot reconcile, and why; it is not traded until it is. */
export interface UnreconciledSymbol {
  readonly symbol: string;
  readonly reason: string;
}

/** What one symbol's state and the exchange's fills must agree on before a resume trades it. */
export interface ResumeState {
  readonly symbol: string;
  readonly position: Position;
  /** Every order record of the symbol. */
  readonly orders: readonly OrderRecord[];
  /** Every fill of the symbol on the exchange the run resumes against. */
  readonly fills: readonly ExchangeFill[];
}

const signed = (f: { readonly side: string; readonly amount: number }) =>
  f.side === 'buy' ? f.amount : -f.amount;
const round = (n: number) => Number(n.toFixed(10));

/**
 * Why `state` cannot be reconciled by the ticks that follow, or undefined when it can.
 *
 * A fill the exchange made that the state has not booked yet is reconcilable: its record is
 * pending (the next tick looks the order up by its client id and applies the fill once), or
 * final but not yet applied to the position. What no look-up can repair is refused:
 * an order booked filled that the exchange has no fill of (the exchange's side was lost), a fill
 * the state has no record of at all, or a position that differs from the exchange's fills by more
 * than the fills still to be applied.
 */
export function unreconciledReason(state: ResumeState): string | undefined {
  const { position } = state;
  const fills = new Map(state.fills.map((f) => [f.clientOrderId, f] as const));
  const records = new Map(state.orders.map((o) => [o.clientOrderId, o] as const));
  for (const o of state.orders) {
    if (!isFinalOrder(o.status) || (o.filledAmount ?? 0) <= 0) continue;
    const fill = fills.get(o.clientOrderId);
    if (fill === undefined) {
      return `order ${o.clientOrderId} is booked ${o.status} and the exchange has no fill of it`;
    }
    if (round(fill.amount) !== round(o.filledAmount ?? 0)) {
      return `order ${o.clientOrderId} is booked with ${o.filledAmount} filled and the exchange filled ${fill.amount}`;
    }
  }
  let toApply = 0;
  for (const f of state.fills) {
    const record = records.get(f.clientOrderId);
    if (record === undefined) {
      return `the exchange filled order ${f.clientOrderId}, of which the state has no record`;
    }
    if (isFinalOrder(record.status) && (record.filledAmount ?? 0) <= 0) {
      return `order ${f.clientOrderId} is booked ${record.status} and the exchange filled it`;
    }
    const unapplied =
      !isFinalOrder(record.status) ||
      (position.pendingOrderId === f.clientOrderId && position.lastOrderId !== f.clientOrderId);
    if (unapplied) toApply += signed(f);
  }
  const exchange = round(state.fills.reduce((sum, f) => sum + signed(f), 0));
  if (round(position.amount + toApply) !== exchange) {
    return `the position holds ${position.amount} and the exchange's fills net ${exchange}`;
  }
  return undefined;
}

/** The symbols of `states` a resume cannot reconcile, each with its reason, in their order. */
export function unreconciledSymbols(states: readonly ResumeState[]): UnreconciledSymbol[] {
  return states.flatMap((s) => {
    const reason = unreconciledReason(s);
    return reason === undefined ? [] : [{ symbol: s.symbol, reason }];
  });
}
