import { createBinanceClient } from '../../adapters/exchanges/binance-client.js';
import { createLocalTradeHandler } from './local-trade-handler.js';

/** The local trade function on the simulator speaking binance's API, through ccxt's binance class. */
export const handler = await createLocalTradeHandler(createBinanceClient);
