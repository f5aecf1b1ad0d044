import {
  applyReport,
  cancelUnreceived,
  type OrderRecord,
  pendingOrderStep,
} from '../domain/order-lifecycle.js';
import { type Position, withPendingOrder } from '../domain/position.js';
import { applySettledOrder, type PositionPorts, savePosition } from './apply-settled-order.js';
import type { TickPorts } from './trade-deps.js';

/** What settling a pending order needs. */
export type SettlePorts = PositionPorts & Pick<TickPorts, 'broker' | 'call' | 'timeout'>;

/** The position after settling, and the pending order's record if it had one. */
export interface Settled {
  readonly position: Position;
  readonly record?: OrderRecord;
}

/**
 * Settles the order an earlier tick left pending (its invocation died, or its retries went
 * stale). Its own tick is over, so it is never sent from here.
 *
 * 1. Nothing pending: nothing to do.
 * 2. No record under the pending id: nothing was ever sent under it, so only clear it.
 * 3. The order of this tick's own candle (`ownCandle`; NaN when the tick will not decide) that is
 *    not final yet: leave it, the decision looks it up or sends it.
 * 4. Not final: look it up on the venue (`deadline` when the call cannot fit) and record what
 *    the venue reports, or cancel it if the venue never got it.
 * 5. Apply its fill to the position once and clear it from pending.
 */
export async function settlePendingOrder(
  ports: SettlePorts,
  position: Position,
  ownCandle: number,
): Promise<Settled | 'deadline'> {
  const id = position.pendingOrderId;
  if (id === undefined) return { position };
  let record = await ports.store.getOrder(position.symbol, id);
  if (record === undefined) {
    return {
      position: await savePosition(ports, position, withPendingOrder(position, undefined), id),
    };
  }
  const step = pendingOrderStep(record, ownCandle);
  if (step === 'leave') return { position };
  if (step === 'look-up') {
    const lookupTimeout = ports.timeout();
    if (lookupTimeout === undefined) return 'deadline';
    const found = await ports.call('lookup', () =>
      ports.broker.findOrder(position.symbol, id, lookupTimeout),
    );
    record = found === undefined ? cancelUnreceived(record) : applyReport(record, found);
    await ports.store.updateOrder(record);
  }
  return { position: await applySettledOrder(ports, record, position), record };
}
