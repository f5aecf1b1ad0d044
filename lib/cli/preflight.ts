/**
 * `npm run preflight -- [--url http://127.0.0.1:PORT] [--config FILE]`: checks the config, that
 * the exchange answers and lists every market, and that the API key can trade but not withdraw.
 * Without `--url` it checks the real exchange with the keys from the config's Secrets Manager
 * secret; with `--url` it checks that endpoint (the exchange simulator) instead.
 */
import { parseArgs } from 'node:util';
import { CcxtExchange, createBinanceClient } from '../adapters/ccxt-exchange.js';
import { readExchangeKeys } from '../adapters/secrets-manager-keys.js';
import { SystemClock } from '../adapters/system-clock.js';
import { loadConfigFile } from '../config/load.js';
import { preflight } from '../use-cases/preflight.js';
import { failWith, UsageError } from './args.js';
import { table } from './format.js';

const usage = 'usage: npm run preflight -- [--url http://127.0.0.1:PORT] [--config FILE]';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: { url: { type: 'string' }, config: { type: 'string', default: 'cdk.json' } },
  });
  const config = loadConfigFile(values.config);
  let client: ReturnType<typeof createBinanceClient>;
  if (values.url !== undefined) {
    client = createBinanceClient({ url: values.url });
  } else {
    const secretName = config.exchange.secretName;
    if (secretName === undefined) {
      throw new UsageError(
        'exchange.secretName is not set: preflight checks live keys (or give --url)',
      );
    }
    client = createBinanceClient(await readExchangeKeys(secretName));
  }
  const exchange = new CcxtExchange({ exchange: client, clock: new SystemClock() });
  const result = await preflight({
    config,
    market: exchange,
    keys: exchange,
    timeoutMs: config.timeouts.exchangeCallMs,
  });
  console.log(
    table(
      ['check', 'ok', 'detail'],
      result.checks.map((c) => [c.check, c.ok ? 'ok' : 'FAIL', c.detail]),
    ),
  );
  console.log(result.ok ? '\npreflight passed' : '\npreflight FAILED: do not go live');
  if (!result.ok) process.exitCode = 1;
}

main().catch(failWith(usage));
