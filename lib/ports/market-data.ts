import type { Candle, Timeframe } from '../domain/candle.js';
import type { Market } from '../domain/market.js';

/** Read-only exchange data. Every call takes the timeout it may use at most. */
export interface MarketData {
  /** Trading rules of `symbol`. Implementations load markets once and cache them. */
  market(symbol: string, timeoutMs: number): Promise<Market>;
  /**
   * The newest `limit` closed candles of `symbol`, oldest first. The candle still forming is
   * dropped: a candle is closed when `time + timeframe <= now` on the exchange's clock. With
   * `since`, the window starts at that open time instead of ending at now.
   */
  fetchCandles(request: {
    symbol: string;
    timeframe: Timeframe;
    since?: number;
    limit: number;
    timeoutMs: number;
  }): Promise<Candle[]>;
}
/** Why an exchange call failed in a way a later retry may fix. */
export const ExchangeFailureKind = {
  Timeout: 'timeout',
  RateLimit: 'rate-limit',
  Unavailable: 'unavailable',
} as const;
export type ExchangeFailureKind = (typeof ExchangeFailureKind)[keyof typeof ExchangeFailureKind];

/**
 * Thrown when the exchange did not answer in time, throttled us, or was unreachable or broken.
 * Always retryable; for an order it means the outcome is unknown, so a retry must look the order
 * up by its client id before sending it again.
 */
export class ExchangeUnavailableError extends Error {
  /** Marks the error as worth a retry, for code that cannot import this class. */
  readonly retryable = true;
  /** Seconds the exchange asked us to wait (its `Retry-After`), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly kind: ExchangeFailureKind,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ExchangeUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
