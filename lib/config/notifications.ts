import * as z from 'zod';

/** Where Telegram's Bot API lives; a webhook's `url` replaces it (a local receiver, a proxy). */
export const telegramApiUrl = 'https://api.telegram.org';

const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .describe('the webhook URL');

const secretName = z.string().min(1, 'must name a Secrets Manager secret');

/** A Slack or Discord incoming webhook: its URL, or the secret that holds it (URLs are keys). */
const chatWebhook = (kind: 'slack' | 'discord') =>
  z
    .strictObject({
      kind: z.literal(kind),
      url: webhookUrl.optional(),
      /** Secrets Manager secret whose string is the webhook URL. */
      secretName: secretName.optional(),
    })
    .superRefine((w, ctx) => {
      if ((w.url === undefined) === (w.secretName === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'give exactly one of url and secretName',
          input: w.url,
        });
      }
    });

/** A Telegram bot posting to one chat; the bot token only ever comes from Secrets Manager. */
const telegramWebhook = z.strictObject({
  kind: z.literal('telegram'),
  /** The chat, group or channel (`@name` or its numeric id) the bot posts to. */
  chatId: z
    .string()
    .regex(/^(-?\d+|@[A-Za-z0-9_]{5,})$/, 'must be a numeric chat id or @channelname'),
  /** Secrets Manager secret whose string is the bot token. */
  secretName,
  /** The Bot API base URL; default https://api.telegram.org. */
  url: webhookUrl.optional(),
});

/** One webhook a notification is posted to, formatted for its service. */
export const webhookConfig = z.discriminatedUnion(
  'kind',
  [chatWebhook('slack'), chatWebhook('discord'), telegramWebhook],
  { error: 'must be slack, discord or telegram' },
);

/** Who is told about trade and health events, and where. */
export const notificationsConfig = z
  .strictObject({
    /** Addresses subscribed to the topic by e-mail (each confirms once). */
    emails: z.array(z.email({ error: 'must be an e-mail address' })).default([]),
    webhooks: z.array(webhookConfig).max(20, 'at most 20 webhooks').default([]),
  })
  .prefault({});

export type NotificationsConfig = z.infer<typeof notificationsConfig>;
export type WebhookConfig = NotificationsConfig['webhooks'][number];
