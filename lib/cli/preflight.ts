/**
 * `npm run preflight -- [--exchange ID] [--url http://127.0.0.1:PORT] [--egress-ip IP]...
 * [--remote [--stage S]] [--config FILE]`: checks the config, that the exchange answers and lists
 * every market, that the API key can trade but not withdraw, and that its IP whitelist holds the
 * stack's egress IPs. Without `--url` it checks the real exchange with the keys from the config's
 * Secrets Manager secret; with `--url` it checks that endpoint (the exchange simulator) instead.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CcxtExchange } from '../adapters/ccxt-exchange.js';
import { exchangeClients } from '../adapters/exchanges/clients.js';
import { readExchangeKeys } from '../adapters/secrets-manager-keys.js';
import { SystemClock } from '../adapters/system-clock.js';
import { parseIpv4 } from '../domain/ip-address.js';
import { textTable } from '../report/text-table.js';
import { preflight } from '../use-cases/preflight.js';
import { configOption, exchangeOption, UsageError, withExchange } from './args.js';
import { awsClientConfig, remoteOptions } from './aws-options.js';
import { configFile } from './paths.js';
import { defaultStage, stackEgressIps, stackNameFor } from './remote/stack-outputs.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  exchange: exchangeOption,
  url: {
    type: 'string',
    value: 'http://127.0.0.1:PORT',
    help: 'check this endpoint (e.g. npm run simulator) instead of the real exchange',
  },
  'egress-ip': {
    type: 'string',
    multiple: true,
    default: [] as string[],
    value: 'IP',
    help: "an address the trade function reaches the exchange from, which the key's whitelist must hold; repeatable",
  },
  remote: {
    ...remoteOptions.remote,
    help: "take the egress IPs from the deployed stage's EgressIp stack outputs",
  },
  stage: remoteOptions.stage,
  region: {
    ...remoteOptions.region,
    help: "the AWS region of the stack and of the config's Secrets Manager secret (default: AWS_REGION or the profile)",
  },
  config: configOption,
} as const;

function egressIpArgs(values: readonly string[]): string[] {
  for (const ip of values) {
    if (parseIpv4(ip) === undefined) {
      throw new UsageError(`--egress-ip ${JSON.stringify(ip)} is not an IPv4 address`);
    }
  }
  return [...values];
}

async function main({ values }: CliArgs<typeof options>): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = withExchange(configFile(values.config), values.exchange);
  if (values.stage !== undefined && !values.remote)
    throw new UsageError('--stage goes with --remote');
  const egressIps = egressIpArgs(values['egress-ip']);
  if (values.remote) {
    const aws = awsClientConfig(values.region);
    const stackName = stackNameFor(values.stage ?? defaultStage);
    const deployed = await stackEgressIps(stackName, new CloudFormationClient(aws));
    if (deployed.length === 0) {
      throw new UsageError(
        `stack ${stackName} has no EgressIp output: deploy it with network.staticEgressIp true`,
      );
    }
    egressIps.push(...deployed.filter((ip) => !egressIps.includes(ip)));
  }
  const createClient = exchangeClients[config.exchange.id];
  let client: ReturnType<typeof createClient>;
  if (values.url !== undefined) {
    client = createClient({ url: values.url });
  } else {
    const secretName = config.exchange.secretName;
    if (secretName === undefined) {
      throw new UsageError(
        'exchange.secretName is not set: preflight checks live keys (or give --url)',
      );
    }
    const secrets = new SecretsManagerClient(awsClientConfig(values.region));
    const requirePassword = config.exchange.id === 'okx';
    client = createClient(await readExchangeKeys(secretName, secrets, { requirePassword }));
  }
  const exchange = new CcxtExchange({ exchange: client, clock: new SystemClock() });
  const result = await preflight({
    config,
    market: exchange,
    keys: exchange,
    timeoutMs: config.timeouts.exchangeCallMs,
    egressIps,
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
      "Checks the config, that the exchange answers and lists every configured market, that the API key can trade but not withdraw, and that its IP whitelist holds the stack's egress IPs; exits 1 on any failure.",
    options,
  },
  main,
);
