import { createOkxClient } from '../lib/adapters/exchanges/okx-client.js';
import { createDeployedTradeBundle } from '../lib/handlers/deployed-trade-handler.js';

/**
 * The functions on okx, one bundle holding okx's ccxt class and no other exchange's; the stack
 * deploys this entry when `exchange.id` is `okx`.
 *
 * - `handler`: the trade function: an SQS batch of symbol ticks, or a direct
 *   `{ symbol, at?, rerun? }` invocation.
 * - `refresh`: the markets function: every `markets.refreshMinutes`, the exchange's market rules
 *   stored once for every trade container.
 */
export const { handler, refresh } = await createDeployedTradeBundle('okx', createOkxClient);
