import { createBinanceClient } from '../../adapters/exchanges/binance-client.js';
import { createLocalTradeBundle } from './local-trade-handler.js';

/**
 * The local trade (`handler`) and markets (`refresh`) functions on the simulator speaking
 * binance's API, through ccxt's binance class.
 */
export const { handler, refresh } = await createLocalTradeBundle(createBinanceClient);
