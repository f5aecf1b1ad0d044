import { describe, expect, it } from 'vitest';
import type { PostOutcome, WebhookPoster } from '../../../lib/ports/notifier.js';
import {
  NotificationUndeliveredError,
  notifyFromTopic,
  readTopicMessage,
  UnreadableTopicMessageError,
} from '../../../lib/use-cases/notify-from-topic.js';
import type { WebhookTarget } from '../../../lib/use-cases/notify-webhooks.js';
import { sampleEvents } from '../../helpers/trade-events.js';

const now = Date.parse('2026-01-16T10:00:00Z');

function alarm(name: string, state = 'ALARM', extra: object = {}): string {
  return JSON.stringify({
    AlarmName: `tickfan-prod-${name}`,
    NewStateValue: state,
    NewStateReason: 'Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0).',
    StateChangeTime: '2026-01-16T09:59:00.000+0000',
    ...extra,
  });
}

class RecordingPoster implements WebhookPoster {
  readonly posts: { url: string; body: unknown }[] = [];
  constructor(private readonly outcome: PostOutcome = { ok: true, attempts: 1, status: 200 }) {}
  async post(url: string, body: unknown): Promise<PostOutcome> {
    this.posts.push({ url, body });
    return this.outcome;
  }
}

const targets: WebhookTarget[] = [
  { kind: 'slack', url: 'https://hooks.example/s', name: 'slack#1' },
  {
    kind: 'telegram',
    url: 'https://api.example/botT/sendMessage',
    chatId: '7',
    name: 'telegram#2',
  },
];

describe('readTopicMessage', () => {
  it('reads a trade event the trade function published', () => {
    expect(readTopicMessage(JSON.stringify(sampleEvents['exit-filled']), now)).toEqual({
      kind: 'event',
      event: sampleEvents['exit-filled'],
    });
  });

  it('reads the SilentSymbols alarm as a silent-symbol event at the alarm time', () => {
    expect(readTopicMessage(alarm('SilentSymbols'), now)).toEqual({
      kind: 'event',
      event: {
        kind: 'symbol-silent',
        time: Date.parse('2026-01-16T09:59:00Z'),
        detail: expect.stringContaining('Threshold Crossed'),
      },
    });
  });

  it.each(['SymbolDeadLetters', 'ScheduleDeadLetters'])(
    'reads the %s alarm as a dead-letter queue that is not empty, naming the queue',
    (name) => {
      const body = alarm(name, 'ALARM', {
        Trigger: { Dimensions: [{ name: 'QueueName', value: 'tickfan-prod-dlq.fifo' }] },
      });
      expect(readTopicMessage(body, now)).toMatchObject({
        kind: 'event',
        event: { kind: 'dlq-not-empty', queue: 'tickfan-prod-dlq.fifo' },
      });
    },
  );

  it('ignores an alarm going back to OK and alarms that stand for no event', () => {
    expect(readTopicMessage(alarm('SilentSymbols', 'OK'), now).kind).toBe('ignored');
    expect(readTopicMessage(alarm('TradeErrors'), now).kind).toBe('ignored');
  });

  it('refuses a body that is neither', () => {
    expect(() => readTopicMessage('not json', now)).toThrow(UnreadableTopicMessageError);
    expect(() => readTopicMessage('{"hello":1}', now)).toThrow(UnreadableTopicMessageError);
  });
});

describe('notifyFromTopic', () => {
  it('posts the event to every webhook in its own format', async () => {
    const poster = new RecordingPoster();
    const result = await notifyFromTopic(
      { poster, targets: async () => targets, now: () => now },
      JSON.stringify(sampleEvents.halt),
    );
    expect(poster.posts.map((p) => p.url)).toEqual(targets.map((t) => t.url));
    expect(poster.posts[1]?.body).toMatchObject({ chat_id: '7', parse_mode: 'HTML' });
    expect(result).toMatchObject({ delivered: [{ ok: true }, { ok: true }] });
  });

  it('fails the message when a webhook did not take it, so the queue retries it', async () => {
    const poster = new RecordingPoster({ ok: false, attempts: 3, status: 502, error: 'HTTP 502' });
    await expect(
      notifyFromTopic(
        { poster, targets: async () => targets, now: () => now },
        JSON.stringify(sampleEvents['stop-missing']),
      ),
    ).rejects.toThrow(NotificationUndeliveredError);
  });

  it('posts nothing for an ignored alarm', async () => {
    const poster = new RecordingPoster();
    const result = await notifyFromTopic(
      { poster, targets: async () => targets, now: () => now },
      alarm('OpenBreakers'),
    );
    expect(result).toMatchObject({ kind: 'ignored' });
    expect(poster.posts).toEqual([]);
  });
});
