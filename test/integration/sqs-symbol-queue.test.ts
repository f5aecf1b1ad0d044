import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsSymbolQueue, toFifoId } from '../../lib/adapters/sqs-symbol-queue.js';
import { type SymbolTick, tickId } from '../../lib/domain/tick.js';
import {
  encodeTickMessage,
  PoisonMessageError,
  parseTickMessage,
} from '../../lib/domain/tick-message.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startSqs,
} from '../../lib/local/services.js';

const scheduledAt = Date.parse('2024-03-01T12:05:00.000Z');

let sqs: LocalService;
let client: SQSClient;
let queueCount = 0;

/** Queues of their own for each test, so no test receives another's messages. */
async function freshQueues(maxReceiveCount = 3): Promise<{ queueUrl: string; dlqUrl: string }> {
  queueCount += 1;
  return createSymbolQueues(client, {
    name: `ticks-${queueCount}`,
    maxReceiveCount,
    visibilityTimeoutSeconds: 30,
  });
}

function ticks(count: number): SymbolTick[] {
  return Array.from({ length: count }, (_, i) => ({ symbol: `S${i}/BTC`, scheduledAt }));
}

/** Receives, and deletes, every message the queue will hand out now. */
async function drain(queueUrl: string): Promise<Message[]> {
  const received: Message[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return received;
    for (const message of Messages) {
      received.push(message);
      await client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

/** Counts the SendMessageBatch calls a client makes, and the entries in each. */
function recordBatches(target: SQSClient): number[] {
  const sizes: number[] = [];
  target.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Entries?: unknown[] };
      if (context.commandName === 'SendMessageBatchCommand') sizes.push(input.Entries?.length ?? 0);
      return next(args);
    },
    { step: 'initialize', name: 'recordBatches' },
  );
  return sizes;
}

beforeAll(async () => {
  sqs = await startSqs();
  client = new SQSClient(localAwsClientConfig(sqs.endpoint));
});

afterAll(async () => {
  client?.destroy();
  await sqs?.close();
});

describe('SqsSymbolQueue', () => {
  it('sends 25 ticks in 3 batch calls, each message in its symbol group with the tick id as dedup id', async () => {
    // Prepare
    const { queueUrl } = await freshQueues();
    const sender = new SQSClient(localAwsClientConfig(sqs.endpoint));
    const batchSizes = recordBatches(sender);
    const queue = new SqsSymbolQueue({ queueUrl, client: sender });
    const sent = ticks(25);

    // Act
    const result = await queue.send(sent);

    // Assess
    expect(result).toEqual({ sent: 25, failed: [] });
    expect([...batchSizes].sort((a, b) => a - b)).toEqual([5, 10, 10]);
    const received = await drain(queueUrl);
    expect(received).toHaveLength(25);
    const byGroup = new Map(received.map((m) => [m.Attributes?.MessageGroupId, m]));
    for (const tick of sent) {
      const message = byGroup.get(tick.symbol);
      expect(message?.Attributes?.MessageDeduplicationId).toBe(tickId(tick));
      expect(parseTickMessage(message?.Body ?? '')).toEqual(tick);
    }
    sender.destroy();
  });

  it('does not deliver a tick twice when it is sent again within the deduplication window', async () => {
    // Prepare
    const { queueUrl } = await freshQueues();
    const queue = new SqsSymbolQueue({ queueUrl, client });
    const tick = { symbol: 'LTC/BTC', scheduledAt };
    await queue.send([tick]);

    // Act
    const again = await queue.send([tick]);

    // Assess
    expect(again).toEqual({ sent: 1, failed: [] });
    const received = await drain(queueUrl);
    expect(received.map((m) => m.Body)).toEqual([encodeTickMessage(tick)]);
  });

  it('delivers the next tick of the same symbol as a message of its own', async () => {
    // Prepare
    const { queueUrl } = await freshQueues();
    const queue = new SqsSymbolQueue({ queueUrl, client });
    const first = { symbol: 'LTC/BTC', scheduledAt };
    const second = { symbol: 'LTC/BTC', scheduledAt: scheduledAt + 300_000 };

    // Act
    await queue.send([first, second]);

    // Assess: FIFO within the group, so the second arrives after the first is deleted
    const received = await drain(queueUrl);
    expect(received.map((m) => parseTickMessage(m.Body ?? ''))).toEqual([first, second]);
  });

  it('reports a tick that cannot be encoded as failed and still sends the others', async () => {
    // Prepare
    const { queueUrl } = await freshQueues();
    const queue = new SqsSymbolQueue({ queueUrl, client });
    const bad = { symbol: 'BAD/BTC', scheduledAt: Number.NaN };

    // Act
    const result = await queue.send([bad, ...ticks(2)]);

    // Assess
    expect(result.sent).toBe(2);
    expect(result.failed).toEqual([
      { tick: bad, error: expect.stringContaining('cannot encode tick') },
    ]);
    expect(await drain(queueUrl)).toHaveLength(2);
  });

  it('retries a batch whose call failed and delivers it on a later attempt', async () => {
    // Prepare
    const { queueUrl } = await freshQueues();
    const flaky = new SQSClient(localAwsClientConfig(sqs.endpoint));
    let calls = 0;
    flaky.middlewareStack.add(
      (next) => async (args) => {
        calls += 1;
        if (calls === 1) throw new Error('socket hang up');
        return next(args);
      },
      { step: 'initialize', name: 'failFirstCall' },
    );
    const queue = new SqsSymbolQueue({ queueUrl, client: flaky, backoffMs: 1 });

    // Act
    const result = await queue.send(ticks(3));

    // Assess
    expect(result).toEqual({ sent: 3, failed: [] });
    expect(calls).toBe(2);
    expect(await drain(queueUrl)).toHaveLength(3);
    flaky.destroy();
  });

  it('gives up after maxAttempts and returns every tick with the last error', async () => {
    // Prepare
    const queueUrl = `${sqs.endpoint}/123456789012/no-such-queue.fifo`;
    const sender = new SQSClient(localAwsClientConfig(sqs.endpoint));
    const batchSizes = recordBatches(sender);
    const queue = new SqsSymbolQueue({ queueUrl, client: sender, maxAttempts: 2, backoffMs: 1 });
    const sent = ticks(12);

    // Act
    const result = await queue.send(sent);

    // Assess
    expect(result.sent).toBe(0);
    expect(result.failed.map((f) => f.tick)).toEqual(expect.arrayContaining(sent));
    expect(result.failed).toHaveLength(12);
    expect(result.failed[0]?.error).toMatch(/QueueDoesNotExist|NonExistentQueue/);
    expect(batchSizes).toEqual([10, 2, 10, 2]);
    sender.destroy();
  });
});

