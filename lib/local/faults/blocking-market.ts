import type { TradeMarket } from '../../handlers/trade-handler.js';
import type { MarketData } from '../../ports/market-data.js';

/** Text of the error a blocked invocation can never reach; it marks this module in a bundle. */
export const blockFaultMarker = 'tickfan fault injection: block';

/**
 * The failure tickfan exists to contain, injected by the local runtime for
 * `npm start -- --fault block:SYMBOL`: the first candle fetch of a blocked symbol (`*` for every
 * symbol) busy-waits forever, blocking its container's thread synchronously, as a blocking call
 * inside a trading loop does. It comes after the tick's own bookkeeping (a killed earlier attempt
 * counts toward the breaker, an open breaker skips the tick), so the runtime's kill at the
 * function's timeout is the only way out, and the breaker can still protect the symbol.
 */
export function blockingMarket(inner: TradeMarket, symbols: readonly string[]): TradeMarket {
  const blocked = (symbol: string) => symbols.includes('*') || symbols.includes(symbol);
  const fetchCandles: MarketData['fetchCandles'] = (request) => {
    if (!blocked(request.symbol)) return inner.fetchCandles(request);
    const spin = Date.now;
    // Nothing in this thread runs again: no timer, no I/O, no await. Only a kill ends it.
    while (spin() > 0) {
      // busy
    }
    throw new Error(blockFaultMarker);
  };
  return {
    market: (symbol, timeoutMs) => inner.market(symbol, timeoutMs),
    fetchCandles,
    onMarketRulesFallback: (listener) => inner.onMarketRulesFallback?.(listener),
  };
}
