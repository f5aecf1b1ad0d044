import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { FaultDice } from '../simulator/faults.js';
import type { InvocationOutcome, LocalFunction } from './local-function.js';

/** One trade invocation as the event source saw it. */
export interface InvocationRecord {
  readonly messageId: string;
  /** Symbol named in the message body, when the body could be read. */
  readonly symbol?: string;
  readonly scheduledAt?: string;
  /** How many times the message has been handed out, this time included. */
  readonly receiveCount: number;
  readonly outcome: InvocationOutcome;
  /** True when the function reported the message as a batch item failure. */
  readonly itemFailed: boolean;
  /** True for the extra delivery of an injected duplicate. */
  readonly duplicate: boolean;
  /** Wall-clock epoch ms at which the invocation started and ended. */
  readonly startedAt: number;
  readonly endedAt: number;
  /**
   * When the function's ChangeMessageVisibility during this attempt makes the message visible
   * again (epoch ms); absent when it made none. As in SQS, it counts from the call, not from the
   * attempt's end.
   */
  readonly visibleAt?: number;
}

export interface SqsEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly fn: LocalFunction;
  /** Invocations in flight at most, as the event source's MaximumConcurrency. */
  readonly maxConcurrency: number;
  /**
   * How long a failed message stays hidden before it is delivered again, unless the function
   * changed its visibility during the attempt ({@link SqsEventSource.changeVisibility}).
   */
  readonly visibilityTimeoutMs: number;
  /** Deliveries after which a failing message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /**
   * The simulated clock's offset handed to the invocation of a message, given the tick it
   * carries (undefined for a body that names none).
   */
  readonly clockOffsetMs: (scheduledAt: string | undefined) => number;
  readonly onInvocation?: (record: InvocationRecord) => void;
  /**
   * Fault injection: the fraction of messages delivered twice, half of those while the first
   * delivery is still running (SQS delivers at least once; this makes "more than once" happen).
   */
  readonly duplicateRate?: number;
}

/** A received message waiting in its FIFO group, with its deliveries so far. */
interface Held {
  readonly message: Message;
  deliveries: number;
  /** When the function's ChangeMessageVisibility of this delivery makes it visible again. */
  visibleAt?: number;
}

/** Longest visibility SQS allows: a held message is never handed out twice behind our back. */
const holdSeconds = 43_200;

/**
 * Plays Lambda's SQS event source mapping for a FIFO queue, batch size 1: receives messages,
 * invokes the function with a real SQS event for each, deletes a message only when the
 * invocation succeeded without reporting it as a batch item failure.
 *
 * FIFO semantics are kept here, message by message: a group never has two messages in flight,
 * and a failed message holds its group back for the visibility timeout, is delivered again, and
 * after `maxReceiveCount` deliveries moves to the dead-letter queue. A ChangeMessageVisibility
 * the function makes during its attempt (through {@link SqsEventSource.changeVisibility}) sets
 * when the retry comes, as it does in SQS. (local-aws-sqs delivers the
 * next message of a group while an earlier one is in flight, and does not keep receive counts
 * as SQS does, so its own visibility and redrive are not relied on: messages are received with
 * the longest visibility and the mapping's rules are applied here.)
 */
export class SqsEventSource {
  private running = false;
  private loop?: Promise<void>;
  private readonly groups = new Map<string, Held[]>();
  private readonly active = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly dice = new FaultDice(0x5eed);
  private invoking = 0;

  constructor(private readonly options: SqsEventSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Stops receiving and waits for the invocations in flight; pending retries are dropped. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await Promise.all(this.inFlight);
  }

  /**
   * Takes the function's ChangeMessageVisibility of a message this source holds: the message is
   * delivered again `visibilitySeconds` from now instead of after the visibility timeout. As in
   * SQS, the change leaves the receive count alone. False for a message it does not hold.
   */
  changeVisibility(receiptHandle: string, visibilitySeconds: number): boolean {
    for (const queue of this.groups.values()) {
      const held = queue.find((h) => h.message.ReceiptHandle === receiptHandle);
      if (held === undefined) continue;
      held.visibleAt = Date.now() + visibilitySeconds * 1000;
      return true;
    }
    return false;
  }

  /** Messages received and not yet resolved: running, waiting in their group, or for a retry. */
  get busy(): number {
    let held = 0;
    for (const queue of this.groups.values()) held += queue.length;
    return held;
  }

