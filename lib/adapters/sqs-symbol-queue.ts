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
}

/** SendMessageBatch takes at most 10 entries. */
const BATCH_SIZE = 10;
/** Batches in flight at once: enough to send hundreds of symbols quickly, few enough to be polite. */
const CONCURRENCY = 8;

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

  constructor(options: SqsSymbolQueueOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client ?? new SQSClient({});
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.backoffMs = options.backoffMs ?? 50;
  }

  /**
   * Sends `ticks` in batches of 10, up to 8 batches at a time. Entries SQS refuses, and whole
   * batches whose call fails, are retried with a linear backoff; what still fails is returned
   * with its last error rather than thrown, so one bad tick never costs the others theirs.
   */
  async send(ticks: readonly SymbolTick[]): Promise<DispatchResult> {
    const failed: { tick: SymbolTick; error: string }[] = [];
    const batches: Pending[][] = [];
    let batch: Pending[] = [];
    for (const tick of ticks) {
      let body: string;
      try {
        body = encodeTickMessage(tick);
      } catch (error) {
        failed.push({ tick, error: `cannot encode tick: ${errorMessage(error)}` });
        continue;
      }
      const entry: SendMessageBatchRequestEntry = {
        Id: String(batch.length),
        MessageBody: body,
        MessageGroupId: toFifoId(tick.symbol),
        MessageDeduplicationId: toFifoId(tickId(tick)),
      };
      batch.push({ tick, entry });
      if (batch.length === BATCH_SIZE) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);

    let sent = 0;
    await forEachLimited(batches, CONCURRENCY, async (entries) => {
      const result = await this.sendBatch(entries);
      sent += result.sent;
      failed.push(...result.failed);
    });
    return { sent, failed };
  }

  private async sendBatch(batch: readonly Pending[]): Promise<DispatchResult> {
    let pending = batch;
    const lastError = new Map<string, string>();
    const failed: { tick: SymbolTick; error: string }[] = [];
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
          if (refused.SenderFault === true) failed.push({ tick: item.tick, error });
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
      failed.push({ tick: item.tick, error: lastError.get(item.entry.Id ?? '') ?? 'not sent' });
    }
    return { sent, failed };
  }
}

interface Pending {
  readonly tick: SymbolTick;
  readonly entry: SendMessageBatchRequestEntry;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
