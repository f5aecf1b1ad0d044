import { fillOf, type OrderRecord, OrderState } from '../domain/order-lifecycle.js';
import type { Position } from '../domain/position.js';
import { Side } from '../domain/signal.js';
import {
  type BreakerRules,
  BreakerState,
  cooldownOf,
  type SymbolHealth,
} from '../domain/symbol-health.js';
import type { TradeEvent, TradeExitReason } from '../domain/trade-event.js';
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

/** An order record as the fill events read it; `exitReason` is set on exits that say why. */
type SettledRecord = OrderRecord & { readonly exitReason?: TradeExitReason };

/**
 * Tells of a fill that moved the position from `before` to `after`: an entry for a buy, an exit
 * (with its reason, `signal` unless the record says otherwise, and its realised PnL) for a sell.
 */
export function notifyFill(
  ports: Pick<TradeDeps, 'notifier' | 'clock'>,
  record: SettledRecord,
  before: Position,
  after: Position,
): void {
  const fill = fillOf(record);
  if (fill === undefined) return;
  const common = {
    symbol: record.symbol,
    time: ports.clock.now(),
    clientOrderId: record.clientOrderId,
    amount: fill.amount,
    price: fill.price,
    fee: fill.fee,
  };
  notify(
    ports,
    fill.side === Side.Buy
      ? { kind: 'entry-filled', ...common }
      : {
          kind: 'exit-filled',
          ...common,
          reason: record.exitReason ?? 'signal',
          pnl: after.realisedPnl - before.realisedPnl,
        },
  );
}

/** Tells of an order refused by the risk rules or the venue, if `record` is one. */
export function notifyRejection(
  ports: Pick<TradeDeps, 'notifier' | 'clock'>,
  record: OrderRecord,
): void {
  if (record.status !== OrderState.Rejected) return;
  notify(ports, {
    kind: 'order-rejected',
    symbol: record.symbol,
    time: ports.clock.now(),
    clientOrderId: record.clientOrderId,
    side: record.side,
    amount: record.amount,
    reason: record.reason ?? 'refused',
  });
}

/**
 * Tells of a breaker that opened from closed, or closed again. A failed probe re-opening it is
 * left out: the person already knows it is open, and a dead exchange would repeat it every
 * cooldown.
 */
export function notifyBreaker(
  ports: Pick<TradeDeps, 'notifier' | 'clock'>,
  before: SymbolHealth,
  after: SymbolHealth,
  rules: BreakerRules,
): void {
  const time = ports.clock.now();
  if (before.breaker === BreakerState.Closed && after.breaker === BreakerState.Open) {
    notify(ports, {
      kind: 'breaker-opened',
      symbol: after.symbol,
      time,
      failures: after.failures,
      cooldownMs: cooldownOf(after, rules),
    });
  } else if (before.breaker !== BreakerState.Closed && after.breaker === BreakerState.Closed) {
    notify(ports, { kind: 'breaker-closed', symbol: after.symbol, time });
  }
}
