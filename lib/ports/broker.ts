import type { VenueReport } from '../domain/order-lifecycle.js';
import type { Side } from '../domain/signal.js';

// The statuses belong to the order's lifecycle; brokers and their callers keep importing them here.
export { OrderStatus } from '../domain/order-lifecycle.js';

export interface OrderRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly amount: number;
  readonly clientOrderId: string;
  /** Price the decision was made at; a paper broker fills here, an exchange at its market. */
  readonly referencePrice: number;
  readonly timeoutMs: number;
}

/** A protective sell stop: `amount` sold at market once the price trades at `stopPrice`. */
export interface StopOrderRequest {
  readonly symbol: string;
  readonly amount: number;
  readonly stopPrice: number;
  readonly clientOrderId: string;
  readonly timeoutMs: number;
}

/** An order as the venue reports it. */
export interface OrderReport extends VenueReport {
  readonly clientOrderId: string;
  readonly exchangeOrderId?: string;
}

/** Thrown when the venue refuses an order for a reason a retry cannot fix. */
export class OrderRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderRejectedError';
  }
}

/** Places market orders and stops: the exchange in live runs, the paper broker otherwise. */
export interface Broker {
  placeMarketOrder(request: OrderRequest): Promise<OrderReport>;
  /** Rests a sell stop on the venue; reported `open` until it triggers. */
  placeStopOrder(request: StopOrderRequest): Promise<OrderReport>;
  /**
   * Cancels a resting order by client id and reports what became of it: `cancelled`, or
   * `filled` when it filled before the cancel reached it (then it must be booked, not sold
   * again); undefined when the venue has no such order.
   */
  cancelOrder(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<OrderReport | undefined>;
  /** Looks an order up by client id; undefined when the venue has no such order. */
  findOrder(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<OrderReport | undefined>;
}
