// The okx class is imported from its own module, not from the ccxt barrel: the barrel loads
// every exchange and the package exports nothing else, hence the relative path into
// node_modules, which Node, tsc and esbuild all resolve. A bundle that imports this file holds
// okx's class and no other exchange's.
import okx from '../../../node_modules/ccxt/js/src/okx.js';
import { type ExchangeClientOptions, isLocal, pointApiAt } from './client-options.js';

/** Dummy credentials for the simulator, which wants OKX's three but checks none. */
const simulatorApiKey = 'simulator-api-key';
const simulatorSecret = 'simulator-secret';
const simulatorPassword = 'simulator-passphrase';

/**
 * A ccxt okx client for spot trading in a cash (Spot mode) account. Markets load with one
 * `GET /api/v5/public/instruments?instType=SPOT`: no currencies (ccxt's okx asks for them with
 * the private `GET /api/v5/asset/currencies` whenever it holds a key, whatever its options say,
 * so the client is told the exchange has no such call), no margin or derivative instruments,
 * and the clock is never synced.
 *
 * With `url`, every OKX API family (there is one, `rest`) points at that server, keeping its
 * path, so a stray call fails on the local server instead of reaching the real OKX. Without
 * keys, dummy ones (key, secret and passphrase) are set, as the simulator wants some. Without
 * `url` it is the real OKX, and without keys every private call fails with ccxt's
 * AuthenticationError naming the missing credential.
 */
export function createOkxClient(options: ExchangeClientOptions = {}): okx {
  const local = isLocal(options);
  const client = new okx({
    enableRateLimit: options.rateLimit ?? false,
    apiKey: options.apiKey ?? (local ? simulatorApiKey : undefined),
    secret: options.secret ?? (local ? simulatorSecret : undefined),
    password: options.password ?? (local ? simulatorPassword : undefined),
    has: { fetchCurrencies: false },
    options: {
      fetchMarkets: { types: ['spot'] },
      // Already ccxt's default; stated because syncing the clock would add
      // `GET /api/v5/public/time` to every market load.
      adjustForTimeDifference: false,
    },
  });
  if (isLocal(options)) pointApiAt(client.urls.api as Record<string, unknown>, options.url);
  return client;
}
