import { plainText, summarizeEvent } from '../domain/notification-format.js';
import type { TradeEvent } from '../domain/trade-event.js';
import type { MetricsSink } from '../ports/metrics.js';
import type { FlushableNotifier } from '../ports/notifier.js';

/** The fields of SNS `Publish` this notifier sends. */
export interface SnsPublishInput {
  readonly TopicArn: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
  readonly Subject: string;
  readonly MessageAttributes: Readonly<
    Record<string, { readonly DataType: 'String'; readonly StringValue: string }>
  >;
}

/** Publishes one message; rejects on failure or when `abortSignal` fires. */
export type SnsPublish = (
  input: SnsPublishInput,
  options: { readonly abortSignal: AbortSignal },
) => Promise<void>;

export interface SnsNotifierOptions {
  readonly topicArn: string;
  readonly metrics: MetricsSink;
  /** How long the next publish may take: what the invocation has left for it. */
  readonly timeoutMs: () => number;
  /** Told about a publish that failed (the trade went on). */
  readonly onFailure?: (event: TradeEvent, error: unknown) => void;
  /** Default: the AWS SDK's SNS client, loaded on the first event. */
  readonly publish?: SnsPublish;
}

interface SnsModule {
  SNSClient: new (
    config: object,
  ) => { send(command: unknown, options: { abortSignal: AbortSignal }): Promise<unknown> };
  PublishCommand: new (input: SnsPublishInput) => unknown;
}

// A name, not a literal: the SDK module is loaded only when the first event is published, and
// Lambda's Node.js runtime provides it, like every other `@aws-sdk/*` module of the bundle.
const snsModuleName = '@aws-sdk/client-sns';

/** The SNS client's publish, the client built on the first call and kept for the container. */
export function lazySnsPublish(): SnsPublish {
  let client: Promise<{ sdk: SnsModule; client: InstanceType<SnsModule['SNSClient']> }> | undefined;
  return async (input, options) => {
    client ??= (import(snsModuleName) as Promise<SnsModule>).then((sdk) => ({
      sdk,
      client: new sdk.SNSClient({}),
    }));
    const loaded = await client.catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    await loaded.client.send(new loaded.sdk.PublishCommand(input), options);
  };
}

/** SNS allows 100 printable ASCII characters in an e-mail subject. */
function subjectOf(title: string): string {
  const ascii = title.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 99)}~`;
}

/** The SNS message of `event`: the event as JSON for the notifier function, text for e-mail. */
export function snsMessageOf(topicArn: string, event: TradeEvent): SnsPublishInput {
  const summary = summarizeEvent(event);
  const email = [
    summary.title,
    '',
    ...summary.fields.map((f) => `${f.name}: ${f.value}`),
    '',
    summary.time,
  ].join('\n');
  return {
    TopicArn: topicArn,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: JSON.stringify(event), email }),
    Subject: subjectOf(`tickfan: ${summary.title}`),
    MessageAttributes: {
      kind: { DataType: 'String', StringValue: event.kind },
      ...('symbol' in event && event.symbol !== undefined
        ? { symbol: { DataType: 'String', StringValue: event.symbol } }
        : {}),
    },
  };
}

/**
 * Publishes trade events to the notification topic, off the trade's path: `notify` starts the
 * publish bounded by the time the invocation has left and never rejects; a failed or late publish
 * is reported to `onFailure` and counted as `NotificationFailures`. `flush` lets the handler wait,
 * within its deadline, for the publishes still under way once the tick is done, so that Lambda
 * does not freeze them half sent.
 */
export class SnsNotifier implements FlushableNotifier {
  private readonly publish: SnsPublish;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: SnsNotifierOptions) {
    this.publish = options.publish ?? lazySnsPublish();
  }

  notify(event: TradeEvent): Promise<void> {
    const run = this.publishOne(event);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  async flush(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
  }

  private async publishOne(event: TradeEvent): Promise<void> {
    const { topicArn, metrics, onFailure } = this.options;
    try {
      const timeoutMs = this.options.timeoutMs();
      if (!(timeoutMs > 0)) throw new Error('no time left in the invocation to publish');
      await this.publish(snsMessageOf(topicArn, event), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      metrics.add('NotificationFailures', 1);
      try {
        onFailure?.(event, error);
      } catch {
        // A broken logger must not turn a lost notification into a failed trade.
      }
    }
  }
}

/** The plain line of an event, for a log that says which notification was lost. */
export function describeEvent(event: TradeEvent): string {
  return plainText(summarizeEvent(event));
}
