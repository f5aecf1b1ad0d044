import { telegramApiUrl, type WebhookConfig } from '../config/notifications.js';
import { formatFor, type WebhookKind } from '../domain/notification-format.js';
import type { TradeEvent } from '../domain/trade-event.js';
import type { PostOutcome, WebhookPoster } from '../ports/notifier.js';

/** One webhook ready to post to: its service, its URL (secrets resolved) and how to name it. */
export interface WebhookTarget {
  readonly kind: WebhookKind;
  readonly url: string;
  readonly chatId?: string;
  /** How logs and reports name it: its kind and position, never its URL (a key). */
  readonly name: string;
}

/** How one event's post to one webhook ended. */
export interface DeliveryReport extends PostOutcome {
  readonly target: string;
  readonly kind: WebhookKind;
  readonly event: TradeEvent['kind'];
}

/** Reads a Secrets Manager secret's string; the notifier function's Secrets Manager adapter. */
export type ReadSecret = (secretName: string) => Promise<string>;

/** The webhooks ready to post to, and those whose secret could not be read (with why). */
export interface ResolvedTargets {
  readonly targets: readonly WebhookTarget[];
  readonly unresolved: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * The webhooks of the config, ready to post to.
 *
 * 1. A Slack or Discord webhook posts to its `url`, or to the URL its secret holds.
 * 2. A Telegram webhook posts to `<url or api.telegram.org>/bot<token>/sendMessage`, the token
 *    read from its secret.
 * 3. With `overrideUrl` (`npm start -- --notify-url`), every webhook posts to that one URL
 *    instead, each in its own format, and no secret is read.
 * 4. A webhook whose secret cannot be read is left out and named, so the others still work.
 */
export async function resolveWebhookTargets(
  webhooks: readonly WebhookConfig[],
  readSecret: ReadSecret,
  overrideUrl?: string,
): Promise<ResolvedTargets> {
  const targets: WebhookTarget[] = [];
  const unresolved: { name: string; reason: string }[] = [];
  await Promise.all(
    webhooks.map(async (w, i) => {
      const name = `${w.kind}#${i + 1}`;
      try {
        targets[i] = await resolveOne(w, name, readSecret, overrideUrl);
      } catch (error) {
        // The secret's value never reaches the reason: only the error's own words do.
        const reason = error instanceof Error ? error.message : String(error);
        unresolved.push({ name, reason });
      }
    }),
  );
  return { targets: targets.filter((t) => t !== undefined), unresolved };
}

async function resolveOne(
  w: WebhookConfig,
  name: string,
  readSecret: ReadSecret,
  overrideUrl: string | undefined,
): Promise<WebhookTarget> {
  const chat = w.kind === 'telegram' ? { chatId: w.chatId } : {};
  if (overrideUrl !== undefined) return { kind: w.kind, url: overrideUrl, name, ...chat };
  if (w.kind === 'telegram') {
    const token = (await readSecret(w.secretName)).trim();
    const base = (w.url ?? telegramApiUrl).replace(/\/+$/, '');
    return { kind: w.kind, url: `${base}/bot${token}/sendMessage`, name, ...chat };
  }
  const url = w.url ?? (await readSecret(w.secretName ?? '')).trim();
  return { kind: w.kind, url, name };
}

/**
 * Posts `event` to every target in its own format, all at once.
 *
 * 1. Format the event for each target's service.
 * 2. Post it through the poster, which retries what a retry can fix and never throws.
 * 3. Report each target's outcome; one broken webhook never keeps the others from theirs.
 */
export async function deliverEvent(
  ports: { readonly poster: WebhookPoster },
  event: TradeEvent,
  targets: readonly WebhookTarget[],
): Promise<DeliveryReport[]> {
  return Promise.all(
    targets.map(async (target) => {
      const body = formatFor(
        target.kind,
        event,
        target.chatId === undefined ? {} : { chatId: target.chatId },
      );
      const outcome = await ports.poster.post(target.url, body).catch(
        (error: unknown): PostOutcome => ({
          ok: false,
          attempts: 1,
          error: error instanceof Error ? error.name : 'post failed',
        }),
      );
      return { ...outcome, target: target.name, kind: target.kind, event: event.kind };
    }),
  );
}
