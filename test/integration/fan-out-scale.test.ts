import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { SqsSymbolQueue } from '../../lib/adapters/sqs-symbol-queue.js';
import { fixedSymbols } from '../../lib/config/schema.js';
import { flatPosition } from '../../lib/domain/position.js';
import { parseTickMessage } from '../../lib/domain/tick-message.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startDynalite,
  startSqs,
} from '../../lib/local/services.js';
import { fanOutTick } from '../../lib/use-cases/fan-out-tick.js';
import { testConfig } from '../helpers/config.js';
import { RecordingMetrics } from '../helpers/fakes.js';

const at = Date.UTC(2018, 0, 20, 12, 5);

// 1,000 symbols, 990 enabled: half 1m, half 5m, all due at 12:05; the last 10 disabled.
const config = testConfig({
  schedule: { expression: 'rate(1 minute)' },
  symbols: Array.from({ length: 1000 }, (_, i) => ({
    symbol: `S${String(i).padStart(4, '0')}/BTC`,
    timeframe: i % 2 === 0 ? '1m' : '5m',
    enabled: i < 990,
  })),
});
const enabledSymbols = fixedSymbols(config)
  .filter((s) => s.enabled)
  .map((s) => s.symbol);

let dynamo: LocalService;
let sqs: LocalService;
let dynamoClient: DynamoDBClient;
let sqsClient: SQSClient;
let runs = 0;
/** AWS calls made through the clients, by command name. */
const calls = new Map<string, number>();

function count(command: string | undefined): void {
  const name = command ?? 'unknown';
  calls.set(name, (calls.get(name) ?? 0) + 1);
}

/** A fresh table and queue, with the fan-out's real adapters on them. */
async function fanOutParts() {
  runs += 1;
  const tableName = `fan-out-scale-${runs}`;
  await createStateTable(dynamoClient, tableName);
  const { queueUrl } = await createSymbolQueues(sqsClient, {
    name: `fan-out-scale-${runs}`,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 60,
  });
  const store = new DynamoStateStore({
    tableName,
    client: DynamoDBDocumentClient.from(dynamoClient),
  });
  const queue = new SqsSymbolQueue({ queueUrl, client: sqsClient });
  return { store, queue, queueUrl };
}

/** The symbol of every message the queue hands out now; received ones stay hidden for a minute. */
async function receiveAll(queueUrl: string): Promise<string[]> {
  const symbols: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return symbols;
    for (const m of Messages) {
      const tick = parseTickMessage(m.Body ?? '');
      expect(tick.scheduledAt).toBe(at);
      symbols.push(tick.symbol);
    }
  }
}

beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startDynalite(), startSqs()]);
  dynamoClient = new DynamoDBClient(localAwsClientConfig(dynamo.endpoint));
  sqsClient = new SQSClient(localAwsClientConfig(sqs.endpoint));
  dynamoClient.middlewareStack.add(
    (next, context) => (args) => {
      count(context.commandName);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  sqsClient.middlewareStack.add(
    (next, context) => (args) => {
      count(context.commandName);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
});

afterAll(async () => {
  dynamoClient?.destroy();
  sqsClient?.destroy();
  await Promise.all([dynamo?.close(), sqs?.close()]);
});

describe('fanOutTick on DynamoDB and SQS at 1,000 symbols', () => {
  it('dispatches every due symbol exactly once, and a disabled one only for its position, from 11 batched reads', async () => {
    // Prepare
    const { store, queue, queueUrl } = await fanOutParts();
    await store.putPosition({ ...flatPosition('S0995/BTC'), amount: 1, version: 1 });
    calls.clear();

    // Act
    const result = await fanOutTick(
      { store, queue, metrics: new RecordingMetrics(), config },
      { scheduledAt: at },
    );

    // Assess: 1 kill switch + 990 health + 10 disabled positions = 1,001 keys
    expect(calls.get('BatchGetItemCommand')).toBe(11);
    expect(calls.get('GetItemCommand')).toBeUndefined();
    expect(calls.get('SendMessageBatchCommand')).toBe(100);
    expect(result).toMatchObject({ scheduled: 990, dispatched: 991, protecting: 1, failed: [] });
    const received = await receiveAll(queueUrl);
    expect(received).toHaveLength(991);
    expect([...received].sort()).toEqual([...enabledSymbols, 'S0995/BTC'].sort());
  });

  it('while halted, dispatches exactly the due symbols that hold a position, enabled or not', async () => {
    // Prepare
    const { store, queue, queueUrl } = await fanOutParts();
    await store.putControl({ mode: 'halted', reason: 'maintenance', by: 'operator' });
    const held = ['S0000/BTC', 'S0501/BTC', 'S0989/BTC', 'S0990/BTC'];
    for (const symbol of held) {
      await store.putPosition({ ...flatPosition(symbol), amount: 0.5, version: 1 });
    }
    calls.clear();

    // Act
    const result = await fanOutTick(
      { store, queue, metrics: new RecordingMetrics(), config },
      { scheduledAt: at },
    );

    // Assess: a second batched read of the 990 due symbols' positions
    expect(calls.get('BatchGetItemCommand')).toBe(11 + 10);
    expect(calls.get('GetItemCommand')).toBeUndefined();
    expect(result).toMatchObject({ dispatched: 4, halted: 987, protecting: 4, trading: 'halted' });
    expect((await receiveAll(queueUrl)).sort()).toEqual(held);
  });
});
