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

/** Places market orders: the exchange in live runs, the paper broker otherwise. */
export interface Broker {
  placeMarketOrder(request: OrderRequest): Promise<OrderReport>;
  /** Looks an order up by client id; undefined when the venue has no such order. */
  findOrder(
    symbol: string,
    clientOrderId: string,
    timeoutMs: number,
  ): Promise<OrderReport | undefined>;
}
