import { createBinanceClient } from '../lib/adapters/exchanges/binance-client.js';
import { createDeployedTradeHandler } from '../lib/handlers/deployed-trade-handler.js';

/**
 * The trade function on binance: an SQS batch of symbol ticks, or a direct `{ symbol, at?, rerun? }`
 * invocation. The stack deploys this entry when `exchange.id` is `binance`; its bundle holds
 * binance's ccxt class and no other exchange's.
 */
export const handler = await createDeployedTradeHandler('binance', createBinanceClient);
