import type { TradeEvent } from './trade-event.js';

/** How bad an event is; each format shows it its own way (an emoji, a colour). */
export type EventSeverity = 'info' | 'warning' | 'critical';

/** One labelled figure of an event. */
export interface EventField {
  readonly name: string;
  readonly value: string;
}

/** An event as a person reads it, before any service's markup. */
export interface EventSummary {
  readonly title: string;
  readonly severity: EventSeverity;
  readonly fields: readonly EventField[];
  /** The event's time, ISO 8601 UTC. */
  readonly time: string;
}

/** A Slack incoming-webhook body: `text` is the notification fallback, `blocks` the message. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks?: readonly SlackBlock[];
}

export type SlackBlock =
  | {
      readonly type: 'header';
      readonly text: { readonly type: 'plain_text'; readonly text: string };
    }
  | {
      readonly type: 'section';
      readonly fields: readonly { readonly type: 'mrkdwn'; readonly text: string }[];
    }
  | {
      readonly type: 'context';
      readonly elements: readonly { readonly type: 'mrkdwn'; readonly text: string }[];
    };

/** A Discord execute-webhook body: one content line and one embed. */
export interface DiscordMessage {
  readonly content: string;
  readonly embeds?: readonly DiscordEmbed[];
}

export interface DiscordEmbed {
  readonly title: string;
  readonly color: number;
  readonly fields: readonly {
    readonly name: string;
    readonly value: string;
    readonly inline: boolean;
  }[];
  readonly timestamp: string;
}

/** A Telegram Bot API `sendMessage` body. */
export interface TelegramMessage {
  readonly chat_id: string;
  readonly text: string;
  readonly parse_mode?: 'HTML';
}

/** The services a webhook can be formatted for. */
export const WebhookKind = { Slack: 'slack', Discord: 'discord', Telegram: 'telegram' } as const;
export type WebhookKind = (typeof WebhookKind)[keyof typeof WebhookKind];

// The services' documented limits; a longer message is refused, not truncated, by them.
const slackHeaderMax = 150;
const slackFieldMax = 2000;
const discordContentMax = 2000;
const discordTitleMax = 256;
const discordFieldNameMax = 256;
const discordFieldValueMax = 1024;
const discordFieldsMax = 25;
const telegramTextMax = 4096;

/** Six significant digits: enough to tell prices apart, short enough to read on a phone. */
function figure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return String(Number(value.toPrecision(6)));
}

