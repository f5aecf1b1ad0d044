import type { TradeEvent } from '../domain/trade-event.js';
import type { TradeDeps } from './trade-deps.js';

/**
 * Hands `event` to the notifier, if there is one, without waiting for it: a notification never
 * delays or fails a trade. The notifier bounds and reports its own delivery (the trade handler
 * waits for what is still in flight only once the tick is done, within the deadline).
 */
export function notify(ports: Pick<TradeDeps, 'notifier'>, event: TradeEvent): void {
  const { notifier } = ports;
  if (notifier === undefined) return;
  try {
    notifier.notify(event).catch(() => undefined);
  } catch {
    // A notifier that throws synchronously is as broken as one that rejects: the trade goes on.
  }
}
