import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { TradingMode } from '../../lib/domain/control.js';
import { maxLoggedBytes } from '../../lib/domain/redact.js';
import { type TickResult, tickId } from '../../lib/domain/tick.js';
import { encodeTickMessage } from '../../lib/domain/tick-message.js';
import { createIdempotencyTable, createStateTable } from '../../lib/local/create-tables.js';
import { localEnvNames } from '../../lib/local/lambda-protocol.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startDynalite,
  startSqs,
} from '../../lib/local/services.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { testConfig, writeConfigFile } from '../helpers/config.js';
import { lambdaContext, scheduleEvent, sqsEventFrom, sqsRecord } from '../helpers/events.js';

// LTC/BTC and ETC/BTC 5m candles exist from 2018-01-10 04:55 on.
const at = Date.UTC(2018, 0, 11, 12, 0);
const config = testConfig();
const services: LocalService[] = [];
let simulator: ExchangeSimulator;
/** The simulator's clock; the trade function's follows it through the invocation offset. */
const simClock = new SimClock(at + 250);
let sqs: SQSClient;
let store: DynamoStateStore;
let queueUrl: string;
let dlqUrl: string;
const signal = { signal: new AbortController().signal };
let fanOut: typeof import('../../functions/fan-out.js').handler;
// The deployed handler wired as the local runtime runs it: the simulator as exchange and broker.
let trade: typeof import('../../lib/local/entries/trade-binance.js').handler;
/** Requests the simulator had served when the trade function's cold start finished. */
let requestsAtColdStart: number;
/** Deliberately malformed input, typed as the handler's event to reach its validation. */
const malformed = <T>(event: unknown) => event as T;

beforeAll(async () => {
  const dynalite = await startDynalite();
  const sqsServer = await startSqs();
  simulator = await startSimulator({
    clock: simClock,
    symbols: ['LTC/BTC', 'ETC/BTC'],
  });
  services.push(dynalite, sqsServer, { endpoint: simulator.url, close: () => simulator.close() });
  const dynamo = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
  await createStateTable(dynamo, 'handlers-state');
  await createIdempotencyTable(dynamo, 'handlers-idempotency');
  store = new DynamoStateStore({
    tableName: 'handlers-state',
    client: DynamoDBDocumentClient.from(dynamo),
  });
  sqs = new SQSClient(localAwsClientConfig(sqsServer.endpoint));
  ({ queueUrl, dlqUrl } = await createSymbolQueues(sqs, {
    name: 'handlers-ticks',
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  }));
  Object.assign(process.env, {
    TICKFAN_CONFIG_FILE: writeConfigFile(config),
    TICKFAN_TABLE_NAME: 'handlers-state',
    TICKFAN_IDEMPOTENCY_TABLE_NAME: 'handlers-idempotency',
    TICKFAN_QUEUE_URL: queueUrl,
    TICKFAN_DLQ_URL: dlqUrl,
    [localEnvNames.exchangeUrl]: simulator.url,
    [localEnvNames.clockOffsetMs]: String(simClock.offsetMs),
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler: fanOut } = await import('../../functions/fan-out.js'));
  ({ handler: trade } = await import('../../lib/local/entries/trade-binance.js'));
  requestsAtColdStart = simulator.requestCount();
});

afterAll(async () => {
  sqs?.destroy();
  for (const s of services.reverse()) await s.close();
});

/**
 * The message the trade function parked in the dead-letter queue for source message `id`; every
 * message received is deleted, so the next test starts from an empty queue.
 */
async function takeParked(id: string) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: dlqUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
    }),
  );
  for (const m of Messages) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
  }
  return Messages.find(
    (m) => m.MessageAttributes?.['tickfan-source-message-id']?.StringValue === id,
  );
}

describe('fan-out handler', () => {
  it('turns a Scheduler event into one FIFO message per due symbol', async () => {
    const result = await fanOut(scheduleEvent(at), lambdaContext(), signal);

    expect(result).toMatchObject({ scheduled: 2, dispatched: 2 });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
      }),
    );
    expect(Messages.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual([
      'ETC/BTC',
      'LTC/BTC',
    ]);
    expect(Messages.map((m) => m.Attributes?.MessageDeduplicationId)).toContain(
      'LTC/BTC#2018-01-11T12:00:00.000Z',
    );

    const response = (await trade(
      sqsEventFrom(Messages),
      lambdaContext(),
      signal,
    )) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    const ticks = await store.listTickResults('ETC/BTC');
    expect(ticks.map((t) => t.scheduledAt)).toContain('2018-01-11T12:00:00.000Z');
  });

  it('refuses an event without a scheduled time, naming the field', async () => {
    await expect(
      fanOut(malformed({ source: 'tickfan.schedule' }), lambdaContext(), signal),
    ).rejects.toThrow(/scheduledAt/);
  });
});

