/**
 * The arithmetic of the rate budget every trade invocation of one exchange account and egress
 * IP shares: fixed windows, each with an allowance of request weight (or of orders), drawn from
 * by one reservation per tick, and paused as a whole when the exchange answered 429 or 418.
 * The exchanges' numbers are in the config's `exchangeLimits`; this module only reckons.
 */

/** An exchange call a tick makes, by what it weighs. */
export const CallKind = {
  /** One candle window (`fetchOHLCV`). */
  Candles: 'candles',
  /** Loading the markets (once per container). */
  Markets: 'markets',
  /** A market order, with the look-up that confirms it where the exchange answers ids only. */
  Order: 'order',
  /** A resting stop, with its confirming look-up. */
  Stop: 'stop',
  /** Cancelling a resting stop, with the look-up that says what became of it. */
  Cancel: 'cancel',
  /** An order looked up by its client id. */
  Lookup: 'lookup',
  /** The account's balances. */
  Balance: 'balance',
  /** Every spot market's ticker in one request (the markets refresh ranking pairs by volume). */
  Tickers: 'tickers',
} as const;
export type CallKind = (typeof CallKind)[keyof typeof CallKind];

/** A limit counted in fixed windows: at most `limit` in each window of `windowMs`. */
export interface RateWindow {
  readonly limit: number;
  readonly windowMs: number;
}

/** An exchange's request and order limits and what each call weighs in the request unit. */
export interface ExchangeRateLimits {
  readonly requests: RateWindow;
  readonly orders: RateWindow;
  readonly weights: Readonly<Record<CallKind, number>>;
}

/** The two counters of a budget: request weight (per IP) and orders (per account). */
export const RatePool = { Requests: 'requests', Orders: 'orders' } as const;
export type RatePool = (typeof RatePool)[keyof typeof RatePool];

/**
 * Who draws: an entry (a flat symbol's tick, a buy) stops at the budget's share of the limit;
 * protection (the tick of a symbol that holds something, an exit) may draw the whole limit, so
 * that entries can never starve a stop.
 */
export const BudgetPriority = { Entry: 'entry', Protection: 'protection' } as const;
export type BudgetPriority = (typeof BudgetPriority)[keyof typeof BudgetPriority];

/** One draw from a budget. */
export interface BudgetRequest {
  readonly pool: RatePool;
  readonly weight: number;
  readonly priority: BudgetPriority;
}

/** What a budget answered: granted, or refused until `retryAt` (epoch ms). */
export type Reservation =
  | { readonly granted: true }
  | { readonly granted: false; readonly reason: 'paused' | 'exhausted'; readonly retryAt: number };

/** The limits a deployment draws from: the exchange's, sized by the config. */
export interface BudgetRules {
  readonly requests: RateWindow;
  readonly orders: RateWindow;
  /** Fraction of each limit entries may use; protection may use all of it. */
  readonly share: number;
}

/** One pool's counter as stored: the window it counts and what was drawn in it. */
export interface PoolState {
  readonly windowStart: number;
  readonly used: number;
  /** Until when (epoch ms) the exchange asked everyone to stay away; absent when never. */
  readonly pausedUntil?: number;
}

/** Start (epoch ms) of the fixed window holding `now`. */
export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

/** Start of the window after the one holding `now`. */
export function nextWindowAt(now: number, windowMs: number): number {
  return windowStart(now, windowMs) + windowMs;
}

/** The window of `pool` under `rules`. */
export function poolWindow(rules: Pick<BudgetRules, 'requests' | 'orders'>, pool: RatePool) {
  return pool === RatePool.Orders ? rules.orders : rules.requests;
}

/**
 * What `priority` may draw from one window: protection the whole limit, an entry the share of
 * it (rounded down: weights are whole units).
 */
export function poolAllowance(window: RateWindow, share: number, priority: BudgetPriority): number {
  return priority === BudgetPriority.Protection ? window.limit : Math.floor(window.limit * share);
}

