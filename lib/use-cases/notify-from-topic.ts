import type { TradeEvent } from '../domain/trade-event.js';
import type { WebhookPoster } from '../ports/notifier.js';
import { type DeliveryReport, deliverEvent, type WebhookTarget } from './notify-webhooks.js';

/** A CloudWatch alarm's state change as SNS delivers it (the fields read here). */
interface AlarmMessage {
  readonly AlarmName: string;
  readonly NewStateValue: string;
  readonly NewStateReason?: string;
  readonly StateChangeTime?: string;
  readonly Trigger?: { readonly Dimensions?: readonly { name: string; value: string }[] };
}

/** What one message of the notification topic asks the notifier function to post. */
export type TopicMessage =
  | { readonly kind: 'event'; readonly event: TradeEvent }
  /** A message nobody is told about on a webhook (an alarm back to OK, another alarm). */
  | { readonly kind: 'ignored'; readonly why: string };

/** Thrown for a message body that is neither a trade event nor a CloudWatch alarm. */
export class UnreadableTopicMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableTopicMessageError';
  }
}

/**
 * Reads one message of the notification topic: a trade event the trade function published, or a
 * CloudWatch alarm. An alarm entering ALARM becomes the event it stands for: `SilentSymbols`
 * a silent symbol, `SymbolDeadLetters` and `ScheduleDeadLetters` a dead-letter queue that is not
 * empty; other alarms and returns to OK reach e-mail subscribers only.
 */
export function readTopicMessage(body: string, now: number): TopicMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new UnreadableTopicMessageError('the message is not JSON');
  }
  if (typeof value !== 'object' || value === null) {
    throw new UnreadableTopicMessageError('the message is not a JSON object');
  }
  if ('kind' in value && 'time' in value) return { kind: 'event', event: value as TradeEvent };
  if (!('AlarmName' in value) || !('NewStateValue' in value)) {
    throw new UnreadableTopicMessageError('the message is neither a trade event nor an alarm');
  }
  const alarm = value as AlarmMessage;
  if (alarm.NewStateValue !== 'ALARM') {
    return { kind: 'ignored', why: `${alarm.AlarmName} is ${alarm.NewStateValue}` };
  }
  const parsed = Date.parse(alarm.StateChangeTime ?? '');
  const time = Number.isFinite(parsed) ? parsed : now;
  const detail = alarm.NewStateReason;
  if (alarm.AlarmName.endsWith('-SilentSymbols')) {
    return {
      kind: 'event',
      event: { kind: 'symbol-silent', time, ...(detail ? { detail } : {}) },
    };
  }
  if (/-(Symbol|Schedule)DeadLetters$/.test(alarm.AlarmName)) {
    const queue =
      alarm.Trigger?.Dimensions?.find((d) => d.name === 'QueueName')?.value ?? alarm.AlarmName;
    return {
      kind: 'event',
      event: { kind: 'dlq-not-empty', time, queue, ...(detail ? { detail } : {}) },
    };
  }
  return { kind: 'ignored', why: `${alarm.AlarmName} is told by e-mail only` };
}

/** Thrown when a webhook did not take an event after its retries, so the queue retries it. */
export class NotificationUndeliveredError extends Error {
  constructor(readonly reports: readonly DeliveryReport[]) {
    super(
      `not delivered to ${reports.map((r) => `${r.target} (${r.error ?? 'failed'})`).join(', ')}`,
    );
    this.name = 'NotificationUndeliveredError';
  }
}

/**
 * The notifier function's work on one message of the topic.
 *
 * 1. Read it: a trade event, or an alarm standing for one; anything else is ignored.
 * 2. Post the event to every webhook in its own format, with the poster's retries.
 * 3. If a webhook still did not take it, throw: the queue delivers the message again, and after
 *    its last delivery moves it to the notifier's dead-letter queue. No trade waits for this.
 */
export async function notifyFromTopic(
  deps: {
    readonly poster: WebhookPoster;
    readonly targets: () => Promise<readonly WebhookTarget[]>;
    readonly now: () => number;
  },
  body: string,
): Promise<{ readonly delivered: readonly DeliveryReport[] } | TopicMessage> {
  const message = readTopicMessage(body, deps.now());
  if (message.kind === 'ignored') return message;
  const reports = await deliverEvent({ poster: deps.poster }, message.event, await deps.targets());
  const failed = reports.filter((r) => !r.ok);
  if (failed.length > 0) throw new NotificationUndeliveredError(failed);
  return { delivered: reports };
}
