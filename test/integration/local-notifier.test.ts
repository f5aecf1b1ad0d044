import { afterEach, describe, expect, it } from 'vitest';
import { HttpWebhookPoster } from '../../lib/adapters/webhook-poster.js';
import { formatFor } from '../../lib/domain/notification-format.js';
import { type LocalNotifications, startLocalNotifications } from '../../lib/local/notifier.js';
import { LoopbackNotifier } from '../../lib/local/notifier-client.js';
import type { DeliveryReport } from '../../lib/use-cases/notify-webhooks.js';
import { everySampleEvent, sampleEvents } from '../helpers/trade-events.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const noWait = async () => undefined;
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function receiver(answer?: Parameters<typeof startWebhookReceiver>[0]) {
  const rx = await startWebhookReceiver(answer);
  open.push(rx);
  return rx;
}

async function notifications(...args: Parameters<typeof startLocalNotifications>) {
  const n = await startLocalNotifications(...args);
  open.push({ close: () => n.close(0) });
  return n;
}

describe('local notifications', () => {
  it('posts every event a function tells, in each service format, to --notify-url', async () => {
    const rx: WebhookReceiver = await receiver();
    const local: LocalNotifications = await notifications({
      webhooks: [],
      overrideUrl: `${rx.url}/hook`,
    });
    const fn = new LoopbackNotifier(local.endpoint);

    for (const [, event] of everySampleEvent) await fn.notify(event);
    await rx.received(everySampleEvent.length * 3);
    await local.close(5_000);

    for (const [, event] of everySampleEvent) {
      const bodies = rx.posts.map((p) => p.body);
      expect(bodies).toContainEqual(formatFor('slack', event));
      expect(bodies).toContainEqual(formatFor('discord', event));
      expect(bodies).toContainEqual(formatFor('telegram', event, { chatId: '0' }));
    }
    const summary = local.summary();
    expect(Object.values(summary.events)).toEqual(everySampleEvent.map(() => 1));
    expect(summary).toMatchObject({ delivered: everySampleEvent.length * 3, failed: 0 });
    expect(summary.webhooks.map((w) => w.name)).toEqual(['slack#1', 'discord#2', 'telegram#3']);
  });

  it('accepts an event before its webhook answers: a hanging webhook holds up no function', async () => {
    const rx = await receiver(() => 'hang');
    const local = await notifications({
      webhooks: [{ kind: 'slack', url: `${rx.url}/hangs` }],
      poster: new HttpWebhookPoster({ attempts: 1, timeoutMs: 60_000 }),
    });
    const fn = new LoopbackNotifier(local.endpoint);

    await fn.notify(sampleEvents['entry-filled']);
    await rx.received(1);

    // The function's notify has resolved, and the webhook's one request is still unanswered.
    expect(local.summary()).toMatchObject({ delivered: 0, failed: 0, pending: 1 });
    expect(local.summary().events['entry-filled']).toBe(1);
  });

  it('retries a failing webhook, gives up, and reports it in the summary without throwing', async () => {
    const rx = await receiver(() => 503);
    const failures: DeliveryReport[] = [];
    const local = await notifications({
      webhooks: [{ kind: 'discord', url: `${rx.url}/down` }],
      poster: new HttpWebhookPoster({ attempts: 3, sleep: noWait }),
      onFailure: (report) => failures.push(report),
    });
    await new LoopbackNotifier(local.endpoint).notify(sampleEvents.halt);
    await rx.received(3);
    await local.close(5_000);
    expect(rx.posts).toHaveLength(3);
    expect(local.summary()).toMatchObject({
      delivered: 0,
      failed: 1,
      webhooks: [{ name: 'discord#1', failed: 1, lastError: 'HTTP 503' }],
    });
    expect(failures).toEqual([expect.objectContaining({ target: 'discord#1', attempts: 3 })]);
  });

  it('leaves out a webhook whose secret a local run does not read, and says how to post it', async () => {
    const local = await notifications({
      webhooks: [{ kind: 'telegram', chatId: '42', secretName: 'tickfan/telegram' }],
    });
    expect(local.summary().skipped).toEqual([
      { name: 'telegram#1', reason: expect.stringMatching(/tickfan\/telegram.*--notify-url/) },
    ]);
  });

  it('refuses a body that is no trade event', async () => {
    const local = await notifications({ webhooks: [] });
    const response = await fetch(local.endpoint, { method: 'POST', body: '{"kind":"nope"}' });
    expect(response.status).toBe(400);
    expect(Object.values(local.summary().events).every((n) => n === 0)).toBe(true);
  });

  it('a function whose run has ended loses the event quietly', async () => {
    const local = await startLocalNotifications({ webhooks: [] });
    await local.close(0);
    const lost: unknown[] = [];
    const fn = new LoopbackNotifier(local.endpoint, 1_000, (_e, error) => lost.push(error));
    await expect(fn.notify(sampleEvents.halt)).resolves.toBeUndefined();
    expect(lost).toHaveLength(1);
  });
});