function signed(value: number): string {
  return value > 0 ? `+${figure(value)}` : figure(value);
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

function field(name: string, value: string | number | undefined): EventField[] {
  if (value === undefined || value === '') return [];
  return [{ name, value: typeof value === 'number' ? figure(value) : value }];
}

/** What `event` says, in words and figures, the same for every service. */
export function summarizeEvent(event: TradeEvent): EventSummary {
  const time = new Date(event.time).toISOString();
  const done = (title: string, severity: EventSeverity, fields: EventField[]): EventSummary => ({
    title,
    severity,
    fields,
    time,
  });
  switch (event.kind) {
    case 'entry-filled':
      return done(`Entry filled: ${event.symbol}`, 'info', [
        ...field('Amount', event.amount),
        ...field('Price', event.price),
        ...field('Fee', event.fee),
        ...field('Order', event.clientOrderId),
      ]);
    case 'exit-filled':
      return done(
        `Exit filled (${event.reason}): ${event.symbol}`,
        event.reason === 'stoploss' || event.reason === 'trailing' ? 'warning' : 'info',
        [
          ...field('PnL', signed(event.pnl)),
          ...field('Reason', event.reason),
          ...field('Amount', event.amount),
          ...field('Price', event.price),
          ...field('Fee', event.fee),
          ...field('Order', event.clientOrderId),
        ],
      );
    case 'stop-placed':
      return done(`Stop placed: ${event.symbol}`, 'info', [
        ...field('Stop price', event.stopPrice),
        ...field('Amount', event.amount),
        ...field('Order', event.clientOrderId),
      ]);
    case 'stop-missing':
      return done(`Stop missing: ${event.symbol}`, 'critical', [
        ...field('Unprotected amount', event.amount),
        ...field('Stop price', event.stopPrice),
        ...field('Order', event.clientOrderId),
        ...field('Next', event.detail),
      ]);
    case 'order-rejected':
      return done(`Order rejected: ${event.symbol}`, 'warning', [
        ...field('Side', event.side),
        ...field('Amount', event.amount),
        ...field('Reason', event.reason),
        ...field('Order', event.clientOrderId),
      ]);
    case 'breaker-opened':
      return done(`Breaker opened: ${event.symbol}`, 'warning', [
        ...field('Failures in a row', String(event.failures)),
        ...field('Next probe after', minutes(event.cooldownMs)),
      ]);
    case 'breaker-closed':
      return done(`Breaker closed: ${event.symbol}`, 'info', [
        ...field('Status', 'the exchange answers again'),
      ]);
    case 'halt':
      return done('Trading halted', 'critical', [
        ...field('Reason', event.reason),
        ...field('By', event.by),
      ]);
    case 'close-only':
      return done('Trading moved to close-only', 'warning', [
        ...field('Reason', event.reason),
        ...field('By', event.by),
      ]);
    case 'daily-loss-limit':
      return done('Daily loss limit reached', 'critical', [
        ...field('Day', event.day),
        ...field('Realised PnL', signed(event.realisedPnl)),
        ...field('Limit', event.limit),
        ...field('Trading is now', event.action),
      ]);
    case 'symbol-silent':
      return done(`Symbol silent: ${event.symbol ?? 'see the dashboard'}`, 'critical', [
        ...field('Alarm', event.detail),
      ]);
    case 'dlq-not-empty':
      return done('Dead-letter queue not empty', 'critical', [
        ...field('Queue', event.queue),
        ...field('Messages', event.messages),
        ...field('Alarm', event.detail),
      ]);
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One plain line per event: a title, then its figures. */
export function plainText(summary: EventSummary): string {
  const figures = summary.fields.map((f) => `${f.name} ${f.value}`).join(', ');
  return figures === '' ? summary.title : `${summary.title}. ${figures}`;
}

const severityEmoji: Readonly<Record<EventSeverity, string>> = {
  info: ':white_check_mark:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

// Slack reads `&`, `<` and `>` as markup (`<!channel>` pings everyone); nothing else needs escaping.
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The event as a Slack incoming-webhook body. */
export function formatSlack(event: TradeEvent): SlackMessage {
  const summary = summarizeEvent(event);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(summary.title, slackHeaderMax) } },
  ];
  // A section holds at most ten fields.
  for (let i = 0; i < summary.fields.length; i += 10) {
    blocks.push({
      type: 'section',
      fields: summary.fields.slice(i, i + 10).map((f) => ({
        type: 'mrkdwn',
        text: clip(`*${escapeSlack(f.name)}*\n${escapeSlack(f.value)}`, slackFieldMax),
      })),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `${severityEmoji[summary.severity]} tickfan · ${summary.time}` },
    ],
  });
  return { text: escapeSlack(plainText(summary)), blocks };
}

const severityColour: Readonly<Record<EventSeverity, number>> = {
  info: 0x2e_b8_86,
  warning: 0xf2_c7_44,
  critical: 0xe0_1e_5a,
};

/** The event as a Discord execute-webhook body. */
export function formatDiscord(event: TradeEvent): DiscordMessage {
  const summary = summarizeEvent(event);
  return {
    content: clip(plainText(summary), discordContentMax),
    embeds: [
      {
        title: clip(summary.title, discordTitleMax),
        color: severityColour[summary.severity],
        fields: summary.fields.slice(0, discordFieldsMax).map((f) => ({
          name: clip(f.name, discordFieldNameMax),
          value: clip(f.value, discordFieldValueMax),
          inline: true,
        })),
        timestamp: summary.time,
      },
    ],
  };
}

// Telegram's HTML mode needs only these three escaped.
function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The event as a Telegram `sendMessage` body for `chatId`, in Telegram's HTML mode. */
export function formatTelegram(event: TradeEvent, chatId: string): TelegramMessage {
  const summary = summarizeEvent(event);
  const lines = [
    `<b>${escapeHtml(summary.title)}</b>`,
    ...summary.fields.map((f) => `${escapeHtml(f.name)}: <code>${escapeHtml(f.value)}</code>`),
    `<i>${summary.time}</i>`,
  ];
  const text = lines.join('\n');
  // Cutting HTML could leave a tag open, which Telegram refuses: fall back to plain text.
  if (text.length > telegramTextMax) {
    return { chat_id: chatId, text: clip(plainText(summary), telegramTextMax) };
  }
  return { chat_id: chatId, text, parse_mode: 'HTML' };
}

/** A webhook body for any of the services, given what the service needs to know. */
export type WebhookBody = SlackMessage | DiscordMessage | TelegramMessage;

/** The body `event` is posted with to a webhook of `kind`; Telegram needs its chat id. */
export function formatFor(
  kind: WebhookKind,
  event: TradeEvent,
  options: { readonly chatId?: string } = {},
): WebhookBody {
  switch (kind) {
    case 'slack':
      return formatSlack(event);
    case 'discord':
      return formatDiscord(event);
    case 'telegram':
      return formatTelegram(event, options.chatId ?? '');
  }
}
