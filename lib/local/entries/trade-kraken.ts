import { createKrakenClient } from '../../adapters/exchanges/kraken-client.js';
import { createLocalTradeBundle } from './local-trade-handler.js';

/**
 * The local trade (`handler`) and markets (`refresh`) functions on the simulator speaking
 * kraken's API, through ccxt's kraken class.
 */
export const { handler, refresh } = await createLocalTradeBundle(createKrakenClient);