describe('createSymbolQueues', () => {
  it('moves a message received maxReceiveCount times without being deleted to the dead-letter queue', async () => {
    // Prepare
    const { queueUrl, dlqUrl } = await freshQueues(2);
    const tick = { symbol: 'LTC/BTC', scheduledAt };
    await new SqsSymbolQueue({ queueUrl, client }).send([tick]);
    // One message per call: with VisibilityTimeout 0, local-aws-sqs hands the same message out
    // again within a single call that asks for more.
    const receive = () =>
      client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 1,
          VisibilityTimeout: 0,
          AttributeNames: ['All'],
        }),
      );

    // Act: two failed processings, then the receive that finds it over the limit
    const first = await receive();
    const second = await receive();
    const third = await receive();

    // Assess
    expect(first.Messages).toHaveLength(1);
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(third.Messages ?? []).toHaveLength(0);
    const dead = await drain(dlqUrl);
    expect(dead.map((m) => parseTickMessage(m.Body ?? ''))).toEqual([tick]);
  });

  it('is idempotent and brings changed settings up to date', async () => {
    // Prepare
    const created = await createSymbolQueues(client, {
      name: 'ticks-idempotent',
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });

    // Act
    const same = await createSymbolQueues(client, {
      name: 'ticks-idempotent',
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });
    const changed = await createSymbolQueues(client, {
      name: 'ticks-idempotent',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 60,
    });

    // Assess
    expect(same).toEqual(created);
    expect(changed).toEqual(created);
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: created.queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes?.FifoQueue).toBe('true');
    expect(Attributes?.VisibilityTimeout).toBe('60');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 5 });
  });
});

describe('toFifoId', () => {
  it('keeps a tick id as it is: slash, hash, colon and dot are allowed', () => {
    // Act
    const id = toFifoId('LTC/BTC#2024-03-01T12:05:00.000Z');

    // Assess
    expect(id).toBe('LTC/BTC#2024-03-01T12:05:00.000Z');
  });

  it('cleans and shortens an id SQS would refuse, keeping distinct ids distinct', () => {
    // Act
    const spaced = toFifoId('a b');
    const underscored = toFifoId('a_b');
    const long = toFifoId('x'.repeat(200));
    const longOther = toFifoId(`${'x'.repeat(199)}y`);

    // Assess
    expect(spaced).toMatch(/^[!-~]{1,128}$/);
    expect(spaced).not.toBe(underscored);
    expect(long).toHaveLength(128);
    expect(long).not.toBe(longOther);
  });
});

describe('parseTickMessage', () => {
  it('round-trips a tick through encodeTickMessage', () => {
    // Prepare
    const tick = { symbol: 'XRP/ETH', scheduledAt };

    // Act
    const parsed = parseTickMessage(encodeTickMessage(tick));

    // Assess
    expect(parsed).toEqual(tick);
  });

  describe.each([
    { poison: 'not json', body: 'tick LTC/BTC', named: 'not valid JSON' },
    {
      poison: 'a missing symbol',
      body: '{"v":1,"scheduledAt":"2024-03-01T12:05:00.000Z"}',
      named: 'symbol',
    },
    {
      poison: 'a bad time',
      body: '{"v":1,"symbol":"LTC/BTC","scheduledAt":"yesterday"}',
      named: 'scheduledAt',
    },
    {
      poison: 'a time with an offset',
      body: '{"v":1,"symbol":"LTC/BTC","scheduledAt":"2024-03-01T12:05:00+02:00"}',
      named: '"2024-03-01T12:05:00+02:00"',
    },
    {
      poison: 'an unknown version',
      body: '{"v":9,"symbol":"LTC/BTC","scheduledAt":"2024-03-01T12:05:00.000Z"}',
      named: 'v:',
    },
    {
      poison: 'an unknown field',
      body: '{"v":1,"symbol":"LTC/BTC","scheduledAt":"2024-03-01T12:05:00.000Z","qty":5}',
      named: 'qty',
    },
    { poison: 'a JSON array', body: '[1,2]', named: '(root)' },
  ])('given $poison', ({ body, named }) => {
    it(`throws PoisonMessageError naming ${named}`, () => {
      // Act
      const parse = () => parseTickMessage(body);

      // Assess
      expect(parse).toThrow(PoisonMessageError);
      expect(parse).toThrow(named);
    });
  });

  it('gives its error the name PoisonMessageError, so it survives bundling', () => {
    // Act
    let caught: unknown;
    try {
      parseTickMessage('{');
    } catch (error) {
      caught = error;
    }

    // Assess
    expect((caught as Error).name).toBe('PoisonMessageError');
  });
});
