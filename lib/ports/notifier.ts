import type { TradeEvent } from '../domain/trade-event.js';

/**
 * Tells people about trade and health events. A notification must never delay or fail a trade:
 * implementations bound their own time, swallow their own failures (logging and counting them),
 * and resolve.
 */
export interface Notifier {
  notify(event: TradeEvent): Promise<void>;
}
