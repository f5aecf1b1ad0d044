import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetters, UndeliverableMessage } from '../ports/dead-letters.js';
import { toFifoId } from './sqs-symbol-queue.js';

export interface SqsDeadLettersOptions {
  /** The FIFO dead-letter queue of the symbol queue. */
  readonly queueUrl: string;
  readonly client?: SQSClient;
}

/** Message attribute carrying why a message was dead-lettered. */
export const errorAttribute = 'tickfan-error';

/**
 * Moves a poison message to the dead-letter queue with the validation error attached. The
 * message keeps its body and group; its id deduplicates a repeated move of the same message.
 */
export class SqsDeadLetters implements DeadLetters {
  private readonly queueUrl: string;
  private readonly client: SQSClient;

  constructor(options: SqsDeadLettersOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client ?? new SQSClient({});
  }

  async deadLetter(message: UndeliverableMessage, reason: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: message.body === '' ? '(empty body)' : message.body,
        MessageGroupId: toFifoId(message.groupId || 'poison'),
        MessageDeduplicationId: toFifoId(message.messageId),
        MessageAttributes: {
          // SQS caps an attribute value at 256 KB; a reason is far shorter, but bound it anyway.
          [errorAttribute]: { DataType: 'String', StringValue: reason.slice(0, 4_000) },
          'tickfan-source-message-id': { DataType: 'String', StringValue: message.messageId },
        },
      }),
    );
  }
}
