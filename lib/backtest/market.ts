import type { Candle } from '../domain/candle.js';
import type { Market } from '../domain/market.js';
import { deriveMarketRules } from '../market-data/market-rules.js';

/**
 * The trading rules a backtest sizes orders with: the ones the exchange simulator publishes for
 * the same candles (`deriveMarketRules`), as the ccxt adapter hands them to the trade function.
 * `npm start` and `npm run backtest` therefore floor amounts to the same step and apply the same
 * minimums. Pass every candle of the file, not just the backtested span, as the simulator does.
 */
export function simulatedMarket(symbol: string, candles: readonly Candle[]): Market {
  const [base = '', quote = ''] = symbol.split('/');
  const rules = deriveMarketRules(quote, candles);
  return {
    symbol,
    base,
    quote,
    amountStep: rules.stepSize,
    priceStep: rules.tickSize,
    minAmount: rules.minQty,
    minNotional: rules.minNotional,
  };
}
