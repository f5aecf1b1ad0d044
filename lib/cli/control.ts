/**
 * The kill switch.
 *
 *   npm run halt -- [--reason TEXT] [--close-only] [--remote (--stage S | --table NAME)]
 *   npm run resume -- [--remote (--stage S | --table NAME)]
 *
 * Locally it acts on the state `npm start` keeps under `.tickfan`; with `--remote` on the
 * deployed state table, found from the stack's outputs (or named with `--table`).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../adapters/dynamo-state-store.js';
import { type TradingControl, TradingMode } from '../domain/control.js';
import { createStateTable } from '../local/create-tables.js';
import { localNames } from '../local/local-environment.js';
import { localAwsClientConfig, startDynalite } from '../local/services.js';
import { failWith, UsageError } from './args.js';
import { controlFor, remoteTable } from './kill-switch.js';

const usage =
  'usage: npm run halt -- [--reason TEXT] [--close-only] [--remote (--stage S | --table NAME)]\n' +
  '       npm run resume -- [--remote (--stage S | --table NAME)]';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      'close-only': { type: 'boolean', default: false },
      remote: { type: 'boolean', default: false },
      stage: { type: 'string' },
      table: { type: 'string' },
      'state-dir': { type: 'string', default: '.tickfan' },
    },
  });
  const [command, ...extra] = positionals;
  if ((command !== 'halt' && command !== 'resume') || extra.length > 0) {
    throw new UsageError('expected the command halt or resume');
  }
  const control = controlFor(
    command,
    {
      ...(values.reason === undefined ? {} : { reason: values.reason }),
      closeOnly: values['close-only'],
    },
    new Date(),
  );
  if (!values.remote && (values.stage !== undefined || values.table !== undefined)) {
    throw new UsageError('--stage and --table go with --remote');
  }

  if (values.remote) {
    const tableName = await remoteTable({
      ...(values.table === undefined ? {} : { table: values.table }),
      ...(values.stage === undefined ? {} : { stage: values.stage }),
    });
    await new DynamoStateStore({ tableName }).putControl(control);
    console.log(describe(control, `table ${tableName}`));
    return;
  }
  const dynalite = await startDynalite({ path: resolve(values['state-dir'], 'dynamodb') });
  const client = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
  try {
    await createStateTable(client, localNames.table);
    const store = new DynamoStateStore({
      tableName: localNames.table,
      client: DynamoDBDocumentClient.from(client),
    });
    await store.putControl(control);
    console.log(describe(control, `the local state in ${values['state-dir']}`));
  } finally {
    client.destroy();
    await dynalite.close();
  }
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

main().catch(failWith(usage));
