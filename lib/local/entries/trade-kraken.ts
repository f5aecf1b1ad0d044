import { createKrakenClient } from '../../adapters/exchanges/kraken-client.js';
import { createLocalTradeHandler } from './local-trade-handler.js';

/** The local trade function on the simulator speaking kraken's API, through ccxt's kraken class. */
export const handler = await createLocalTradeHandler(createKrakenClient);