  private async poll(): Promise<void> {
    const { sqs, queueUrl } = this.options;
    while (this.running) {
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: holdSeconds,
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
        const group = message.Attributes?.MessageGroupId ?? message.MessageId ?? '';
        const queue = this.groups.get(group) ?? [];
        queue.push({ message, deliveries: 0 });
        this.groups.set(group, queue);
      }
      this.pumpAll();
    }
  }

  /** Starts the head message of every idle group, within the concurrency limit. */
  private pumpAll(): void {
    for (const group of this.groups.keys()) this.pump(group);
  }

  private pump(group: string): void {
    // Once stopped, an attempt ending starts no other: the function may be closed next.
    if (!this.running) return;
    if (this.active.has(group) || this.invoking >= this.options.maxConcurrency) return;
    const head = this.groups.get(group)?.[0];
    if (head === undefined) return;
    this.active.add(group);
    this.invoking++;
    const task = this.attempt(group, head)
      .catch((error: unknown) => {
        // The message stays held; one lost SQS call must not end the whole run.
        process.emitWarning(`SQS event source: ${(error as Error).message ?? String(error)}`);
      })
      .finally(() => {
        this.inFlight.delete(task);
        this.invoking--;
        this.pumpAll();
      });
    this.inFlight.add(task);
  }

  private async attempt(group: string, held: Held): Promise<void> {
    held.deliveries++;
    held.visibleAt = undefined;
    const ok = await this.handle(held);
    if (ok) {
      await this.resolve(group, held, 'delete');
    } else if (held.deliveries >= this.options.maxReceiveCount) {
      await this.resolve(group, held, 'dead-letter');
    } else if (this.running) {
      // The group stays held back until the message is visible again.
      const hiddenMs =
        held.visibleAt === undefined
          ? this.options.visibilityTimeoutMs
          : Math.max(0, held.visibleAt - Date.now());
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        this.active.delete(group);
        this.pump(group);
      }, hiddenMs);
      this.retries.add(timer);
    }
  }

  private async resolve(group: string, held: Held, how: 'delete' | 'dead-letter'): Promise<void> {
    const { sqs, queueUrl, deadLetterQueueUrl } = this.options;
    const { message } = held;
    if (how === 'dead-letter') {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MessageBody: message.Body ?? '',
          MessageGroupId: message.Attributes?.MessageGroupId ?? 'dead-letters',
          MessageDeduplicationId: message.MessageId,
        }),
      );
    }
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
    const queue = this.groups.get(group) ?? [];
    queue.shift();
    if (queue.length === 0) this.groups.delete(group);
    this.active.delete(group);
  }

  /** Delivers `held` once, or twice under the duplicate fault; true when it succeeded. */
  private async handle(held: Held): Promise<boolean> {
    const rate = this.options.duplicateRate ?? 0;
    if (!this.dice.hits(rate)) return this.deliver(held, false);
    if (this.dice.hits(0.5)) {
      const [first, second] = await Promise.all([
        this.deliver(held, false),
        this.deliver(held, true),
      ]);
      return first || second;
    }
    const first = await this.deliver(held, false);
    const second = await this.deliver(held, true);
    return first || second;
  }

  private async deliver(held: Held, duplicate: boolean): Promise<boolean> {
    const { message } = held;
    const body = readBody(message.Body);
    const startedAt = Date.now();
    const outcome = await this.options.fn.invoke(
      this.eventFor(held),
      this.options.clockOffsetMs(body.scheduledAt),
    );
    const response = outcome.ok ? (outcome.value as SQSBatchResponse | undefined) : undefined;
    const itemFailed = (response?.batchItemFailures?.length ?? 0) > 0;
    this.options.onInvocation?.({
      messageId: message.MessageId ?? '',
      ...body,
      receiveCount: held.deliveries,
      outcome,
      itemFailed,
      duplicate,
      startedAt,
      endedAt: Date.now(),
      ...(held.visibleAt === undefined ? {} : { visibleAt: held.visibleAt }),
    });
    return outcome.ok && !itemFailed;
  }

  private eventFor(held: Held): SQSEvent {
    const { message } = held;
    const attributes = message.Attributes ?? {};
    return {
      Records: [
        {
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          body: message.Body ?? '',
          attributes: {
            ApproximateReceiveCount: String(held.deliveries),
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
