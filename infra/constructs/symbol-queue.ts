import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Lambda's guidance: a queue's visibility timeout at least six times its consumer's timeout. */
export const visibilityTimeoutFactor = 6;

export interface SymbolQueueProps {
  /** Timeout of the trade function that consumes the queue. */
  readonly consumerTimeout: Duration;
  /** Deliveries of one message before it moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/**
 * The FIFO queue of symbol ticks (message group = symbol, so one symbol's ticks never run
 * concurrently) and its FIFO dead-letter queue. Deduplication ids are explicit (`symbol#tick`),
 * so content-based deduplication stays off.
 */
export class SymbolQueue extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SymbolQueueProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      fifo: true,
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.queue = new Queue(this, 'Queue', {
      fifo: true,
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(
        props.consumerTimeout.toSeconds() * visibilityTimeoutFactor,
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
