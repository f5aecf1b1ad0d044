// Every exchange's ccxt class, for the command-line tools and the local runtime that may speak to
// any of them. A deployed function never imports this file (a lint rule says so): its entry
// imports its one exchange's factory.
import type { ExchangeId } from '../../config/schema.js';
import { createBinanceClient } from './binance-client.js';
import type { ExchangeClientFactory } from './client-options.js';
import { createKrakenClient } from './kraken-client.js';
import { createOkxClient } from './okx-client.js';

/** The client factory of every supported exchange. */
export const exchangeClients: Readonly<Record<ExchangeId, ExchangeClientFactory>> = {
  binance: createBinanceClient,
  okx: createOkxClient,
  kraken: createKrakenClient,
};
