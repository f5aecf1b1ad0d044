import type { OrderIntent } from './order-intent.js';
import type { Fill } from './position.js';
import type { Side } from './signal.js';
import type { Sizing } from './sizing.js';
import type { ExitReason } from './stop.js';
import type { TickOrder } from './tick.js';

/** An order's status as the venue reports it. */
export const OrderStatus = {
  Filled: 'filled',
  PartiallyFilled: 'partially-filled',
  Open: 'open',
  Rejected: 'rejected',
  Cancelled: 'cancelled',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/**
 * Where an order record stands: `intent` (recorded, never sent), `sent` (may have reached the
 * venue), or what the venue last reported.
 */
export const OrderState = { Intent: 'intent', Sent: 'sent', ...OrderStatus } as const;
export type OrderState = (typeof OrderState)[keyof typeof OrderState];

/** An order's lifecycle as stored: `intent` is written before anything is sent. */
export interface OrderRecord {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly strategy: string;
  readonly side: Side;
  readonly candleTime: number;
  readonly amount: number;
  readonly referencePrice: number;
  readonly status: OrderState;
  readonly filledAmount?: number;
  readonly averagePrice?: number;
  readonly fee?: number;
  /** The part of `fee` taken in the base currency, in the base (see {@link VenueReport}). */
  readonly feeInBase?: number;
  readonly reason?: string;
  /** `stop` for a protective stop resting on the exchange; a market order otherwise. */
  readonly kind?: 'stop';
  /** A stop's trigger price. */
  readonly stopPrice?: number;
  /** Why a sell closes the position (see {@link ExitReason}). */
  readonly exitReason?: ExitReason;
  /** Open time of the candle a stop filled in, as the venue reported the fill's time. */
  readonly fillCandleTime?: number;
  readonly createdAt: string;
  readonly version: number;
}

/** What the venue says about one order: a broker's report or the result of a look-up. */
export interface VenueReport {
  readonly status: OrderStatus;
  readonly filledAmount: number;
  readonly averagePrice: number;
  /** Fee in the quote currency. */
  readonly fee: number;
  /** When the venue filled it, epoch ms, where it says. */
  readonly fillTime?: number;
  /**
   * The part of `fee` the venue took in the base currency, in the base (Binance takes a buy's
   * fee from what it buys unless BNB pays): what the account holds moves by that much less.
   */
  readonly feeInBase?: number;
}

/** Thrown when a step would move an order record where its lifecycle does not go. */
export class IllegalOrderTransitionError extends Error {
  constructor(
    readonly clientOrderId: string,
    readonly from: OrderState,
    readonly to: OrderState,
  ) {
    super(`order ${clientOrderId} cannot move from ${from} to ${to}`);
    this.name = 'IllegalOrderTransitionError';
  }
}

const venueStates: readonly OrderState[] = Object.values(OrderStatus);

/**
 * An order the venue once reported open that a look-up no longer finds. It reached the venue, so
 * sending it again could make a second order for one intent: the tick fails instead, and a later
 * tick settles the order by its client id.
 */
export class OrderUnconfirmedError extends Error {
  constructor(readonly clientOrderId: string) {
    super(
      `order ${clientOrderId} was reported open by the exchange and its look-up finds nothing now; it is not sent again`,
    );
    this.name = 'OrderUnconfirmedError';
  }
}

/**
 * The legal moves. Whatever the venue reports about a client id is what happened, so a report
 * may move any record that is not final. `sent → sent` is the send of a prompt retry whose
 * earlier attempt never reached the venue (the look-up found nothing). An order the venue once
 * called open reached it: it is never sent again, even when a later look-up cannot find it.
 */
const transitions: Readonly<Record<OrderState, readonly OrderState[]>> = {
  intent: ['sent', ...venueStates],
  sent: ['sent', ...venueStates],
  open: venueStates,
  filled: [],
  'partially-filled': [],
  rejected: [],
  cancelled: [],
};

/** Whether an order record may move from `from` to `to`. */
export function canMoveOrder(from: OrderState, to: OrderState): boolean {
  return transitions[from].includes(to);
}

/** Whether the order is settled for good: nothing will change it, and it is never sent again. */
export function isFinalOrder(status: OrderState): boolean {
  return transitions[status].length === 0;
}

/**
 * What a tick must do next with its own order record:
 * - `send`: a fresh intent, never sent: send it;
 * - `look-up`: it may have reached the venue: look it up by client id, and send only if the
 *   venue has never heard of it;
 * - `apply`: it is final: only apply its fill, never send it again.
 */
export type OrderNextStep = 'send' | 'look-up' | 'apply';

/** The next step for the record of this tick's own intent (first attempt or retry). */
export function nextOrderStep(record: OrderRecord): OrderNextStep {
  if (isFinalOrder(record.status)) return 'apply';
  // Only the intent as first written is known never to have been sent.
  return record.status === OrderState.Intent && record.version === 1 ? 'send' : 'look-up';
}

/**
 * What a later tick must do with an order an earlier one left pending:
 * - `leave`: it is the order of this very candle (a prompt retry), so the decision finishes it;
 * - `look-up`: look it up and settle it, never send it: its tick is over;
 * - `apply`: it is final: apply its fill.
 */
export type PendingOrderStep = 'leave' | 'look-up' | 'apply';

/** The step for a pending order when the tick decides on `ownCandle` (NaN if it will not decide). */
export function pendingOrderStep(record: OrderRecord, ownCandle: number): PendingOrderStep {
  if (isFinalOrder(record.status)) return 'apply';
  return record.candleTime === ownCandle ? 'leave' : 'look-up';
}

/**
 * The first record of `intent`, written before anything is sent: `intent` when it was sized,
 * `rejected` with the reason when it may not be sent at all.
 */
export function recordIntent(
  intent: OrderIntent & { readonly clientOrderId: string; readonly referencePrice: number },
  sizing: Sizing,
  createdAt: string,
): OrderRecord {
  return {
    clientOrderId: intent.clientOrderId,
    symbol: intent.symbol,
    strategy: intent.strategy,
    side: intent.side,
    candleTime: intent.candleTime,
    amount: sizing.ok ? sizing.amount : 0,
    referencePrice: intent.referencePrice,
    status: sizing.ok ? OrderState.Intent : OrderState.Rejected,
    ...(sizing.ok ? {} : { reason: sizing.reason }),
    createdAt,
    version: 1,
  };
}

/**
 * The first record of the protective stop `clientOrderId` for the position held, written before
 * it is sent: a sell of `amount` triggered at `stopPrice`, decided at `candleTime`.
 */
export function recordStopIntent(
  stop: {
    readonly clientOrderId: string;
    readonly symbol: string;
    readonly strategy: string;
    readonly candleTime: number;
    readonly amount: number;
    readonly stopPrice: number;
    readonly exitReason: ExitReason;
  },
  createdAt: string,
): OrderRecord {
  return {
    clientOrderId: stop.clientOrderId,
    symbol: stop.symbol,
    strategy: stop.strategy,
    side: 'sell',
    candleTime: stop.candleTime,
    amount: stop.amount,
    referencePrice: stop.stopPrice,
    status: OrderState.Intent,
    kind: 'stop',
    stopPrice: stop.stopPrice,
    exitReason: stop.exitReason,
    createdAt,
    version: 1,
  };
}

/** The record as it must be stored before it is sent: from here it may reach the venue. */
export function markSent(record: OrderRecord): OrderRecord {
  return move(record, OrderState.Sent, {});
}

/** The record after the venue reported `report` for it (a broker's answer or a look-up). */
export function applyReport(
  record: OrderRecord,
  report: VenueReport,
  reason?: string,
): OrderRecord {
  return move(record, report.status, {
    filledAmount: report.filledAmount,
    averagePrice: report.averagePrice,
    fee: report.fee,
    ...(report.feeInBase === undefined ? {} : { feeInBase: report.feeInBase }),
    ...(reason === undefined ? {} : { reason }),
  });
}

/** The record of a pending order the venue never received, once its tick is over. */
export function cancelUnreceived(record: OrderRecord): OrderRecord {
  return move(record, OrderState.Cancelled, {
    reason: 'the exchange never received it; its tick is over',
  });
}

/** The fill a settled record moves the position by, or undefined when nothing was filled. */
export function fillOf(record: OrderRecord): Fill | undefined {
  const amount = record.filledAmount ?? 0;
  if (!(amount > 0)) return undefined;
  return {
    side: record.side,
    amount,
    price: record.averagePrice ?? 0,
    fee: record.fee ?? 0,
    ...(record.feeInBase === undefined ? {} : { feeInBase: record.feeInBase }),
    candleTime: record.candleTime,
  };
}

/** The order as a tick result reports it. */
export function tickOrderOf(record: OrderRecord): TickOrder {
  return {
    clientOrderId: record.clientOrderId,
    side: record.side,
    amount: record.filledAmount ?? record.amount,
    price: record.averagePrice ?? record.referencePrice,
    status: record.status,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
  };
}

function move(record: OrderRecord, to: OrderState, fields: Partial<OrderRecord>): OrderRecord {
  if (!canMoveOrder(record.status, to)) {
    throw new IllegalOrderTransitionError(record.clientOrderId, record.status, to);
  }
  return { ...record, status: to, ...fields, version: record.version + 1 };
}
