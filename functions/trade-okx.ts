import { createOkxClient } from '../lib/adapters/exchanges/okx-client.js';
import { createDeployedTradeHandler } from '../lib/handlers/deployed-trade-handler.js';

/**
 * The trade function on okx: an SQS batch of symbol ticks, or a direct `{ symbol, at?, rerun? }`
 * invocation. The stack deploys this entry when `exchange.id` is `okx`; its bundle holds
 * okx's ccxt class and no other exchange's.
 */
export const handler = await createDeployedTradeHandler('okx', createOkxClient);
