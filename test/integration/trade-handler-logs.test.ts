import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { createBinanceClient } from '../../lib/adapters/exchanges/binance-client.js';
import { maxLoggedBytes } from '../../lib/domain/redact.js';
import { tickId } from '../../lib/domain/tick.js';
import { encodeTickMessage } from '../../lib/domain/tick-message.js';
import { createTradeHandler } from '../../lib/handlers/trade-handler.js';
import { createIdempotencyTable, createStateTable } from '../../lib/local/create-tables.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startDynalite,
  startSqs,
} from '../../lib/local/services.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { testConfig } from '../helpers/config.js';
import { lambdaContext, sqsRecord } from '../helpers/events.js';

// The trade handler as the deployed function builds it in live mode: a ccxt binance client
// holding (fake) keys, signing its private requests, against the exchange simulator, with the
// Powertools logger writing its JSON lines to stdout and stderr, where this test reads them.

// Fake values in the shape of Binance's 64-character keys.
const apiKey = 'Lk4vT8qMw3ZxN9mRb6Yc5Hd7Jp2Gs1Ua0Ke3Wi8Oo4Tl9Vn5Qr6Xz7Cy2Bm4Ah1F';
const secret = 'Rx6Lq1Nw8Zr3Tb9Mk2Vc7Hy4Jd6Gp5Ue0Ko3Wi1Oa8Tl7Vn2Qs9Xf4Cz6Bm3Ah5G';
/** A signature parameter with its value, which ccxt puts into the message of a signed GET. */
const signed = /signature=(?!\*\*\*)[^\s&"]/;

// LTC/BTC and ETC/BTC 5m candles exist from 2018-01-10 04:55 on.
const at = Date.UTC(2018, 0, 11, 12, 0);
const tick = 300_000;
const simClock = new SimClock(at + 250);
const services: LocalService[] = [];
let simulator: ExchangeSimulator;
let store: DynamoStateStore;
let trade: Awaited<ReturnType<typeof createTradeHandler>>;

type LogLine = Record<string, unknown> & { message: string; level: string };
/** Everything the process wrote to stdout and stderr while a test ran. */
let written = '';
const lines = (): LogLine[] =>
  written
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.service === 'tickfan-trade');

beforeAll(async () => {
  const dynalite = await startDynalite();
  const sqsServer = await startSqs();
  simulator = await startSimulator({ clock: simClock, symbols: ['LTC/BTC', 'ETC/BTC'] });
  services.push(dynalite, sqsServer, { endpoint: simulator.url, close: () => simulator.close() });
  const dynamo = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
  await createStateTable(dynamo, 'logs-state');
  await createIdempotencyTable(dynamo, 'logs-idempotency');
  store = new DynamoStateStore({
    tableName: 'logs-state',
    client: DynamoDBDocumentClient.from(dynamo),
  });
  const sqs = new SQSClient(localAwsClientConfig(sqsServer.endpoint));
  const { dlqUrl } = await createSymbolQueues(sqs, {
    name: 'logs-ticks',
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  });
  sqs.destroy();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  const exchange = new CcxtExchange({
    exchange: createBinanceClient({ url: simulator.url, apiKey, secret }),
    clock: simClock,
  });
  trade = await createTradeHandler({
    env: {
      config: testConfig(),
      tableName: 'logs-state',
      idempotencyTableName: 'logs-idempotency',
      deadLetterQueueUrl: dlqUrl,
    },
    clock: simClock,
    market: exchange,
    broker: exchange,
    secrets: [apiKey, secret],
  });
});

