import { Side } from './signal.js';
import type { PositionStop } from './stop.js';

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
  /** The stop protecting the amount held, once one has been decided on; see {@link PositionStop}. */
  readonly stop?: PositionStop;
  /** Open time of the candle the entry was decided on; the clock `risk.roi` reads. */
  readonly openedAt?: number;
  /** Highest close seen since the entry (the entry price at first); what a trailing stop follows. */
  readonly highPrice?: number;
}

/** One fill as the exchange or paper broker reports it. */
export interface Fill {
  readonly side: Side;
  readonly amount: number;
  readonly price: number;
  /** Fee in the quote currency (the whole fee, a part taken in the base valued at the price). */
  readonly fee: number;
  /** The part of the fee taken in the base currency, in the base: not held after a buy. */
  readonly feeInBase?: number;
  /** Open time of the candle the order was decided on. */
  readonly candleTime?: number;
}

/**
 * Whether a tick still has work on `position`: an amount to protect and exit, or an order that
 * may have filled and must be settled (and its fill protected).
 */
export function needsTicks(position: Position): boolean {
  return position.amount > 0 || position.pendingOrderId !== undefined;
}

export function flatPosition(symbol: string): Position {
  return { symbol, amount: 0, entryPrice: 0, realisedPnl: 0, version: 0 };
}

/**
 * The position after `fill` of order `orderId`: the order is no longer pending, and the version
 * is bumped by one. An entry from flat starts the clock of `risk.roi` and the high a trailing
 * stop follows; a sell that leaves nothing held drops them and the stop with them.
 */
export function applyFill(position: Position, fill: Fill, orderId?: string): Position {
  const version = position.version + 1;
  const lastOrderId = orderId ?? position.lastOrderId;
  if (fill.side === Side.Buy) {
    // A fee taken in the base is not held; its value is in `fee`, so it is booked once.
    const bought = fill.amount - (fill.feeInBase ?? 0);
    const amount = position.amount + bought;
    const entryPrice =
      amount === 0 ? 0 : (position.amount * position.entryPrice + bought * fill.price) / amount;
    const next = copyWithout(position, settled);
    if (!(position.amount > 0)) {
      if (fill.candleTime !== undefined) next.openedAt = fill.candleTime;
      next.highPrice = fill.price;
    }
    next.amount = amount;
    next.entryPrice = entryPrice;
    next.realisedPnl = position.realisedPnl - fill.fee;
    next.version = version;
    next.lastOrderId = lastOrderId;
    return next;
  }
  const sold = Math.min(fill.amount, position.amount);
  const pnl = sold * (fill.price - position.entryPrice) - fill.fee;
  const amount = position.amount - sold;
  const realisedPnl = position.realisedPnl + pnl;
  const flat = amount <= 1e-12;
  const next = copyWithout(position, flat ? closed : settled);
  next.amount = flat ? 0 : amount;
  if (flat) next.entryPrice = 0;
  next.realisedPnl = realisedPnl;
  next.version = version;
  next.lastOrderId = lastOrderId;
  return next;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

// What a fill drops: the pending order it settles, and once flat what only a held amount has.
const settled: ReadonlySet<string> = new Set(['pendingOrderId']);
const closed: ReadonlySet<string> = new Set(['pendingOrderId', 'stop', 'openedAt', 'highPrice']);

/**
 * `{ ...position }` without the keys in `omit`, writable: the same own keys in the same order, so
 * fields set afterwards keep their place or follow them, as they would after a spread. Copied key
 * by key because V8 (Node 20) takes microseconds to add a property to an object made by a spread
 * or a rest pattern (`{ ...position, lastOrderId }` on a position that had none), which made
 * `applyFill` the costliest step of a backtest.
 */
function copyWithout(position: Position, omit: ReadonlySet<string>): Writable<Position> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(position)) {
    if (!omit.has(key)) copy[key] = position[key as keyof Position];
  }
  return copy as unknown as Writable<Position>;
}

/** The position with `stop` as its protection (or none), the version bumped by one. */
export function withStop(position: Position, stop: PositionStop | undefined): Position {
  const { stop: _previous, ...rest } = position;
  return { ...rest, ...(stop === undefined ? {} : { stop }), version: position.version + 1 };
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
