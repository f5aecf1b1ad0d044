import { afterEach, describe, expect, it } from 'vitest';
import { HttpWebhookPoster } from '../../lib/adapters/webhook-poster.js';
import type { WebhookConfig } from '../../lib/config/notifications.js';
import { formatFor } from '../../lib/domain/notification-format.js';
import { deliverEvent, resolveWebhookTargets } from '../../lib/use-cases/notify-webhooks.js';
import { everySampleEvent, sampleEvents, sampleFigures } from '../helpers/trade-events.js';
import {
  type ReceiverAnswer,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.js';

const noWait = async () => undefined;
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function receiverAnswering(answer?: (index: number) => ReceiverAnswer) {
  receiver = await startWebhookReceiver(answer ? (_post, i) => answer(i) : undefined);
  return receiver;
}

function webhooksAt(url: string): WebhookConfig[] {
  return [
    { kind: 'slack', url: `${url}/slack` },
    { kind: 'discord', secretName: 'tickfan/discord' },
    { kind: 'telegram', chatId: '-100200', secretName: 'tickfan/telegram', url },
  ];
}

describe('webhook delivery to a real HTTP receiver', () => {
  describe.each(everySampleEvent)('a %s event', (kind, event) => {
    it('arrives at Slack, Discord and Telegram each in its own documented body', async () => {
      const rx = await receiverAnswering();
      const secrets: Record<string, string> = {
        'tickfan/discord': `${rx.url}/discord`,
        'tickfan/telegram': '123:TOKEN',
      };
      const { targets } = await resolveWebhookTargets(webhooksAt(rx.url), async (name) => {
        const value = secrets[name];
        if (value === undefined) throw new Error(`no secret ${name}`);
        return value;
      });

      const reports = await deliverEvent({ poster: new HttpWebhookPoster() }, event, targets);

      expect(reports.map((r) => [r.target, r.ok, r.attempts])).toEqual([
        ['slack#1', true, 1],
        ['discord#2', true, 1],
        ['telegram#3', true, 1],
      ]);
      const byPath = Object.fromEntries(rx.posts.map((p) => [p.path, p]));
      expect(byPath['/slack']?.body).toEqual(formatFor('slack', event));
      expect(byPath['/discord']?.body).toEqual(formatFor('discord', event));
      expect(byPath['/bot123:TOKEN/sendMessage']?.body).toEqual(
        formatFor('telegram', event, { chatId: '-100200' }),
      );
      for (const post of rx.posts) {
        expect(post.contentType).toBe('application/json');
        for (const f of sampleFigures[kind]) expect(JSON.stringify(post.body)).toContain(f);
      }
      expect(byPath['/slack']?.body).toMatchObject({ text: expect.any(String) });
      expect(byPath['/discord']?.body).toMatchObject({ content: expect.any(String) });
      expect(byPath['/bot123:TOKEN/sendMessage']?.body).toMatchObject({
        chat_id: '-100200',
        parse_mode: 'HTML',
      });
    });
  });

  it('points every webhook at one URL with an override, each still in its own format', async () => {
    const rx = await receiverAnswering();
    const { targets } = await resolveWebhookTargets(
      webhooksAt('https://unused.example'),
      async () => {
        throw new Error('no secret is read with an override');
      },
      `${rx.url}/local`,
    );
    await deliverEvent({ poster: new HttpWebhookPoster() }, sampleEvents.halt, targets);
    expect(rx.posts.map((p) => p.path)).toEqual(['/local', '/local', '/local']);
    expect(
      rx.posts.map((p) =>
        Object.keys(p.body as object)
          .sort()
          .join(','),
      ),
    ).toEqual(expect.arrayContaining(['blocks,text', 'content,embeds', 'chat_id,parse_mode,text']));
  });

  it('leaves out a webhook whose secret cannot be read, naming it, and keeps the others', async () => {
    const resolved = await resolveWebhookTargets(webhooksAt('https://hooks.example'), async () => {
      throw new Error('ResourceNotFoundException: secret not found');
    });
    expect(resolved.targets.map((t) => t.name)).toEqual(['slack#1']);
    expect(resolved.unresolved).toEqual([
      { name: 'discord#2', reason: 'ResourceNotFoundException: secret not found' },
      { name: 'telegram#3', reason: 'ResourceNotFoundException: secret not found' },
    ]);
  });

  it('retries a 5xx answer and delivers on a later attempt', async () => {
    const rx = await receiverAnswering((i) => (i < 2 ? 503 : 200));
    const poster = new HttpWebhookPoster({ attempts: 3, sleep: noWait });
    const outcome = await poster.post(`${rx.url}/hook`, { text: 'x' });
    expect(outcome).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(rx.posts).toHaveLength(3);
  });

  it('gives up after its attempts and reports the failure instead of throwing', async () => {
    const rx = await receiverAnswering(() => 500);
    const targets = [{ kind: 'slack' as const, url: `${rx.url}/down`, name: 'slack#1' }];
    const poster = new HttpWebhookPoster({ attempts: 4, sleep: noWait });
    const reports = await deliverEvent({ poster }, sampleEvents['entry-filled'], targets);
    expect(reports).toEqual([
      expect.objectContaining({ ok: false, attempts: 4, status: 500, error: 'HTTP 500' }),
    ]);
    expect(rx.posts).toHaveLength(4);
  });

  it('does not retry a 4xx other than 429: the same body would be refused again', async () => {
    const rx = await receiverAnswering(() => 400);
    const outcome = await new HttpWebhookPoster({ sleep: noWait }).post(`${rx.url}/bad`, {});
    expect(outcome).toMatchObject({ ok: false, attempts: 1, status: 400 });
    expect(rx.posts).toHaveLength(1);
  });

  it('retries a 429 answer', async () => {
    const rx = await receiverAnswering((i) => (i === 0 ? 429 : 204));
    const outcome = await new HttpWebhookPoster({ sleep: noWait }).post(`${rx.url}/busy`, {});
    expect(outcome).toEqual({ ok: true, attempts: 2, status: 204 });
  });

  it('bounds a webhook that never answers, and the report never shows the URL', async () => {
    const rx = await receiverAnswering(() => 'hang');
    const poster = new HttpWebhookPoster({ attempts: 2, timeoutMs: 200, sleep: noWait });
    const outcome = await poster.post(`${rx.url}/bot999:SECRET/sendMessage`, {});
    expect(outcome).toEqual({ ok: false, attempts: 2, error: 'no answer within 200 ms' });
    expect(JSON.stringify(outcome)).not.toContain('SECRET');
  });

  it('reports a webhook nobody listens on as a network error', async () => {
    const rx = await receiverAnswering();
    const dead = rx.url;
    await rx.close();
    receiver = undefined;
    const outcome = await new HttpWebhookPoster({ attempts: 2, sleep: noWait }).post(dead, {});
    expect(outcome).toMatchObject({ ok: false, attempts: 2 });
    expect(outcome.error).toMatch(/^network error/);
  });
});
