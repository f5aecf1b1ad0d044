// The binance class is imported from its own module, not from the ccxt barrel: the barrel loads
// every exchange (~60 MB, ~0.5 s of cold start) and the package exports nothing else, hence the
// relative path into node_modules, which Node, tsc and esbuild all resolve. A bundle that imports
// this file holds binance's class and no other exchange's.
import binance from '../../../node_modules/ccxt/js/src/binance.js';
import { type ExchangeClientOptions, isLocal, pointApiAt } from './client-options.js';

/**
 * A ccxt binance client for spot trading. Markets load with one `GET /api/v3/exchangeInfo`
 * (no currencies, margin pairs or futures), and the clock is never synced.
 *
 * With `url`, every Binance API family points at that server, keeping its path; the spot API
 * (`public`, `private`) goes to `${url}/api/v3`. A stray call to another family then fails on the
 * local server instead of reaching the real Binance. Without keys, dummy ones are set, as the
 * simulator wants some. Without `url` it is the real Binance, and without keys every private call
 * fails with ccxt's AuthenticationError naming the missing credential.
 */
export function createBinanceClient(options: ExchangeClientOptions = {}): binance {
  const local = isLocal(options);
  const client = new binance({
    enableRateLimit: options.rateLimit ?? false,
    apiKey: options.apiKey ?? (local ? 'simulator-api-key' : undefined),
    secret: options.secret ?? (local ? 'simulator-secret' : undefined),
    options: {
      fetchMarkets: { types: ['spot'] },
      fetchCurrencies: false,
      fetchMargins: false,
      adjustForTimeDifference: false,
    },
  });
  if (isLocal(options)) {
    const api = client.urls.api as Record<string, unknown>;
    pointApiAt(api, options.url);
    api.public = `${options.url.replace(/\/+$/, '')}/api/v3`;
    api.private = api.public;
  }
  return client;
}
