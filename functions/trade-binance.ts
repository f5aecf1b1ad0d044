import { createBinanceClient } from '../lib/adapters/exchanges/binance-client.js';
import { createDeployedTradeBundle } from '../lib/handlers/deployed-trade-handler.js';

/**
 * The functions on binance, one bundle holding binance's ccxt class and no other exchange's; the stack
 * deploys this entry when `exchange.id` is `binance`.
 *
 * - `handler`: the trade function: an SQS batch of symbol ticks, or a direct
 *   `{ symbol, at?, rerun? }` invocation.
 * - `refresh`: the markets function: every `markets.refreshMinutes`, the exchange's market rules
 *   stored once for every trade container.
 */
export const { handler, refresh } = await createDeployedTradeBundle('binance', createBinanceClient);