describe('trade handler', () => {
  it('makes no exchange request during its cold start: market rules come from the store', () => {
    // The fan-out function never calls the exchange either.
    expect(requestsAtColdStart).toBe(0);
  });

  it('answers a direct invocation with the tick result', async () => {
    const result = (await trade(
      { symbol: 'LTC/BTC', at: '2018-01-11T12:02:00Z' },
      lambdaContext(),
    )) as TickResult;
    // 12:02 lies between ticks: the tick it belongs to is 12:00, deciding on the 11:55 candle.
    expect(result).toMatchObject({
      symbol: 'LTC/BTC',
      scheduledAt: '2018-01-11T12:00:00.000Z',
      status: 'ok',
      candleTime: Date.UTC(2018, 0, 11, 11, 55),
    });
  });

  it('refuses a direct invocation of an unknown symbol, naming it', async () => {
    await expect(trade({ symbol: 'DOGE/BTC' }, lambdaContext(), signal)).rejects.toThrow(
      /"DOGE\/BTC" is not configured/,
    );
  });

  it.each([
    ['not JSON', '{not json', 'not valid JSON'],
    ['missing a field', JSON.stringify({ v: 1, symbol: 'LTC/BTC' }), 'scheduledAt'],
    [
      'a bad time',
      JSON.stringify({ v: 1, symbol: 'LTC/BTC', scheduledAt: 'yesterday' }),
      '"yesterday"',
    ],
    [
      'the wrong version',
      JSON.stringify({ v: 9, symbol: 'LTC/BTC', scheduledAt: '2018-01-11T12:00:00.000Z' }),
      'v:',
    ],
    [
      'an unknown symbol',
      JSON.stringify({ v: 1, symbol: 'DOGE/BTC', scheduledAt: '2018-01-11T12:00:00.000Z' }),
      '"DOGE/BTC"',
    ],
  ])(
    'moves a message with %s to the DLQ with the reason, acknowledges it and runs the rest',
    async (_kind, body, reason) => {
      // Prepare
      const id = `bad-${Math.random().toString(36).slice(2)}`;
      const good = sqsRecord(encodeTickMessage({ symbol: 'ETC/BTC', scheduledAt: at - 300_000 }), {
        messageId: `good-${id}`,
        attributes: { ...sqsRecord('').attributes, MessageGroupId: 'ETC/BTC' },
      });
      const bad = sqsRecord(body, {
        messageId: id,
        attributes: { ...sqsRecord('').attributes, MessageGroupId: 'LTC/BTC' },
      });

      // Act
      const response = (await trade(
        { Records: [bad, good] },
        lambdaContext(),
        signal,
      )) as SQSBatchResponse;

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const parked = await takeParked(id);
      expect(parked?.Body).toBe(body);
      expect(parked?.MessageAttributes?.['tickfan-error']?.StringValue).toContain(reason);
      const ticks = await store.listTickResults('ETC/BTC');
      expect(ticks.map((t) => t.scheduledAt)).toContain('2018-01-11T11:55:00.000Z');
    },
  );
});

describe('trade handler, a huge poison message', () => {
  it('parks a 100 KB poison message whole, with its reason cut to 2 KB', async () => {
    // Prepare: a symbol 100 KB long, which the reason would quote in full.
    const body = JSON.stringify({
      v: 1,
      symbol: 'X'.repeat(100 * 1024),
      scheduledAt: new Date(at).toISOString(),
    });
    const id = `huge-${Math.random().toString(36).slice(2)}`;
    const huge = sqsRecord(body, {
      messageId: id,
      attributes: { ...sqsRecord('').attributes, MessageGroupId: 'LTC/BTC' },
    });

    // Act
    const response = (await trade(
      { Records: [huge] },
      lambdaContext(),
      signal,
    )) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const parked = await takeParked(id);
    expect(parked?.Body).toBe(body);
    const reason = parked?.MessageAttributes?.['tickfan-error']?.StringValue ?? '';
    expect(reason).toMatch(/^symbol "XXX+…\(\+\d+ bytes\)$/);
    expect(new TextEncoder().encode(reason).length).toBeLessThanOrEqual(maxLoggedBytes + 20);
  });
});

describe('trade handler idempotency', () => {
  const message = (scheduledAt: number, id: string) =>
    sqsRecord(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt }), {
      messageId: id,
      attributes: { ...sqsRecord('').attributes, MessageGroupId: 'LTC/BTC' },
    });

  it('answers a redelivered tick with the recorded result and does not run it again', async () => {
    const tick = at - 2 * 300_000;
    const first = (await trade(
      { Records: [message(tick, 'm1')] },
      lambdaContext(),
      signal,
    )) as SQSBatchResponse;
    const stored = await store.getTickResult('LTC/BTC', new Date(tick).toISOString());
    await new Promise((resolve) => setTimeout(resolve, 20));

    const again = (await trade(
      { Records: [message(tick, 'm1-again')] },
      lambdaContext(),
      signal,
    )) as SQSBatchResponse;

    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    // a second run would have stored a new result with a later start
    expect(await store.getTickResult('LTC/BTC', new Date(tick).toISOString())).toEqual(stored);
  });

  it('refuses a concurrent duplicate cleanly, to be retried, and runs the tick once', async () => {
    const tick = at - 3 * 300_000;
    // Two containers: Lambda never runs two invocations in one at the same time.
    vi.resetModules();
    const { handler: otherContainer } = await import('../../lib/local/entries/trade-binance.js');

    const outcomes = await Promise.allSettled([
      trade({ Records: [message(tick, 'c1')] }, lambdaContext(), signal),
      otherContainer({ Records: [message(tick, 'c2')] }, lambdaContext(), signal),
    ]);

    // One runs the tick; the other's only record fails, which fails its batch of one: SQS keeps
    // the message and delivers it again later, when the recorded result answers it.
    const ran = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(ran).toHaveLength(1);
    expect((ran[0]?.value as SQSBatchResponse | undefined)?.batchItemFailures).toEqual([]);
    expect(refused).toHaveLength(1);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/failed processing/);
    const stored = await store.getTickResult('LTC/BTC', new Date(tick).toISOString());
    // (a quarter of an hour late on the simulated clock, so it ran and was skipped as stale)
    expect(stored).toMatchObject({
      tickId: tickId({ symbol: 'LTC/BTC', scheduledAt: tick }),
      skipReason: 'stale',
    });
  });
});

