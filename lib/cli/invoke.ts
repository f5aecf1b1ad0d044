/**
 * `npm run invoke -- SYMBOL [--at ISO] [--exchange ID]`: runs one trade tick for SYMBOL through the trade
 * function's bundle on the embedded parts, on the state the last `npm start` left, and prints the
 * tick result. While an `npm start` runs on the state directory, the tick runs on that run's
 * DynamoDB and exchange, at the run's current time unless `--at` says otherwise. With
 * `--remote [--stage S | --function-name F]` it invokes the deployed function instead, found from
 * the stage's stack outputs or named.
 */
import { resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { exchangeClients } from '../adapters/exchanges/clients.js';
import { type ExchangeId, fixedSymbols, selectorsOf } from '../config/schema.js';
import {
  type DirectInvocation,
  directInvocationSchema,
  parseDirectInvocation,
} from '../domain/direct-invocation.js';
import { LocalEnvironment } from '../local/local-environment.js';
import { readRunState } from '../local/run.js';
import { readStateEndpoint, type StateEndpoint } from '../local/state-endpoint.js';
import { configOption, exchangeOption, UsageError, withExchange } from './args.js';
import { awsClientConfig, remoteOptions } from './aws-options.js';
import { configFile } from './paths.js';
import { stackOutputs } from './remote/stack-outputs.js';
import { invokeRemote, remoteFunction } from './remote-invoke.js';
import { replayNotice } from './replay-notice.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  at: {
    type: 'string',
    value: 'ISO-TIME',
    help: 'the tick of the candle closed at this time (default: the next tick of the last run)',
  },
  rerun: {
    type: 'boolean',
    default: false,
    help: 'make a fresh decision for a tick that already ran (it still cannot send a second order for the same intent)',
  },
  ...remoteOptions,
  'function-name': {
    type: 'string',
    value: 'NAME',
    help: 'with --remote: the deployed trade function, instead of the stage stack output',
  },
  exchange: exchangeOption,
  config: configOption,
  'state-dir': {
    type: 'string',
    default: '.tickfan',
    value: 'DIR',
    help: 'the state a local run left, or a running one holds',
  },
} as const;

function print(result: unknown): void {
  console.log(JSON.stringify(result, null, 2));
  const notice = replayNotice(result);
  if (notice !== undefined) console.error(notice);
}

async function main({ values, positionals }: CliArgs<typeof options>): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [symbol, ...extra] = positionals;
  if (symbol === undefined || extra.length > 0)
    throw new UsageError('give exactly one SYMBOL, e.g. LTC/BTC');
  if (values.at !== undefined && !directInvocationSchema.shape.at.safeParse(values.at).success) {
    throw new UsageError(
      `--at ${JSON.stringify(values.at)} is not an ISO time with a zone, e.g. 2018-01-20T12:00:00Z`,
    );
  }
  const event: DirectInvocation = {
    symbol,
    ...(values.at === undefined ? {} : { at: values.at }),
    ...(values.rerun ? { rerun: true } : {}),
  };
  const config = withExchange(configFile(values.config), values.exchange);
  // Refuse a bad symbol or time here, before anything starts or any request leaves; a pair a
  // volume selector may have picked is known only to the stored selection, which the function reads.
  const fixed = fixedSymbols(config);
  if (selectorsOf(config).length === 0 || fixed.some((s) => s.symbol === symbol)) {
    parseDirectInvocation(event, { symbols: fixed }, Date.now());
  }

  if (values.remote) {
    const aws = awsClientConfig(values.region);
    const functionName = await remoteFunction(
      {
        ...(values['function-name'] === undefined ? {} : { functionName: values['function-name'] }),
        ...(values.stage === undefined ? {} : { stage: values.stage }),
      },
      (stackName) => stackOutputs(stackName, new CloudFormationClient(aws)),
    );
    print(await invokeRemote(functionName, event, new LambdaClient(aws)));
    return;
  }
  if (
    values.stage !== undefined ||
    values['function-name'] !== undefined ||
    values.region !== undefined
  ) {
    throw new UsageError('--stage, --function-name and --region go with --remote');
  }

  const stateDir = resolve(values['state-dir']);
  const running = await readStateEndpoint(stateDir);
  const last = await readRunState(stateDir);
  // The state's orders rest on that exchange's simulated account under that exchange's ids.
  const traded = running?.exchange ?? last?.exchange;
  if (traded !== undefined && traded !== config.exchange.id) {
    throw new UsageError(
      `the run in ${stateDir} traded on ${traded}, not ${config.exchange.id}: give --exchange ${traded}`,
    );
  }
  const at =
    values.at !== undefined
      ? Date.parse(values.at)
      : ((running === undefined ? undefined : await runningClock(running, config.exchange.id)) ??
        last?.nextTickAt);
  if (at === undefined) {
    throw new UsageError(
      'no earlier run to continue from: run `npm start` first, or give --at ISO-TIME',
    );
  }
  const env = await LocalEnvironment.start({
    config,
    stateDir,
    persist: true,
    fresh: false,
    ...(running === undefined ? {} : { attach: running }),
  });
  try {
    env.clock.set(at + 250);
    const outcome = await env.trade.invoke(event, env.clock.offsetMs);
    if (!outcome.ok)
      throw new Error(`trade function failed: ${outcome.error.name}: ${outcome.error.message}`);
    print(outcome.value);
  } finally {
    await env.close();
  }
}

/**
 * The simulated time of a running process: its exchange simulator's server time, asked through
 * that exchange's ccxt client, when it runs one.
 */
async function runningClock(
  running: StateEndpoint,
  exchange: ExchangeId,
): Promise<number | undefined> {
  if (running.exchangeUrl === undefined) return undefined;
  const serverTime = await exchangeClients[exchange]({ url: running.exchangeUrl }).fetchTime?.();
  if (typeof serverTime !== 'number') throw new Error('the running exchange sent no server time');
  return serverTime;
}

await runCli(
  {
    name: 'invoke',
    usage: 'npm run invoke --',
    positionals: 'SYMBOL',
    summary:
      'Runs one trade tick for SYMBOL through the trade function on the state the last npm start left, or on the state and exchange of one running now (with --remote, on the deployed function), and prints the tick result as JSON.',
    options,
  },
  main,
);
