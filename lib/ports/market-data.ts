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
