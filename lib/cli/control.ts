/**
 * The kill switch: `npm run halt` and `npm run resume` (`--help` lists the options).
 *
 * Locally it acts on the state `npm start` keeps under `.tickfan`: while a run is going, on that
 * run's DynamoDB, which it serves over loopback (its address is in the state directory), so the
 * run's next tick obeys it. With `--remote` it acts on the deployed state table, found from the
 * stack's outputs (or named with `--table`).
 */
import { resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../adapters/dynamo-state-store.js';
import { SnsNotifier } from '../adapters/sns-notifier.js';
import { type TradingControl, TradingMode } from '../domain/control.js';
import type { TradeEvent } from '../domain/trade-event.js';
import { createStateTable } from '../local/create-tables.js';
import { localNames } from '../local/local-environment.js';
import { LoopbackNotifier } from '../local/notifier-client.js';
import { localAwsClientConfig, startDynalite } from '../local/services.js';
import { readStateEndpoint } from '../local/state-endpoint.js';
import type { FlushableNotifier } from '../ports/notifier.js';
import type { StateStore } from '../ports/state-store.js';
import { UsageError } from './args.js';
import { awsClientConfig, remoteOptions } from './aws-options.js';
import { controlEvent, controlFor, remoteTable } from './kill-switch.js';
import { defaultStage, stackNameFor, stackOutputs } from './remote/stack-outputs.js';
import { type CliArgs, processIo, runCli } from './run-cli.js';

type Command = 'halt' | 'resume';

const haltOnly = {
  reason: { type: 'string', value: 'TEXT', help: 'why trading stops (shown by resume and alarms)' },
  'close-only': {
    type: 'boolean',
    default: false,
    help: 'keep sending exits, so open positions can be closed; open nothing new',
  },
} as const;

const shared = {
  ...remoteOptions,
  table: {
    type: 'string',
    value: 'NAME',
    help: 'with --remote: the state table, instead of the stage stack output',
  },
  'state-dir': {
    type: 'string',
    default: '.tickfan',
    value: 'DIR',
    help: 'the local state npm start keeps',
  },
} as const;

function optionsFor(command: Command) {
  // resume accepts the halt flags only to refuse them with a sentence of its own.
  const hidden = command === 'resume';
  return {
    reason: { ...haltOnly.reason, hidden },
    'close-only': { ...haltOnly['close-only'], hidden },
    ...shared,
  } as const;
}
type Options = ReturnType<typeof optionsFor>;

/** Writes `control`, except a resume when nothing is limited; returns the line to print. */
async function apply(store: StateStore, control: TradingControl, where: string): Promise<string> {
  if (control.mode === TradingMode.Active) {
    const current = await store.getControl();
    if (current.mode === TradingMode.Active) return `not halted; nothing to resume (${where})`;
  }
  await store.putControl(control);
  return describe(control, where);
}

function main(command: Command) {
  return async ({ values }: CliArgs<Options>): Promise<void> => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const control = controlFor(
      command,
      {
        ...(values.reason === undefined ? {} : { reason: values.reason }),
        closeOnly: values['close-only'],
      },
      new Date(),
    );
    if (
      !values.remote &&
      (values.stage !== undefined || values.table !== undefined || values.region !== undefined)
    ) {
      throw new UsageError('--stage, --table and --region go with --remote');
    }

    if (values.remote) {
      const aws = awsClientConfig(values.region);
      const tableName = await remoteTable(
        {
          ...(values.table === undefined ? {} : { table: values.table }),
          ...(values.stage === undefined ? {} : { stage: values.stage }),
        },
        (stackName) => stackOutputs(stackName, new CloudFormationClient(aws)),
      );
      const client = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
      const store = new DynamoStateStore({ tableName, client });
      console.log(await apply(store, control, `table ${tableName}`));
      const event = controlEvent(control);
      // With --table the stack is not asked, so there is no topic to tell.
      if (event !== undefined && values.table === undefined) {
        const stackName = stackNameFor(values.stage ?? defaultStage);
        const { AlarmTopicArn } = await stackOutputs(stackName, new CloudFormationClient(aws));
        const sns = new SnsNotifier({
          topicArn: AlarmTopicArn,
          metrics: { add: () => undefined },
          timeoutMs: () => 5_000,
          onFailure: unsent,
        });
        await tell(sns, event);
      }
      return;
    }
    console.log(await applyLocal(values['state-dir'], control));
  };
}

/**
 * Writes `control` into the local state: through the running process that holds it, if one
 * does, else by opening the state directory's dynalite here.
 */
async function applyLocal(stateDir: string, control: TradingControl): Promise<string> {
  const running = await readStateEndpoint(resolve(stateDir));
  if (running !== undefined) {
    const where = `the running process ${running.pid} on ${stateDir} (from its next tick)`;
    try {
      const line = await applyAt(running.endpoint, control, where);
      const event = controlEvent(control);
      // The running process delivers it to its webhooks, as the notifier function would.
      if (event !== undefined && running.notifyUrl !== undefined) {
        await tell(new LoopbackNotifier(running.notifyUrl, 2_000, unsent), event);
      }
      return line;
    } catch (error) {
      // The run ended between finding it and writing: its state is on disk again.
      if (!isRefused(error) || (await readStateEndpoint(resolve(stateDir))) !== undefined) {
        throw error;
      }
    }
  }
  const dynalite = await startDynalite({ path: resolve(stateDir, 'dynamodb') });
  try {
    return await applyAt(dynalite.endpoint, control, `the local state in ${stateDir}`);
  } finally {
    await dynalite.close();
  }
}

async function applyAt(endpoint: string, control: TradingControl, where: string): Promise<string> {
  const client = new DynamoDBClient(localAwsClientConfig(endpoint));
  try {
    await createStateTable(client, localNames.table);
    const store = new DynamoStateStore({
      tableName: localNames.table,
      client: DynamoDBDocumentClient.from(client),
    });
    return await apply(store, control, where);
  } finally {
    client.destroy();
  }
}

/** Tells `event`, waiting for it at most a few seconds; a failure is said, never thrown. */
async function tell(notifier: FlushableNotifier, event: TradeEvent): Promise<void> {
  await notifier.notify(event);
  await notifier.flush(5_000);
}

function unsent(event: TradeEvent, error: unknown): void {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`tickfan: the ${event.kind} notification was not sent (${why})\n`);
}

function isRefused(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

function describe(control: TradingControl, where: string): string {
  switch (control.mode) {
    case TradingMode.Halted:
      return `trading halted on ${where}: ${control.reason} (npm run resume lifts it)`;
    case TradingMode.CloseOnly:
      return `trading close-only on ${where}: only exits are sent (${control.reason})`;
    default:
      return `trading resumed on ${where}`;
  }
}

const summaries: Record<Command, string> = {
  halt: 'Stops trading: nothing is dispatched and no order is sent until npm run resume (with --close-only, exits still go out).',
  resume: 'Lifts a halt or close-only, so that trading goes on at the next tick.',
};

// npm run halt / resume call this file with the command first.
const [command, ...rest] = process.argv.slice(2);
if (command !== 'halt' && command !== 'resume') {
  process.stderr.write(
    'tickfan: expected the command halt or resume (npm run halt, npm run resume)\n',
  );
  process.exit(2);
}
await runCli(
  {
    name: command,
    usage: `npm run ${command} --`,
    summary: summaries[command],
    options: optionsFor(command),
  },
  main(command),
  { ...processIo(), argv: rest },
);
