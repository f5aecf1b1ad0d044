import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsSymbolQueue, sqsSendConcurrency } from '../../../lib/adapters/sqs-symbol-queue.js';
import type { SymbolTick } from '../../../lib/domain/tick.js';
import { parseTickMessage } from '../../../lib/domain/tick-message.js';

/**
 * An in-memory SQS client that answers SendMessageBatch only, counting its calls and how many
 * were in flight at once. Each call yields to the event loop `turns(call)` times before it
 * answers, as a network call would, so calls started together overlap and can finish out of
 * order. `refuse` names the symbols whose entries it fails (retryable) on a call.
 */
class FakeSqsClient {
  readonly calls: SendMessageBatchCommandInput[] = [];
  inFlight = 0;
  maxInFlight = 0;
  turns: (call: number) => number = () => 1;
  refuse: (symbol: string, call: number) => boolean = () => false;

  async send(command: unknown): Promise<Partial<SendMessageBatchCommandOutput>> {
    if (!(command instanceof SendMessageBatchCommand)) throw new Error('only SendMessageBatch');
    this.calls.push(command.input);
    const call = this.calls.length;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    for (let turn = 0; turn < this.turns(call); turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.inFlight -= 1;
    const entries = command.input.Entries ?? [];
    const refused = entries.filter((e) =>
      this.refuse(parseTickMessage(e.MessageBody ?? '').symbol, call),
    );
    return {
      Successful: entries
        .filter((e) => !refused.includes(e))
        .map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
      Failed: refused.map((e) => ({
        Id: e.Id,
        Code: 'InternalError',
        Message: 'try again',
        SenderFault: false,
      })),
    };
  }
}

const scheduledAt = Date.parse('2024-03-01T12:05:00.000Z');
const ticks = (n: number): SymbolTick[] =>
  Array.from({ length: n }, (_, i) => ({ symbol: `S${i}/BTC`, scheduledAt }));

function queueOn(client: FakeSqsClient, options: { concurrency?: number } = {}): SqsSymbolQueue {
  return new SqsSymbolQueue({
    queueUrl: 'http://127.0.0.1/123456789012/ticks.fifo',
    client: client as unknown as SQSClient,
    backoffMs: 1,
    ...options,
  });
}

describe('SqsSymbolQueue concurrency', () => {
  it('sends 1,000 ticks in 100 batches of 10 with at most 10 calls in flight, and uses them all', async () => {
    // Prepare
    const client = new FakeSqsClient();

    // Act
    const result = await queueOn(client).send(ticks(1000));

    // Assess
    expect(result).toEqual({ sent: 1000, failed: [] });
    expect(client.calls).toHaveLength(100);
    expect(client.calls.every((c) => c.Entries?.length === 10)).toBe(true);
    expect(sqsSendConcurrency).toBe(10);
    expect(client.maxInFlight).toBe(10);
    const symbols = client.calls.flatMap((c) => c.Entries?.map((e) => e.MessageGroupId) ?? []);
    expect(new Set(symbols).size).toBe(1000);
  });

  it('keeps to a configured concurrency', async () => {
    // Prepare
    const client = new FakeSqsClient();

    // Act
    await queueOn(client, { concurrency: 3 }).send(ticks(95));

    // Assess
    expect(client.calls).toHaveLength(10);
    expect(client.maxInFlight).toBe(3);
  });

  it('retries the entries SQS failed, in their own batch, and delivers them on a later attempt', async () => {
    // Prepare
    const client = new FakeSqsClient();
    client.refuse = (symbol, call) => call <= 2 && (symbol === 'S3/BTC' || symbol === 'S14/BTC');

    // Act
    const result = await queueOn(client).send(ticks(20));

    // Assess
    expect(result).toEqual({ sent: 20, failed: [] });
    expect(client.calls.map((c) => c.Entries?.length)).toEqual([10, 10, 1, 1]);
  });

  it('reports what still fails in the order of the ticks, though later batches finish first', async () => {
    // Prepare
    const client = new FakeSqsClient();
    // The first batch's calls take longest, so its failures are known last.
    client.turns = (call) => (call === 1 ? 50 : 1);
    const lost = new Set(['S2/BTC', 'S5/BTC', 'S21/BTC', 'S38/BTC']);
    client.refuse = (symbol) => lost.has(symbol);

    // Act
    const result = await queueOn(client).send(ticks(40));

    // Assess
    expect(result.sent).toBe(36);
    expect(result.failed.map((f) => f.tick.symbol)).toEqual([
      'S2/BTC',
      'S5/BTC',
      'S21/BTC',
      'S38/BTC',
    ]);
    expect(result.failed[0]?.error).toBe('InternalError: try again');
  });
});
