import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkerShim } from '../../lib/local/build.js';
import { LocalFunction } from '../../lib/local/local-function.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startSqs,
} from '../../lib/local/services.js';
import { type InvocationRecord, SqsEventSource } from '../../lib/local/sqs-event-source.js';
import { SqsVisibilityRelay } from '../../lib/local/sqs-visibility-relay.js';

const bundleFile = fileURLToPath(new URL('../fixtures/behaviours-handler.mjs', import.meta.url));
let dir: string;
let server: LocalService;
let sqs: SQSClient;
let fn: LocalFunction;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-esm-'));
  server = await startSqs();
  sqs = new SQSClient(localAwsClientConfig(server.endpoint));
  fn = new LocalFunction({
    name: 'behaviours',
    bundleFile,
    workerFile: await buildWorkerShim(dir),
    env: {},
    timeoutMs: 2_000,
    maxConcurrency: 4,
  });
  await fn.warm(4);
});

afterAll(async () => {
  await fn?.close();
  sqs?.destroy();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Sent {
  readonly symbol: string;
  readonly ms?: number;
  readonly fail?: 'once' | 'always';
  /** On failure, the function sets the message's visibility to this (ChangeMessageVisibility). */
  readonly retryAfterSeconds?: number;
}

interface RunOptions {
  /** The function to run; default the shared one, which cannot reach SQS. */
  readonly fn?: LocalFunction;
  readonly visibilityTimeoutMs?: number;
  /** Called with the event source before it starts. */
  readonly wire?: (source: SqsEventSource) => void;
}

/** Sends `messages` (group = symbol, in order) and runs the event source until all resolve. */
async function run(name: string, messages: readonly Sent[], options: RunOptions = {}) {
  const { queueUrl, dlqUrl } = await createSymbolQueues(sqs, {
    name,
    maxReceiveCount: 2,
    visibilityTimeoutSeconds: 30,
  });
  for (const [i, m] of messages.entries()) {
    const scheduledAt = new Date(Date.UTC(2018, 0, 1, 0, i)).toISOString();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ v: 1, scheduledAt, ...m }),
        MessageGroupId: m.symbol,
        MessageDeduplicationId: `${name}-${i}`,
      }),
    );
  }
  const records: InvocationRecord[] = [];
  const source = new SqsEventSource({
    sqs,
    queueUrl,
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:test.fifo',
    deadLetterQueueUrl: dlqUrl,
    fn: options.fn ?? fn,
    maxConcurrency: 4,
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? 300,
    maxReceiveCount: 2,
    clockOffsetMs: () => 0,
    onInvocation: (r) => records.push(r),
  });
  options.wire?.(source);
  const started = Date.now();
  source.start();
  for (;;) {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const depth =
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
    const limitMs = Math.max(15_000, 2 * (options.visibilityTimeoutMs ?? 0));
    if ((depth === 0 && source.busy === 0) || Date.now() - started > limitMs) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await source.stop();
  const dead = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }),
  );
  return { records, dead: dead.Messages ?? [] };
}

const overlaps = (a: InvocationRecord, b: InvocationRecord) =>
  a.startedAt < b.endedAt && b.startedAt < a.endedAt;

