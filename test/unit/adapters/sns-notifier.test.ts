import { describe, expect, it } from 'vitest';
import {
  SnsNotifier,
  type SnsPublish,
  type SnsPublishInput,
  snsMessageOf,
} from '../../../lib/adapters/sns-notifier.js';
import { RecordingMetrics } from '../../helpers/fakes.js';
import { sampleEvents } from '../../helpers/trade-events.js';

const topicArn = 'arn:aws:sns:eu-west-1:123456789012:tickfan-notifications';

function notifierWith(publish: SnsPublish, timeoutMs = 1_000) {
  const metrics = new RecordingMetrics();
  const failures: unknown[] = [];
  const notifier = new SnsNotifier({
    topicArn,
    metrics,
    timeoutMs: () => timeoutMs,
    publish,
    onFailure: (_event, error) => failures.push(error),
  });
  return { notifier, metrics, failures };
}

/** A publish that never answers until its abort signal fires, as a stalled endpoint would. */
const hangingPublish: SnsPublish = (_input, { abortSignal }) =>
  new Promise((_resolve, reject) => {
    abortSignal.addEventListener('abort', () => reject(abortSignal.reason));
  });

describe('SnsNotifier', () => {
  it('publishes the event as JSON for the notifier function and as text for e-mail', async () => {
    const sent: SnsPublishInput[] = [];
    const { notifier, metrics } = notifierWith(async (input) => {
      sent.push(input);
    });
    await notifier.notify(sampleEvents['exit-filled']);
    expect(sent).toHaveLength(1);
    const [input] = sent;
    expect(input?.TopicArn).toBe(topicArn);
    expect(input?.MessageStructure).toBe('json');
    const message = JSON.parse(input?.Message ?? '{}') as { default: string; email: string };
    expect(JSON.parse(message.default)).toEqual(sampleEvents['exit-filled']);
    expect(message.email).toContain('PnL: -0.00101');
    expect(input?.Subject).toBe('tickfan: Exit filled (stoploss): LTC/BTC');
    expect(input?.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'exit-filled' },
      symbol: { DataType: 'String', StringValue: 'LTC/BTC' },
    });
    expect(metrics.sum('NotificationFailures')).toBe(0);
  });

  it('keeps an e-mail subject within the 100 ASCII characters SNS allows', () => {
    const event = { ...sampleEvents['order-rejected'], symbol: `${'Ä'.repeat(120)}/BTC` };
    const subject = snsMessageOf(topicArn, event).Subject;
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('counts and reports a failed publish, and resolves: the trade goes on', async () => {
    const { notifier, metrics, failures } = notifierWith(async () => {
      throw new Error('AuthorizationError');
    });
    await expect(notifier.notify(sampleEvents.halt)).resolves.toBeUndefined();
    expect(metrics.sum('NotificationFailures')).toBe(1);
    expect(failures).toEqual([new Error('AuthorizationError')]);
  });

  it('aborts a publish that outlives the time the invocation has left for it', async () => {
    const { notifier, metrics, failures } = notifierWith(hangingPublish, 50);
    await notifier.notify(sampleEvents['entry-filled']);
    expect(metrics.sum('NotificationFailures')).toBe(1);
    expect((failures[0] as Error).name).toBe('TimeoutError');
  });

  it('does not start a publish when the invocation has no time left', async () => {
    let calls = 0;
    const { notifier, metrics } = notifierWith(async () => {
      calls++;
    }, 0);
    await notifier.notify(sampleEvents['entry-filled']);
    expect(calls).toBe(0);
    expect(metrics.sum('NotificationFailures')).toBe(1);
  });

  it('flushes the publishes under way, and stops waiting at its bound', async () => {
    let release: () => void = () => undefined;
    const slow = notifierWith(() => new Promise<void>((resolve) => (release = resolve)));
    let published = false;
    void slow.notifier.notify(sampleEvents.halt).then(() => (published = true));
    await slow.notifier.flush(10);
    expect(published).toBe(false);
    release();
    await slow.notifier.flush(1_000);
    expect(published).toBe(true);
  });
});
