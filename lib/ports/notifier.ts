import type { TradeEvent } from '../domain/trade-event.js';

/**
 * Tells people about trade and health events. A notification must never delay or fail a trade:
 * implementations bound their own time, swallow their own failures (logging and counting them),
 * and resolve.
 */
export interface Notifier {
  notify(event: TradeEvent): Promise<void>;
}

/** A notifier whose deliveries can be waited for, up to a bound, once the trade is done. */
export interface FlushableNotifier extends Notifier {
  /** Resolves once every delivery under way has ended, or after `timeoutMs`, whichever is first. */
  flush(timeoutMs: number): Promise<void>;
}

/** How one webhook post ended, after its retries. */
export interface PostOutcome {
  readonly ok: boolean;
  /** Requests made, the first included. */
  readonly attempts: number;
  /** The last HTTP status, when a response came. */
  readonly status?: number;
  /** Why it failed, without the URL (it may hold a token). */
  readonly error?: string;
}

/** Posts one JSON body to one webhook, retrying what a retry can fix. Never throws. */
export interface WebhookPoster {
  post(url: string, body: unknown): Promise<PostOutcome>;
}
