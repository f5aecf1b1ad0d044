import { createOkxClient } from '../../adapters/exchanges/okx-client.js';
import { createLocalTradeBundle } from './local-trade-handler.js';

/**
 * The local trade (`handler`) and markets (`refresh`) functions on the simulator speaking
 * okx's API, through ccxt's okx class.
 */
export const { handler, refresh } = await createLocalTradeBundle(createOkxClient);