describe('SqsEventSource', () => {
  it('runs many more symbols than maxConcurrency on a pool of at most maxConcurrency containers', async () => {
    // Prepare: a cold function whose pool is the event source's concurrency (4), and 24 symbols
    const pooled = new LocalFunction({
      name: 'pooled',
      bundleFile,
      workerFile: await buildWorkerShim(dir),
      env: {},
      timeoutMs: 2_000,
      maxConcurrency: 4,
    });
    try {
      const symbols = Array.from({ length: 24 }, (_, i) => ({ symbol: `S${i}/BTC`, ms: 20 }));

      // Act
      const { records } = await run('pool', symbols, { fn: pooled });

      // Assess: every symbol ran, on at most four containers started cold and reused after
      expect(new Set(records.map((r) => r.symbol)).size).toBe(24);
      expect(records.every((r) => r.outcome.ok)).toBe(true);
      expect(records.filter((r) => r.outcome.coldStart).length).toBeLessThanOrEqual(4);
      expect(pooled.containers).toBeLessThanOrEqual(4);
      expect(pooled.containers).toBeGreaterThanOrEqual(1);
    } finally {
      await pooled.close();
    }
  });

  it('never has two messages of one FIFO group in flight, and keeps their order', async () => {
    const { records } = await run('order', [
      { symbol: 'A/BTC', ms: 200 },
      { symbol: 'A/BTC', ms: 10 },
      { symbol: 'A/BTC', ms: 10 },
      { symbol: 'B/BTC', ms: 10 },
    ]);

    const a = records.filter((r) => r.symbol === 'A/BTC');
    const b = records.filter((r) => r.symbol === 'B/BTC');
    expect(a.map((r) => r.scheduledAt)).toEqual([...a.map((r) => r.scheduledAt)].sort());
    expect(a).toHaveLength(3);
    for (const [i, x] of a.entries()) {
      for (const y of a.slice(i + 1)) expect(overlaps(x, y)).toBe(false);
    }
    // another group is not held back by A's slow message
    expect(b).toHaveLength(1);
    expect(overlaps(b[0] as InvocationRecord, a[0] as InvocationRecord)).toBe(true);
  });

  it("holds a failed message's group back for the visibility timeout, then delivers it again", async () => {
    const { records, dead } = await run('retry', [
      { symbol: 'A/BTC', fail: 'once' },
      { symbol: 'A/BTC' },
    ]);

    expect(records.map((r) => [r.scheduledAt?.slice(11, 16), r.receiveCount])).toEqual([
      ['00:00', 1],
      ['00:00', 2],
      ['00:01', 1],
    ]);
    const [first, retry] = records;
    expect((retry?.startedAt ?? 0) - (first?.endedAt ?? 0)).toBeGreaterThanOrEqual(290);
    expect(dead).toHaveLength(0);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount deliveries', async () => {
    const { records, dead } = await run('redrive', [
      { symbol: 'A/BTC', fail: 'always' },
      { symbol: 'A/BTC' },
    ]);

    expect(records.map((r) => r.receiveCount)).toEqual([1, 2, 1]);
    expect(dead.map((m) => JSON.parse(m.Body ?? '{}').fail)).toEqual(['always']);
  });

  it('delivers a failed message again when its function asked (ChangeMessageVisibility), not after the visibility timeout', async () => {
    const relay = await SqsVisibilityRelay.start(server.endpoint);
    // The same queue run() makes (creating it is idempotent), for the function to name.
    const { queueUrl } = await createSymbolQueues(sqs, {
      name: 'asked',
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 30,
    });
    const retrying = new LocalFunction({
      name: 'behaviours-retrying',
      bundleFile,
      workerFile: await buildWorkerShim(dir),
      env: { AWS_ENDPOINT_URL_SQS: relay.endpoint, TICKFAN_QUEUE_URL: relay.urlOf(queueUrl) },
      timeoutMs: 5_000,
      maxConcurrency: 2,
    });
    try {
      // The visibility timeout would outlast the run's wait: only the function's call brings
      // the message back.
      const { records, dead } = await run(
        'asked',
        [{ symbol: 'A/BTC', fail: 'once', retryAfterSeconds: 1 }, { symbol: 'A/BTC' }],
        {
          fn: retrying,
          visibilityTimeoutMs: 600_000,
          wire: (source) =>
            relay.onChangeVisibility((handle, seconds) => source.changeVisibility(handle, seconds)),
        },
      );

      expect(records.map((r) => [r.scheduledAt?.slice(11, 16), r.receiveCount])).toEqual([
        ['00:00', 1],
        ['00:00', 2],
        ['00:01', 1],
      ]);
      const [first, retry] = records;
      expect((retry?.startedAt ?? 0) - (first?.endedAt ?? 0)).toBeGreaterThanOrEqual(900);
      // local-aws-sqs never saw the change, so it neither counted it as a receive nor redrove
      expect(dead).toHaveLength(0);
    } finally {
      await retrying.close();
      await relay.close();
    }
  }, 60_000);

  it('starts no invocation once stopped, so a function closed after stop() is never called', async () => {
    // Prepare: three symbols, one invocation at a time; the first is held until we stop
    const { queueUrl, dlqUrl } = await createSymbolQueues(sqs, {
      name: 'stopping',
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 30,
    });
    for (const symbol of ['A/BTC', 'B/BTC', 'C/BTC']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ v: 1, symbol, scheduledAt: '2018-01-01T00:00:00.000Z' }),
          MessageGroupId: symbol,
          MessageDeduplicationId: symbol,
        }),
      );
    }
    let release = () => {};
    let invoked = 0;
    let firstInvoked = () => {};
    const first = new Promise<void>((resolve) => {
      firstInvoked = resolve;
    });
    const held = {
      invoke: async () => {
        invoked++;
        firstInvoked();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { ok: true, value: {}, durationMs: 1, coldStart: false } as const;
      },
    } as unknown as LocalFunction;
    const source = new SqsEventSource({
      sqs,
      queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:stopping.fifo',
      deadLetterQueueUrl: dlqUrl,
      fn: held,
      maxConcurrency: 1,
      visibilityTimeoutMs: 300,
      maxReceiveCount: 2,
      clockOffsetMs: () => 0,
    });
    source.start();
    await first;
    expect(source.busy).toBeGreaterThanOrEqual(2);

    // Act: stop while the first invocation runs, then let it end
    const stopped = source.stop();
    release();
    await stopped;

    // Assess: the messages still held were not handed to the function
    expect(invoked).toBe(1);
  });
});
