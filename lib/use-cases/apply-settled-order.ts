import { fillOf, type OrderRecord } from '../domain/order-lifecycle.js';
import { applyFill, type Position, withPendingOrder } from '../domain/position.js';
import { bookRealisedPnl, type DailyLossPorts } from './daily-loss.js';
import { notifyFill } from './notify.js';

/** What moving a position needs: the store, and what booking its realised PnL needs. */
export type PositionPorts = DailyLossPorts;

/**
 * Moves the position by a settled order's fill, exactly once, and clears the order from pending.
 *
 * 1. If the order filled and the position has not applied it yet (`lastOrderId` tells a retry it
 *    is done), apply the fill; else, if the order is the pending one, only clear it.
 * 2. Write the position (see {@link savePosition}); nothing is written when nothing changed.
 */
export async function applySettledOrder(
  ports: PositionPorts,
  record: OrderRecord,
  position: Position,
): Promise<Position> {
  const id = record.clientOrderId;
  const fill = fillOf(record);
  let next: Position | undefined;
  if (fill !== undefined && position.lastOrderId !== id) {
    next = applyFill(position, fill, id);
  } else if (position.pendingOrderId === id) {
    next = withPendingOrder(position, undefined);
  }
  if (next === undefined) return position;
  const saved = await savePosition(ports, position, next, id);
  if (saved.lastOrderId === id && position.lastOrderId !== id) {
    notifyFill(ports, record, position, saved);
  }
  return saved;
}

/**
 * Writes the position that follows `before` because of order `id`.
 *
 * 1. Write `next` (version-checked).
 * 2. A flat position gives its open-position slot back.
 * 3. What the order realised is booked into the day, which may halt trading.
 */
export async function savePosition(
  ports: PositionPorts,
  before: Position,
  next: Position,
  id: string,
): Promise<Position> {
  const { store } = ports;
  await store.putPosition(next);
  if (next.amount === 0) await store.releaseOpenPosition(next.symbol);
  const realised = next.realisedPnl - before.realisedPnl;
  if (realised !== 0) await bookRealisedPnl(ports, id, realised);
  return next;
}
