import { createKrakenClient } from '../lib/adapters/exchanges/kraken-client.js';
import { createDeployedTradeHandler } from '../lib/handlers/deployed-trade-handler.js';

/**
 * The trade function on kraken: an SQS batch of symbol ticks, or a direct `{ symbol, at?, rerun? }`
 * invocation. The stack deploys this entry when `exchange.id` is `kraken`; its bundle holds
 * kraken's ccxt class and no other exchange's.
 */
export const handler = await createDeployedTradeHandler('kraken', createKrakenClient);
