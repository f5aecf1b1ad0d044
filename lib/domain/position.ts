import { Side } from './signal.js';

/** A symbol's long position and what it has realised so far. */
export interface Position {
  readonly symbol: string;
  /** Base-currency amount held; 0 when flat. */
  readonly amount: number;
  /** Average entry price of the amount held. */
  readonly entryPrice: number;
  /** Realised profit and loss in the quote currency, fees included. */
  readonly realisedPnl: number;
  /** Optimistic-lock version; 0 for a position never written. */
  readonly version: number;
  /**
   * Client id of the last order applied. Ticks of one symbol run one at a time, so this alone
   * tells a retry whether a fill has already moved the position.
   */
  readonly lastOrderId?: string;
  /**
   * An order that may have reached the exchange but is not settled yet. Every tick settles it
   * first (looks it up, applies its fill or cancels it), so no new order is sent while one is
   * unresolved.
   */
  readonly pendingOrderId?: string;
}

/** One fill as the exchange or paper broker reports it. */
export interface Fill {
  readonly side: Side;
  readonly amount: number;
  readonly price: number;
  /** Fee in the quote currency. */
  readonly fee: number;
}

export function flatPosition(symbol: string): Position {
  return { symbol, amount: 0, entryPrice: 0, realisedPnl: 0, version: 0 };
}

/**
 * The position after `fill` of order `orderId`: the order is no longer pending, and the version
 * is bumped by one.
 */
export function applyFill(position: Position, fill: Fill, orderId?: string): Position {
  const { pendingOrderId: _settled, ...held } = position;
  const version = position.version + 1;
  const lastOrderId = orderId ?? position.lastOrderId;
  if (fill.side === Side.Buy) {
    const amount = held.amount + fill.amount;
    const entryPrice =
      amount === 0 ? 0 : (held.amount * held.entryPrice + fill.amount * fill.price) / amount;
    return {
      ...held,
      amount,
      entryPrice,
      realisedPnl: held.realisedPnl - fill.fee,
      version,
      lastOrderId,
    };
  }
  const sold = Math.min(fill.amount, held.amount);
  const pnl = sold * (fill.price - held.entryPrice) - fill.fee;
  const amount = held.amount - sold;
  return {
    ...held,
    amount: amount <= 1e-12 ? 0 : amount,
    entryPrice: amount <= 1e-12 ? 0 : held.entryPrice,
    realisedPnl: held.realisedPnl + pnl,
    version,
    lastOrderId,
  };
}

/** The position with `orderId` pending (or none), the version bumped by one. */
export function withPendingOrder(position: Position, orderId: string | undefined): Position {
  const { pendingOrderId: _previous, ...rest } = position;
  return {
    ...rest,
    ...(orderId === undefined ? {} : { pendingOrderId: orderId }),
    version: position.version + 1,
  };
}

/** Realised plus unrealised PnL, marking the held amount at `price`. */
export function totalPnl(position: Position, price: number): number {
  return position.realisedPnl + position.amount * (price - position.entryPrice);
}
