import type { BudgetRequest, Reservation } from '../domain/rate-budget.js';

export type { BudgetRequest, Reservation } from '../domain/rate-budget.js';

/**
 * The request and order budget every trade invocation of one exchange account and egress IP
 * draws from, so that together they stay within the exchange's limits.
 */
export interface RateBudget {
  /** Draws `request` from the current window, or says until when it cannot. */
  reserve(request: BudgetRequest): Promise<Reservation>;
  /**
   * Pauses the whole budget until `untilMs` (epoch ms): the exchange answered 429 or 418 and
   * asked to be left alone that long. A longer pause already set stands.
   */
  pause(untilMs: number): Promise<void>;
}

/**
 * Told by the exchange adapter that the exchange throttled us (429) or banned the address (418)
 * for `retryAfterMs`; it resolves once everyone has been told. It never rejects.
 */
export type ThrottleListener = (retryAfterMs: number) => Promise<void>;
