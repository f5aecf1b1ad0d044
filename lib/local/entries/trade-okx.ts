import { createOkxClient } from '../../adapters/exchanges/okx-client.js';
import { createLocalTradeHandler } from './local-trade-handler.js';

/** The local trade function on the simulator speaking okx's API, through ccxt's okx class. */
export const handler = await createLocalTradeHandler(createOkxClient);
