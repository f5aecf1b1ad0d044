import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { InvocationOutcome, LocalFunction } from './local-function.js';

/** One trade invocation as the event source saw it. */
export interface InvocationRecord {
  readonly messageId: string;
  /** Symbol named in the message body, when the body could be read. */
  readonly symbol?: string;
  readonly scheduledAt?: string;
  /** How many times SQS has handed this message out, this time included. */
  readonly receiveCount: number;
  readonly outcome: InvocationOutcome;
  /** True when the function reported the message as a batch item failure. */
  readonly itemFailed: boolean;
  /** Wall-clock epoch ms at which the invocation started and ended. */
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface SqsEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly fn: LocalFunction;
  /** Invocations in flight at most, as the event source's MaximumConcurrency. */
  readonly maxConcurrency: number;
  /**
   * The simulated clock's offset handed to the invocation of a message, given the tick it
   * carries (undefined for a body that names none).
   */
  readonly clockOffsetMs: (scheduledAt: string | undefined) => number;
  readonly onInvocation?: (record: InvocationRecord) => void;
}

/**
 * Plays Lambda's SQS event source mapping with batch size 1: receives messages, invokes the
 * function with a real SQS event for each, and deletes a message only when the invocation
 * succeeded without reporting it as a batch item failure. A failed message stays in the queue,
 * becomes visible again after its visibility timeout, and SQS moves it to the dead-letter queue
 * after `maxReceiveCount` receives. FIFO ordering is SQS's own: it hands out no message of a group
 * while another of that group is in flight.
 */
export class SqsEventSource {
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: SqsEventSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Stops receiving and waits for the invocations in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.inFlight);
  }

  /** Invocations running now. */
  get busy(): number {
    return this.inFlight.size;
  }

  private async poll(): Promise<void> {
    const { sqs, queueUrl, maxConcurrency } = this.options;
    while (this.running) {
      const free = maxConcurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, free),
            WaitTimeSeconds: 0,
            AttributeNames: ['All'],
          }),
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (!this.running) break;
        process.emitWarning(`SQS receive failed: ${(error as Error).message}`);
      }
      if (messages.length === 0) {
        await sleep(15);
        continue;
      }
      for (const message of messages) {
        const task = this.handle(message).finally(() => this.inFlight.delete(task));
        this.inFlight.add(task);
      }
    }
  }

  private async handle(message: Message): Promise<void> {
    const { fn, sqs, queueUrl } = this.options;
    const body = readBody(message.Body);
    const startedAt = Date.now();
    const outcome = await fn.invoke(
      this.eventFor(message),
      this.options.clockOffsetMs(body.scheduledAt),
    );
    const response = outcome.ok ? (outcome.value as SQSBatchResponse | undefined) : undefined;
    const itemFailed = (response?.batchItemFailures?.length ?? 0) > 0;
    if (outcome.ok && !itemFailed) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    this.options.onInvocation?.({
      messageId: message.MessageId ?? '',
      ...body,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      outcome,
      itemFailed,
      startedAt,
      endedAt: Date.now(),
    });
  }

  private eventFor(message: Message): SQSEvent {
    const attributes = message.Attributes ?? {};
    return {
      Records: [
        {
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          body: message.Body ?? '',
          attributes: {
            ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
            SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
            SenderId: attributes.SenderId ?? 'local',
            ApproximateFirstReceiveTimestamp:
              attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
            ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
            ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
            ...(attributes.MessageDeduplicationId
              ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
              : {}),
          },
          messageAttributes: {},
          md5OfBody: message.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: this.options.queueArn,
          awsRegion: 'us-east-1',
        },
      ],
    };
  }
}

function readBody(body: string | undefined): { symbol?: string; scheduledAt?: string } {
  try {
    const parsed = JSON.parse(body ?? '') as { symbol?: unknown; scheduledAt?: unknown };
    return {
      ...(typeof parsed.symbol === 'string' ? { symbol: parsed.symbol } : {}),
      ...(typeof parsed.scheduledAt === 'string' ? { scheduledAt: parsed.scheduledAt } : {}),
    };
  } catch {
    return {};
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