describe('trade handler, invoked directly for a tick that already ran', () => {
  type Answer = TickResult & { replayed?: true };
  const invoke = async (event: { symbol: string; at: string; rerun?: true }) =>
    (await trade(event, lambdaContext(), signal)) as Answer;
  // Stale on the trade function's clock, so it decides nothing, but it runs and is recorded.
  const ranBefore = { symbol: 'LTC/BTC', at: new Date(at - 4 * 300_000).toISOString() };

  it("answers the recorded result marked replayed, with the first run's startedAt", async () => {
    const first = await invoke(ranBefore);
    const again = await invoke(ranBefore);

    expect(first.replayed).toBeUndefined();
    expect(again).toEqual({ ...first, replayed: true });
  });

  it('makes a fresh decision with rerun: true, with a startedAt of its own', async () => {
    const recorded = await invoke(ranBefore);

    const rerun = await invoke({ ...ranBefore, rerun: true });

    expect(rerun.replayed).toBeUndefined();
    expect(rerun.tickId).toBe(recorded.tickId);
    expect(Date.parse(rerun.startedAt)).toBeGreaterThan(Date.parse(recorded.startedAt));
  });

  it('skips a rerun while trading is halted, where a replay would still say ok', async () => {
    const tick = { symbol: 'LTC/BTC', at: new Date(at).toISOString() };
    const recorded = await invoke(tick);
    await store.putControl({ mode: TradingMode.Halted, reason: 'test', by: 'operator' });
    try {
      const replayed = await invoke(tick);
      const rerun = await invoke({ ...tick, rerun: true });

      expect(replayed).toMatchObject({ replayed: true, startedAt: recorded.startedAt });
      expect(rerun).toMatchObject({ status: 'skipped', skipReason: 'halted' });
      expect(rerun.replayed).toBeUndefined();
    } finally {
      await store.putControl({ mode: TradingMode.Active });
    }
  });

  it('never sends a second order for an intent when a rerun follows a lost order response', async () => {
    // LTC/BTC's fast SMA crosses above its slow one on the 12:30 candle: the 12:35 tick enters.
    // The 12:25 tick exits whatever an earlier tick bought, so the entry starts flat.
    const moveTo = (time: number) => {
      simClock.set(time + 250);
      process.env[localEnvNames.clockOffsetMs] = String(simClock.offsetMs);
    };
    const exitAt = at + 5 * 300_000;
    const entryAt = at + 7 * 300_000;
    try {
      moveTo(exitAt);
      await invoke({ symbol: 'LTC/BTC', at: new Date(exitAt).toISOString() });
      moveTo(entryAt);
      simulator.setFault('LTC/BTC', { kind: 'lose-response', rate: 1 });
      const lost = await invoke({ symbol: 'LTC/BTC', at: new Date(entryAt).toISOString() });
      simulator.setFault('LTC/BTC', undefined);
      const entry = simulator.orders
        .filter((o) => o.symbol === 'LTC/BTC' && o.side === 'buy')
        .at(-1);

      const rerun = await invoke({
        symbol: 'LTC/BTC',
        at: new Date(entryAt).toISOString(),
        rerun: true,
      });

      // The exchange filled the order whose answer was lost; the tick could not know it.
      expect(lost).toMatchObject({
        status: 'failed',
        scheduledAt: new Date(entryAt).toISOString(),
      });
      expect(entry?.time).toBeGreaterThanOrEqual(entryAt);
      // The rerun found that order by its client id and sent nothing new.
      const sameIntent = simulator.orders.filter((o) => o.clientOrderId === entry?.clientOrderId);
      expect(sameIntent).toHaveLength(1);
      expect(simulator.orders.filter((o) => o.time >= entryAt && o.side === 'buy')).toHaveLength(1);
      expect(rerun).toMatchObject({ status: 'ok', position: { amount: entry?.amount } });
    } finally {
      simulator.setFault('LTC/BTC', undefined);
      moveTo(at);
    }
  });
});
