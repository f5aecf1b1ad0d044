import type { Side, Signal } from './signal.js';
import type { BreakerState } from './symbol-health.js';

/** One symbol's share of one schedule tick. */
export interface SymbolTick {
  readonly symbol: string;
  /** The scheduled time of the tick, epoch ms (not the arrival time). */
  readonly scheduledAt: number;
}

/** Stable identity of a symbol tick: the FIFO deduplication id and the idempotency key. */
export function tickId(tick: SymbolTick): string {
  return `${tick.symbol}#${new Date(tick.scheduledAt).toISOString()}`;
}

export const TickStatus = { Ok: 'ok', Skipped: 'skipped', Failed: 'failed' } as const;
export type TickStatus = (typeof TickStatus)[keyof typeof TickStatus];

export const SkipReason = {
  Stale: 'stale',
  Halted: 'halted',
  Breaker: 'breaker',
  Deadline: 'deadline',
  /** The symbol is `enabled: false` in the config: a queued or direct tick is never traded. */
  Disabled: 'disabled',
  /**
   * The shared rate budget had no room for the tick's exchange calls within its deadline (or
   * a 429/418 paused it): nothing was asked, and a held position's stop stays resting.
   */
  RateLimit: 'ratelimit',
  /**
   * The exchange lists the market as inactive or no longer lists it: the tick's entry or exit is
   * not sent, and what is held keeps its stop.
   */
  Delisted: 'delisted',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** The order a tick placed, as recorded. */
export interface TickOrder {
  readonly clientOrderId: string;
  readonly side: Side;
  readonly amount: number;
  readonly price: number;
  readonly status: string;
  readonly reason?: string;
}

/** What one symbol tick did; stored and returned by a direct invocation. */
export interface TickResult {
  readonly tickId: string;
  readonly symbol: string;
  readonly scheduledAt: string;
  readonly status: TickStatus;
  readonly skipReason?: SkipReason;
  readonly signal: Signal;
  /** Open time of the newest closed candle the decision used. */
  readonly candleTime?: number;
  readonly price?: number;
  readonly order?: TickOrder;
  readonly position: {
    readonly amount: number;
    readonly entryPrice: number;
    readonly realisedPnl: number;
  };
  /** The symbol's circuit breaker when the tick ended. */
  readonly breaker?: BreakerState;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly error?: string;
}
