import { setTimeout as sleep } from 'node:timers/promises';
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type SymbolTick, tickId } from '../domain/tick.js';
import { encodeTickMessage } from '../domain/tick-message.js';
import type { DispatchResult, SymbolQueue } from '../ports/symbol-queue.js';
import { toFifoId } from './fifo-id.js';
import { forEachLimited } from './for-each-limited.js';

export { toFifoId };

/** Options of {@link SqsSymbolQueue}. */
export interface SqsSymbolQueueOptions {
  /** URL of the FIFO queue of symbol ticks. */
  readonly queueUrl: string;
  /** Defaults to a client for the ambient AWS configuration. */
  readonly client?: SQSClient;
  /** Attempts per message, the first included, before it is reported as failed. Default 3. */
  readonly maxAttempts?: number;
  /** Base of the linear backoff between attempts, in ms. Default 50. */
  readonly backoffMs?: number;
  /** SendMessageBatch calls in flight at once. Default {@link sqsSendConcurrency}. */
  readonly concurrency?: number;
}

/** SendMessageBatch takes at most 10 entries. */
export const sqsBatchSize = 10;
/**
 * Batches in flight at once by default: a thousand symbols (100 batches) go out in ten rounds of
 * round trips, well inside a minute's tick, over few enough connections to be polite.
 */
export const sqsSendConcurrency = 10;

/**
 * {@link SymbolQueue} on an SQS FIFO queue. Each tick becomes one message in the message group
 * of its symbol, so one symbol's ticks are processed in order and never concurrently, with the
 * tick id as deduplication id, so a fan-out retried within SQS's five-minute deduplication
 * window does not run a symbol tick twice.
 */
export class SqsSymbolQueue implements SymbolQueue {
  private readonly queueUrl: string;
  private readonly client: SQSClient;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly concurrency: number;

  constructor(options: SqsSymbolQueueOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client ?? new SQSClient({});
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.backoffMs = options.backoffMs ?? 50;
    this.concurrency = options.concurrency ?? sqsSendConcurrency;
  }

  /**
   * Sends `ticks` in batches of 10, {@link SqsSymbolQueueOptions.concurrency} batches at a time.
   * Entries SQS refuses, and whole batches whose call fails, are retried with a linear backoff;
   * what still fails is returned, in the order of `ticks`, with its last error rather than
   * thrown, so one bad tick never costs the others theirs.
   */
  async send(ticks: readonly SymbolTick[]): Promise<DispatchResult> {
    const failed: Failure[] = [];
    const batches: Pending[][] = [];
    let batch: Pending[] = [];
    for (const [index, tick] of ticks.entries()) {
      let body: string;
      try {
        body = encodeTickMessage(tick);
      } catch (error) {
        failed.push({ index, tick, error: `cannot encode tick: ${errorMessage(error)}` });
        continue;
      }
      const entry: SendMessageBatchRequestEntry = {
        Id: String(batch.length),
        MessageBody: body,
        MessageGroupId: toFifoId(tick.symbol),
        MessageDeduplicationId: toFifoId(tickId(tick)),
      };
      batch.push({ index, tick, entry });
      if (batch.length === sqsBatchSize) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);

    let sent = 0;
    // sendBatch never throws: a call's failure is its entries' error.
    await forEachLimited(batches, this.concurrency, async (entries) => {
      const result = await this.sendBatch(entries);
      sent += result.sent;
      failed.push(...result.failed);
    });
    failed.sort((a, b) => a.index - b.index);
    return { sent, failed: failed.map(({ tick, error }) => ({ tick, error })) };
  }

  private async sendBatch(
    batch: readonly Pending[],
  ): Promise<{ sent: number; failed: readonly Failure[] }> {
    let pending = batch;
    const lastError = new Map<string, string>();
    const failed: Failure[] = [];
    let sent = 0;
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs * (attempt - 1));
      let retry: Pending[] = [];
      try {
        const output = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: pending.map((p) => p.entry),
          }),
        );
        sent += output.Successful?.length ?? 0;
        for (const refused of output.Failed ?? []) {
          const item = pending.find((p) => p.entry.Id === refused.Id);
          if (item === undefined) continue;
          const error = `${refused.Code ?? 'Failed'}: ${refused.Message ?? 'no message'}`;
          // A sender fault (a malformed entry) fails the same way every time; don't retry it.
          if (refused.SenderFault === true)
            failed.push({ index: item.index, tick: item.tick, error });
          else {
            lastError.set(item.entry.Id ?? '', error);
            retry.push(item);
          }
        }
      } catch (error) {
        // Safe even if SQS took the batch and only the response was lost: the deduplication id
        // makes it drop the copies.
        for (const item of pending) lastError.set(item.entry.Id ?? '', errorMessage(error));
        retry = [...pending];
      }
      pending = retry;
    }
    for (const item of pending) {
      failed.push({
        index: item.index,
        tick: item.tick,
        error: lastError.get(item.entry.Id ?? '') ?? 'not sent',
      });
    }
    return { sent, failed };
  }
}

interface Pending {
  /** Position in the ticks sent, so failures are reported in their order. */
  readonly index: number;
  readonly tick: SymbolTick;
  readonly entry: SendMessageBatchRequestEntry;
}

interface Failure {
  readonly index: number;
  readonly tick: SymbolTick;
  readonly error: string;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
