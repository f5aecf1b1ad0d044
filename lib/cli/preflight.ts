/**
 * `npm run preflight -- [--url http://127.0.0.1:PORT] [--config FILE]`: checks the config, that
 * the exchange answers and lists every market, and that the API key can trade but not withdraw.
 * Without `--url` it checks the real exchange with the keys from the config's Secrets Manager
 * secret; with `--url` it checks that endpoint (the exchange simulator) instead.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CcxtExchange, createBinanceClient } from '../adapters/ccxt-exchange.js';
import { readExchangeKeys } from '../adapters/secrets-manager-keys.js';
import { SystemClock } from '../adapters/system-clock.js';
import { textTable } from '../report/text-table.js';
import { preflight } from '../use-cases/preflight.js';
import { configOption, UsageError } from './args.js';
import { awsClientConfig, remoteOptions } from './aws-options.js';
import { configFile } from './paths.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  url: {
    type: 'string',
    value: 'http://127.0.0.1:PORT',
    help: 'check this Binance-compatible endpoint (e.g. npm run simulator) instead of the real exchange',
  },
  region: {
    ...remoteOptions.region,
    help: "the AWS region of the config's Secrets Manager secret (default: AWS_REGION or the profile)",
  },
  config: configOption,
} as const;

async function main({ values }: CliArgs<typeof options>): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = configFile(values.config);
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
    const secrets = new SecretsManagerClient(awsClientConfig(values.region));
    client = createBinanceClient(await readExchangeKeys(secretName, secrets));
  }
  const exchange = new CcxtExchange({ exchange: client, clock: new SystemClock() });
  const result = await preflight({
    config,
    market: exchange,
    keys: exchange,
    timeoutMs: config.timeouts.exchangeCallMs,
  });
  console.log(
    textTable(
      ['check', 'ok', 'detail'],
      result.checks.map((c) => [c.check, c.ok ? 'ok' : 'FAIL', c.detail]),
    ),
  );
  console.log(result.ok ? '\npreflight passed' : '\npreflight FAILED: do not go live');
  if (!result.ok) process.exitCode = 1;
}

await runCli(
  {
    name: 'preflight',
    usage: 'npm run preflight --',
    summary:
      'Checks the config, that the exchange answers and lists every configured market, and that the API key can trade but not withdraw; exits 1 on any failure.',
    options,
  },
  main,
);