beforeEach(() => {
  written = '';
  const capture = (chunk: unknown) => {
    written += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});

afterEach(() => {
  vi.restoreAllMocks();
  simulator.setFault('LTC/BTC', undefined);
});

afterAll(async () => {
  for (const s of services.reverse()) await s.close();
});

function tickRecord(
  symbol: string,
  scheduledAt: number,
  options: { messageId: string; receiveCount?: number },
): SQSRecord {
  const base = sqsRecord('');
  return sqsRecord(encodeTickMessage({ symbol, scheduledAt }), {
    messageId: options.messageId,
    attributes: {
      ...base.attributes,
      MessageGroupId: symbol,
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
    },
  });
}

async function run(records: SQSRecord[]): Promise<SQSBatchResponse> {
  return (await trade({ Records: records }, lambdaContext())) as SQSBatchResponse;
}

/** A serialised line, or any string in it, may exceed the limit by the cut marker only. */
const withMarker = maxLoggedBytes + '…(+999999 bytes)'.length * 3;

describe('trade handler logs', () => {
  it('keeps request signatures and the keys out of every line of a failing live tick and out of its result', async () => {
    // Prepare: LTC/BTC enters on the 12:35 tick, and the order's answer is lost. The next tick
    // first settles that order by looking it up by its client id (a signed GET), which meets a
    // 503 whose message ccxt writes with the whole URL.
    const entryAt = at + 7 * tick;
    simClock.set(entryAt + 250);
    simulator.setFault('LTC/BTC', { kind: 'lose-response', rate: 1 });
    await expect(run([tickRecord('LTC/BTC', entryAt, { messageId: 'live-1' })])).rejects.toThrow(
      /failed processing/,
    );
    simulator.setFault('LTC/BTC', { kind: 'http5xx', rate: 1 });
    const nextAt = entryAt + tick;
    simClock.set(nextAt + 250);

    // Act
    await expect(run([tickRecord('LTC/BTC', nextAt, { messageId: 'live-2' })])).rejects.toThrow(
      /failed processing/,
    );

    // Assess: the failure is logged with the signed URL, its signature replaced.
    const failed = lines().filter((line) => line.message === 'tick failed');
    expect(failed).toHaveLength(2);
    const lookup = JSON.stringify(failed[1]);
    expect(lookup).toContain('/api/v3/order?');
    expect(lookup).toContain('signature=***');
    expect(written).not.toMatch(signed);
    expect(written).not.toContain(apiKey);
    expect(written).not.toContain(secret);
    const recorded = await store.getTickResult('LTC/BTC', new Date(nextAt).toISOString());
    expect(recorded?.error).toContain('signature=***');
    expect(recorded?.error).not.toMatch(signed);
  });

  it("starts each record of a batch without the previous record's log keys", async () => {
    // Prepare: ETC/BTC enters on the 12:05 tick, so its lines carry a clientOrderId.
    const entryAt = at + tick;
    simClock.set(entryAt + 250);
    const ordering = tickRecord('ETC/BTC', entryAt, { messageId: 'keys-1' });
    const poison = sqsRecord('{not json', {
      messageId: 'keys-2',
      attributes: { ...sqsRecord('').attributes, MessageGroupId: 'ETC/BTC' },
    });

    // Act
    const response = await run([ordering, poison]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const first = lines().filter((line) => line.messageId === 'keys-1');
    expect(first.find((line) => line.message === 'tick done')).toMatchObject({
      symbol: 'ETC/BTC',
      tickId: tickId({ symbol: 'ETC/BTC', scheduledAt: entryAt }),
      clientOrderId: expect.stringMatching(/^tf-b-/),
    });
    const second = lines().filter((line) => line.messageId === 'keys-2');
    expect(second.map((line) => line.message)).toEqual(['poison message dead-lettered']);
    for (const line of second) {
      expect(line).not.toHaveProperty('symbol');
      expect(line).not.toHaveProperty('tickId');
      expect(line).not.toHaveProperty('clientOrderId');
    }
  });

  it('cuts a 100 KB poison body, and a reason quoting it, to 2 KB in the log line', async () => {
    // Prepare: a tick message for a symbol 100 KB long, which the reason names in full.
    const symbol = 'X'.repeat(100 * 1024);
    const body = JSON.stringify({ v: 1, symbol, scheduledAt: new Date(at).toISOString() });
    const poison = sqsRecord(body, {
      messageId: 'huge-1',
      attributes: { ...sqsRecord('').attributes, MessageGroupId: 'LTC/BTC' },
    });

    // Act
    const response = await run([poison]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const logged = lines().find((line) => line.messageId === 'huge-1');
    expect(logged?.message).toBe('poison message dead-lettered');
    expect(logged?.body).toBe(
      `${body.slice(0, maxLoggedBytes)}…(+${body.length - maxLoggedBytes} bytes)`,
    );
    expect(String(logged?.reason)).toMatch(/^symbol "XXX+…\(\+\d+ bytes\)$/);
    expect(new TextEncoder().encode(String(logged?.reason)).length).toBeLessThan(withMarker);
    // The symbol and the tick id it names are this record's keys, cut the same way.
    for (const value of Object.values(logged ?? {})) {
      expect(new TextEncoder().encode(JSON.stringify(value)).length).toBeLessThan(withMarker);
    }
  });
});