/**
 * Draws `request` from `state` at `now`: the reference semantics the DynamoDB adapter's single
 * conditional update implements. Refused while paused (until the pause ends) or when the weight
 * would take the window past the allowance (until the next window); a new window starts empty.
 */
export function reserveFrom(
  state: PoolState | undefined,
  request: BudgetRequest,
  now: number,
  rules: BudgetRules,
): { readonly state: PoolState | undefined; readonly reservation: Reservation } {
  const window = poolWindow(rules, request.pool);
  if (state?.pausedUntil !== undefined && state.pausedUntil > now) {
    return { state, reservation: { granted: false, reason: 'paused', retryAt: state.pausedUntil } };
  }
  const start = windowStart(now, window.windowMs);
  const used = state !== undefined && state.windowStart === start ? state.used : 0;
  const allowance = poolAllowance(window, rules.share, request.priority);
  if (used + request.weight > allowance) {
    const retryAt = start + window.windowMs;
    return { state, reservation: { granted: false, reason: 'exhausted', retryAt } };
  }
  const pause = state?.pausedUntil === undefined ? {} : { pausedUntil: state.pausedUntil };
  return {
    state: { windowStart: start, used: used + request.weight, ...pause },
    reservation: { granted: true },
  };
}

/** `state` paused until `until`; a longer pause already set stands. */
export function pauseUntil(state: PoolState | undefined, until: number): PoolState {
  const current = state ?? { windowStart: 0, used: 0 };
  if (current.pausedUntil !== undefined && current.pausedUntil >= until) return current;
  return { ...current, pausedUntil: until };
}

/** What a tick is about to ask the exchange, as far as its start can tell. */
export interface TickCalls {
  /** It fetches its candle window (it is to decide). */
  readonly fetchesCandles: boolean;
  /** It holds a position, whose stop it reconciles (and may cancel for an exit or a raise). */
  readonly holding: boolean;
  /** An earlier tick left an order pending, which it looks up. */
  readonly pendingOrder: boolean;
}

/**
 * The request weight a tick reserves before its first exchange call: its candles, the check of a
 * held position's stop (one look-up, which every held tick makes), and the look-up of a pending
 * order. What only some ticks do is reserved when they are about to do it: an order with its
 * stop or its cancel ({@link orderWeight}). Reserving a cancel and a new stop on every held tick
 * would price a held position at several times its real calls: on kraken three held symbols
 * would fill a window, and their ticks would skip as `ratelimit` with the budget half unused.
 */
export function tickWeight(weights: Readonly<Record<CallKind, number>>, calls: TickCalls): number {
  let weight = calls.fetchesCandles ? weights.candles : 0;
  if (calls.holding) weight += weights.lookup;
  if (calls.pendingOrder) weight += weights.lookup;
  return weight;
}

/** Who a tick draws as: protection when it holds a position or a pending order, else an entry. */
export function tickPriority(calls: TickCalls): BudgetPriority {
  return calls.holding || calls.pendingOrder ? BudgetPriority.Protection : BudgetPriority.Entry;
}

/**
 * The request weight and the orders of sending one market order: a buy is followed by its
 * stop in the same tick, so it draws for both; a sell (an exit) first cancels the stop it
 * replaces.
 */
export function orderWeight(
  weights: Readonly<Record<CallKind, number>>,
  side: 'buy' | 'sell',
): { readonly requests: number; readonly orders: number } {
  return side === 'buy'
    ? { requests: weights.order + weights.stop, orders: 2 }
    : { requests: weights.cancel + weights.order, orders: 1 };
}

/**
 * The heaviest single draw of an entry from the request pool: a flat symbol's candles, or a buy
 * with its stop. A budget whose entry share is below it would refuse every entry.
 */
export function heaviestEntryWeight(weights: Readonly<Record<CallKind, number>>): number {
  return Math.max(weights.candles, orderWeight(weights, 'buy').requests);
}
