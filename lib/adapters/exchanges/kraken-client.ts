// The kraken class is imported from its own module, not from the ccxt barrel: the barrel loads
// every exchange and the package exports nothing else, hence the relative path into
// node_modules, which Node, tsc and esbuild all resolve. A bundle that imports this file holds
// kraken's class and no other exchange's.
import kraken from '../../../node_modules/ccxt/js/src/kraken.js';
import { type ExchangeClientOptions, isLocal, pointApiAt } from './client-options.js';

/**
 * Dummy credentials for the simulator, which wants some but checks none. Kraken's secret is
 * base64 (ccxt decodes it to sign), so the dummy one is too: `simulator-secret` encoded.
 */
const simulatorApiKey = 'simulator-api-key';
const simulatorSecret = 'c2ltdWxhdG9yLXNlY3JldA==';

/**
 * A ccxt kraken client for spot trading. Markets load with `GET /0/public/Assets` and
 * `GET /0/public/AssetPairs` only (the clock is never synced), in ccxt's TICK_SIZE precision
 * mode: a market's precisions are Kraken's price tick and amount step.
 *
 * With `url`, every Kraken API family points at that server, keeping its path; the REST API
 * (`public`, `private`) goes to the server's root, where Kraken's `/0/public/...` and
 * `/0/private/...` paths follow. A stray call to another family then fails on the local server
 * instead of reaching the real Kraken. Without keys, dummy ones are set, as the simulator wants
 * some. Without `url` it is the real Kraken, and without keys every private call fails with
 * ccxt's AuthenticationError naming the missing credential.
 */
export function createKrakenClient(options: ExchangeClientOptions = {}): kraken {
  const local = isLocal(options);
  const client = new kraken({
    enableRateLimit: options.rateLimit ?? false,
    apiKey: options.apiKey ?? (local ? simulatorApiKey : undefined),
    secret: options.secret ?? (local ? simulatorSecret : undefined),
    options: {
      // Already ccxt's default; stated because syncing the clock would add `GET /0/public/Time`
      // to every market load.
      adjustForTimeDifference: false,
    },
  });
  if (isLocal(options)) {
    const api = client.urls.api as Record<string, unknown>;
    pointApiAt(api, options.url);
    api.public = options.url.replace(/\/+$/, '');
    api.private = api.public;
  }
  return client;
}
