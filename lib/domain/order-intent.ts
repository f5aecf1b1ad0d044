import { type ClientIdStyle, formatClientId, parseClientId } from './client-id.js';
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
 * A deterministic client order id for `intent` in the exchange's `style`: the same intent always
 * gives the same id, so a retry can find the order it may already have placed, and intents of one
 * symbol never share one (the candle time is in the id, strategy and symbol in its hash).
 */
export function clientOrderId(intent: OrderIntent, style: ClientIdStyle): string {
  const key = `${intent.strategy}|${intent.symbol}|${intent.candleTime}|${intent.side}`;
  return formatClientId(
    style,
    { kind: 'order', side: intent.side, candleTime: intent.candleTime },
    key,
  );
}

/**
 * The candle time an id made by {@link clientOrderId} (in any style) was derived from, or
 * undefined for an id of another shape. Lets the exchange's own order list be grouped by intent
 * without the bot's records.
 */
export function intentCandleTime(id: string): number | undefined {
  const subject = parseClientId(id);
  return subject?.kind === 'order' ? subject.candleTime : undefined;
}
