import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpWebhookPoster } from '../adapters/webhook-poster.js';
import type { WebhookConfig } from '../config/notifications.js';
import { type TradeEvent, type TradeEventKind, tradeEventKinds } from '../domain/trade-event.js';
import type { Notifier, WebhookPoster } from '../ports/notifier.js';
import {
  type DeliveryReport,
  deliverEvent,
  resolveWebhookTargets,
  type WebhookTarget,
} from '../use-cases/notify-webhooks.js';

/** What a run's notifications came to: events per kind and each webhook's deliveries. */
export interface NotificationSummary {
  /** Events told, by kind; every kind is listed, 0 when none happened. */
  readonly events: Readonly<Record<TradeEventKind, number>>;
  readonly delivered: number;
  readonly failed: number;
  /** Deliveries still under way when the run ended (a webhook slower than the run's wait). */
  readonly pending: number;
  readonly webhooks: readonly {
    readonly name: string;
    readonly kind: string;
    readonly delivered: number;
    readonly failed: number;
    /** Why the last failed delivery failed. */
    readonly lastError?: string;
  }[];
  /** Webhooks left out, with why (a secret a local run does not read). */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

export interface LocalNotificationsOptions {
  readonly webhooks: readonly WebhookConfig[];
  /** `--notify-url`: every webhook posts here instead, in its own format. */
  readonly overrideUrl?: string;
  /** Default: {@link HttpWebhookPoster} with its retries, 3 s a request, ~10 s at most. */
  readonly poster?: WebhookPoster;
  /** Told of each delivery that failed after its retries. */
  readonly onFailure?: (report: DeliveryReport) => void;
}

// With --notify-url and no webhook configured, one of each service shows every format.
const everyFormat: readonly WebhookConfig[] = [
  { kind: 'slack', url: 'http://localhost/' },
  { kind: 'discord', url: 'http://localhost/' },
  { kind: 'telegram', chatId: '0', secretName: 'none' },
];

/** The notifier a run's trade functions publish to: a loopback stand-in for the SNS topic. */
export interface LocalNotifications extends Notifier {
  /** Where the trade functions (and the kill switch) POST their events, one JSON event each. */
  readonly endpoint: string;
  summary(): NotificationSummary;
  /** Waits for the deliveries under way, at most `timeoutMs`, and stops the endpoint. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Starts the local run's notifications: a loopback endpoint that plays the SNS topic, and the
 * delivery that plays the notifier function, posting each event to the configured webhooks
 * through the same formatting and delivery code. An event is accepted at once and delivered in
 * the background, so a slow or broken webhook never holds up the function that told it. Secrets
 * are not read locally: a webhook that needs one is left out, unless `--notify-url` replaces it.
 */
export async function startLocalNotifications(
  options: LocalNotificationsOptions,
): Promise<LocalNotifications> {
  const webhooks =
    options.webhooks.length === 0 && options.overrideUrl !== undefined
      ? everyFormat
      : options.webhooks;
  const resolved = await resolveWebhookTargets(
    webhooks,
    async (secretName) => {
      throw new Error(
        `its secret ${secretName} is in Secrets Manager, which a local run does not read; --notify-url URL posts it to a local receiver`,
      );
    },
    options.overrideUrl,
  );
  const poster = options.poster ?? new HttpWebhookPoster({ timeoutMs: 3_000 });
  const counts = Object.fromEntries(tradeEventKinds.map((k) => [k, 0])) as Record<
    TradeEventKind,
    number
  >;
  const perTarget = new Map(
    resolved.targets.map((t) => [
      t.name,
      { name: t.name, kind: t.kind, delivered: 0, failed: 0 } as {
        name: string;
        kind: string;
        delivered: number;
        failed: number;
        lastError?: string;
      },
    ]),
  );
  const inFlight = new Set<Promise<void>>();
  let pending = 0;

  const deliver = (event: TradeEvent, targets: readonly WebhookTarget[]) => {
    pending += targets.length;
    const run = deliverEvent({ poster }, event, targets).then((reports) => {
      pending -= reports.length;
      for (const report of reports) {
        const tally = perTarget.get(report.target);
        if (tally === undefined) continue;
        if (report.ok) tally.delivered++;
        else {
          tally.failed++;
          if (report.error !== undefined) tally.lastError = report.error;
          options.onFailure?.(report);
        }
      }
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  const notify = async (event: TradeEvent): Promise<void> => {
    counts[event.kind] = (counts[event.kind] ?? 0) + 1;
    if (resolved.targets.length > 0) deliver(event, resolved.targets);
  };

  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((text) => {
        const event = parseEvent(text);
        if (event === undefined) {
          res.writeHead(400).end('not a trade event');
          return;
        }
        // Accepted before it is delivered: the caller is never held up by a webhook.
        res.writeHead(202).end();
        void notify(event);
      })
      .catch(() => res.writeHead(400).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // A run that fails before it closes this must still be able to exit.
  server.unref();
  const { port } = server.address() as AddressInfo;
  let closed = false;

  return {
    endpoint: `http://127.0.0.1:${port}/events`,
    notify,
    summary(): NotificationSummary {
      const webhooksSummary = [...perTarget.values()].map((t) => ({ ...t }));
      return {
        events: { ...counts },
        delivered: webhooksSummary.reduce((n, t) => n + t.delivered, 0),
        failed: webhooksSummary.reduce((n, t) => n + t.failed, 0),
        pending,
        webhooks: webhooksSummary,
        skipped: resolved.unresolved,
      };
    },
    async close(timeoutMs: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      server.close();
    },
  };
}

const maxEventBytes = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxEventBytes) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const knownKinds = new Set<string>(tradeEventKinds);

/** The event a body holds, or undefined when it is none (the endpoint takes nothing else). */
export function parseEvent(text: string): TradeEvent | undefined {
  try {
    const value = JSON.parse(text) as { kind?: unknown; time?: unknown };
    if (typeof value !== 'object' || value === null) return undefined;
    if (typeof value.kind !== 'string' || !knownKinds.has(value.kind)) return undefined;
    if (typeof value.time !== 'number') return undefined;
    return value as TradeEvent;
  } catch {
    return undefined;
  }
}

/** The run report's notification figures: events per kind that happened, then deliveries. */
export function notificationFigures(summary: NotificationSummary | undefined): [string, number][] {
  if (summary === undefined) return [];
  return [
    ...Object.entries(summary.events)
      .filter(([, n]) => n > 0)
      .map(([kind, n]): [string, number] => [`notifications: ${kind}`, n]),
    ['notifications: delivered', summary.delivered],
    ['notifications: failed', summary.failed],
  ];
}

/** The terminal summary's notification lines: events per kind, deliveries, webhooks left out. */
export function notificationLines(summary: NotificationSummary | undefined): string[] {
  if (summary === undefined) return [];
  const kinds = Object.entries(summary.events)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`);
  return [
    `notifications: ${kinds.length === 0 ? 'none' : kinds.join('  ')}  delivered ${summary.delivered}  failed ${summary.failed}${summary.pending > 0 ? `  still under way ${summary.pending}` : ''}`,
    ...summary.skipped.map((s) => `  ${s.name} left out: ${s.reason}`),
  ];
}
