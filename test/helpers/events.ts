import type { Message } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/** A Lambda context whose deadline is `remainingMs` from now. */
export function lambdaContext(remainingMs = 30_000, functionName = 'tickfan-test'): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An EventBridge Scheduler payload as the stack's schedule sends it. */
export function scheduleEvent(scheduledAt: number | string) {
  const iso = typeof scheduledAt === 'number' ? new Date(scheduledAt).toISOString() : scheduledAt;
  return { scheduledAt: iso, source: 'tickfan.schedule' };
}

/** An SQS event record for `body`, shaped as Lambda delivers it from a FIFO queue. */
export function sqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  const id = overrides.messageId ?? `msg-${Math.random().toString(36).slice(2)}`;
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: 'group',
      MessageDeduplicationId: id,
      SequenceNumber: '1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tickfan-ticks.fifo',
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

/** Turns messages received from a real queue into the SQS event Lambda would deliver. */
export function sqsEventFrom(messages: readonly Message[]): SQSEvent {
  return {
    Records: messages.map((m) =>
      sqsRecord(m.Body ?? '', {
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? '0',
          SenderId: m.Attributes?.SenderId ?? 'local',
          ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
          MessageGroupId: m.Attributes?.MessageGroupId ?? '',
          MessageDeduplicationId: m.Attributes?.MessageDeduplicationId ?? '',
        },
      }),
    ),
  };
}
