import type { Side } from '../domain/signal.js';

export const OrderStatus = {
  Filled: 'filled',
  PartiallyFilled: 'partially-filled',
  Open: 'open',
  Rejected: 'rejected',
  Cancelled: 'cancelled',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

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
export interface OrderReport {
  readonly clientOrderId: string;
  readonly exchangeOrderId?: string;
  readonly status: OrderStatus;
  readonly filledAmount: number;
  readonly averagePrice: number;
  /** Fee in the quote currency. */
  readonly fee: number;
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
