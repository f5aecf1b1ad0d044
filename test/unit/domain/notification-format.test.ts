import { describe, expect, it } from 'vitest';
import {
  formatDiscord,
  formatFor,
  formatSlack,
  formatTelegram,
  summarizeEvent,
} from '../../../lib/domain/notification-format.js';
import { tradeEventKinds } from '../../../lib/domain/trade-event.js';
import { everySampleEvent, sampleEvents, sampleFigures } from '../../helpers/trade-events.js';

function slackText(body: ReturnType<typeof formatSlack>): string {
  return JSON.stringify(body.blocks);
}

describe('notification formats', () => {
  it('has a sample for every event kind', () => {
    expect(everySampleEvent.map(([kind]) => kind).sort()).toEqual([...tradeEventKinds].sort());
  });

  describe.each(everySampleEvent)('a %s event', (kind, event) => {
    const figures = sampleFigures[kind];

    it('posts to Slack as a text fallback and header, field and context blocks', () => {
      const body = formatSlack(event);
      expect(body.text).toContain(summarizeEvent(event).title.split(':')[0]);
      expect(body.blocks?.[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: summarizeEvent(event).title },
      });
      expect(body.blocks?.at(-1)).toMatchObject({ type: 'context' });
      for (const f of figures) {
        expect(body.text).toContain(f);
        expect(slackText(body)).toContain(f);
      }
      expect(slackText(body)).toContain('2026-01-16T10:05:00.000Z');
    });

    it('posts to Discord as one content line and one embed with a field per figure', () => {
      const body = formatDiscord(event);
      expect(body.content.length).toBeLessThanOrEqual(2000);
      const [embed, ...more] = body.embeds ?? [];
      expect(more).toEqual([]);
      expect(embed?.title).toBe(summarizeEvent(event).title);
      expect(embed?.timestamp).toBe('2026-01-16T10:05:00.000Z');
      expect(embed?.fields.length).toBe(summarizeEvent(event).fields.length);
      expect(Number.isInteger(embed?.color)).toBe(true);
      for (const f of figures) {
        expect(body.content).toContain(f);
        expect(JSON.stringify(embed)).toContain(f);
      }
    });

    it('posts to Telegram as a sendMessage body in HTML mode for the configured chat', () => {
      const body = formatTelegram(event, '-1001234');
      expect(body.chat_id).toBe('-1001234');
      expect(body.parse_mode).toBe('HTML');
      expect(body.text.startsWith(`<b>`)).toBe(true);
      for (const f of figures) expect(body.text).toContain(f);
    });

    it('formats the same through formatFor as through each service formatter', () => {
      expect(formatFor('slack', event)).toEqual(formatSlack(event));
      expect(formatFor('discord', event)).toEqual(formatDiscord(event));
      expect(formatFor('telegram', event, { chatId: '42' })).toEqual(formatTelegram(event, '42'));
    });
  });

  it('shows an exit with its reason and a signed pnl', () => {
    const gain = { ...sampleEvents['exit-filled'], reason: 'roi', pnl: 0.0021 } as const;
    expect(formatDiscord(gain).content).toContain('Exit filled (roi): LTC/BTC. PnL +0.0021');
    expect(formatSlack(sampleEvents['exit-filled']).text).toContain('PnL -0.00101');
  });

  it('escapes markup in a reason so that it cannot ping a channel or break the HTML', () => {
    const event = { ...sampleEvents['order-rejected'], reason: '<!channel> & <b>' };
    expect(formatSlack(event).text).toContain('&lt;!channel&gt; &amp; &lt;b&gt;');
    expect(slackText(formatSlack(event))).not.toContain('<!channel>');
    expect(formatTelegram(event, '1').text).toContain('&lt;!channel&gt; &amp; &lt;b&gt;');
  });

  it('keeps a huge reason within each service limit', () => {
    const event = { ...sampleEvents['order-rejected'], reason: 'x'.repeat(10_000) };
    expect(formatDiscord(event).content.length).toBeLessThanOrEqual(2000);
    for (const f of formatDiscord(event).embeds?.[0]?.fields ?? []) {
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
    const telegram = formatTelegram(event, '1');
    expect(telegram.text.length).toBeLessThanOrEqual(4096);
    expect(telegram.parse_mode).toBeUndefined();
    for (const block of formatSlack(event).blocks ?? []) {
      if (block.type === 'section') {
        for (const f of block.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
    }
  });

  it('marks a missing stop and a halt as critical, a filled entry as info', () => {
    expect(summarizeEvent(sampleEvents['stop-missing']).severity).toBe('critical');
    expect(summarizeEvent(sampleEvents.halt).severity).toBe('critical');
    expect(summarizeEvent(sampleEvents['entry-filled']).severity).toBe('info');
  });
});
