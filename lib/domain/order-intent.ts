import { hash as digest } from 'node:crypto';
import type { Side } from './signal.js';

/** What the bot means to do, before any order exists. Its id is derived from it alone. */
export interface OrderIntent {
  readonly strategy: string;
  readonly symbol: string;
  /** Open time of the candle whose close produced the signal. */
  readonly candleTime: number;
  readonly side: Side;
}

/**
 * A deterministic client order id for `intent`: the same intent always gives the same id, so a
 * retry can find the order it may already have placed. At most 36 characters from
 * `[.A-Z:/a-z0-9_-]`, as Binance requires.
 */
export function clientOrderId(intent: OrderIntent): string {
  const key = `${intent.strategy}|${intent.symbol}|${intent.candleTime}|${intent.side}`;
  // The one-shot digest: a backtest derives one id per fill, and a Hash object costs twice as much.
  const hash = digest('sha256', key, 'base64url').slice(0, 20);
  return `tf-${intent.side === 'buy' ? 'b' : 's'}-${intent.candleTime.toString(36)}-${hash}`;
}

/**
 * The candle time an id made by {@link clientOrderId} was derived from, or undefined for an id
 * of another shape. Lets the exchange's own order list be grouped by intent without the bot's
 * records.
 */
export function intentCandleTime(id: string): number | undefined {
  const match = /^tf-[bs]-([0-9a-z]+)-[A-Za-z0-9_-]{20}$/.exec(id);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 36);
}
