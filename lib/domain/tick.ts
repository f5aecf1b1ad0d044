import type { PairSettings } from './pair-selection.js';
import type { Side, Signal } from './signal.js';
import type { BreakerState } from './symbol-health.js';

/** One symbol's share of one schedule tick. */
export interface SymbolTick {
  readonly symbol: string;
  /** The scheduled time of the tick, epoch ms (not the arrival time). */
  readonly scheduledAt: number;
  /**
   * For a pair a volume selector picked (not a fixed symbol of the config): what it is traded
   * with, as the fan-out found it in the stored selection.
   */
  readonly pair?: TickPair;
}

/** A selected pair's settings on one tick. */
export interface TickPair extends PairSettings {
  /**
   * The pair left its selector's list (or the selector was removed or disabled) while holding:
   * its stop and exits go on, entries are refused (`skipped: deselected`).
   */
  readonly exitOnly: boolean;
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
  /**
   * A pair picked by volume that has left its selector's list (or whose selector was removed or
   * disabled): its entry is refused; its stop and exits go on until it is flat.
   */
  Deselected: 'deselected',
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
