import type { Candle } from '../domain/candle.js';
import { clientOrderId } from '../domain/order-intent.js';
import {
  applyReport,
  markSent,
  nextOrderStep,
  type OrderRecord,
  OrderState,
  OrderUnconfirmedError,
  recordIntent,
  tickOrderOf,
} from '../domain/order-lifecycle.js';
import { type Position, withPendingOrder } from '../domain/position.js';
import { Side } from '../domain/signal.js';
import { type Sizing, sizeOrder } from '../domain/sizing.js';
import type { ExitReason } from '../domain/stop.js';
import type { TickOrder } from '../domain/tick.js';
import { OrderRejectedError, type OrderReport, OrderStatus } from '../ports/broker.js';
import { applySettledOrder, type PositionPorts } from './apply-settled-order.js';
import { notifyRejection } from './notify.js';
import type { TickPorts } from './trade-deps.js';

/** What placing an order needs. */
export type PlacePorts = PositionPorts & Pick<TickPorts, 'market' | 'broker' | 'call' | 'timeout'>;

/** The decision to place: its side on its candle, for its strategy, from the held position. */
export interface OrderPlan {
  readonly symbol: string;
  readonly strategy: string;
  readonly side: Side;
  readonly candle: Candle;
  readonly position: Position;
  /** Why a sell closes the position; recorded on its order. */
  readonly exitReason?: ExitReason;
}

/** The order as the tick reports it (`deadline` when it could not go on), and the position. */
export interface Placed {
  readonly order: TickOrder | 'deadline';
  readonly position: Position;
}

/**
 * Places the order for one intent at most once, and applies its fill to the position once.
 *
 * 1. Derive the client id from the intent and read its record: a retry finds it.
 * 2. No record yet: size the order within the risk limits, the market's rules and the
 *    open-position slots, and record the intent (or the rejection) before anything is sent.
 * 3. Not final yet: mark it pending on the position, look it up on the venue unless it is a fresh
 *    intent, send it only if the venue has never heard of it, and record what the venue reports.
 *    Both calls must fit the deadline before the first one starts (`deadline`).
 * 4. Apply its fill to the position once.
 */
export async function placeOrderOnce(ports: PlacePorts, plan: OrderPlan): Promise<Placed> {
  const { symbol, side, candle } = plan;
  const id = clientOrderId(
    { strategy: plan.strategy, symbol, candleTime: candle.time, side },
    ports.config.exchange.id,
  );
  let record = await ports.store.getOrder(symbol, id);
  // A rejection is told once: by the call that recorded it or heard it from the venue.
  const fresh = record === undefined;
  if (record === undefined) {
    const created = await recordNewIntent(ports, plan, id);
    if (created === 'deadline') return { order: 'deadline', position: plan.position };
    record = created;
  }
  let position = plan.position;
  const settled = nextOrderStep(record) === 'apply';
  if (!settled) {
    const sent = await sendOnce(ports, record, position);
    if (sent === 'deadline') return { order: 'deadline', position };
    ({ record, position } = sent);
  }
  position = await applySettledOrder(ports, record, position);
  if (fresh || !settled) notifyRejection(ports, record);
  return { order: tickOrderOf(record), position };
}

/** Sizes the intent and records it, or the rejection; a concurrent writer's record wins. */
async function recordNewIntent(
  ports: PlacePorts,
  plan: OrderPlan,
  id: string,
): Promise<OrderRecord | 'deadline'> {
  const marketTimeout = ports.timeout();
  if (marketTimeout === undefined) return 'deadline';
  const market = await ports.call('market', () => ports.market.market(plan.symbol, marketTimeout));
  const sizing = await reserveSlot(
    ports,
    plan,
    sizeOrder(plan.side, plan.candle.close, plan.position, market, ports.config.risk),
  );
  const recorded = recordIntent(
    {
      clientOrderId: id,
      strategy: plan.strategy,
      symbol: plan.symbol,
      candleTime: plan.candle.time,
      side: plan.side,
      referencePrice: plan.candle.close,
    },
    sizing,
    new Date(ports.clock.now()).toISOString(),
  );
  const intent =
    plan.exitReason === undefined ? recorded : { ...recorded, exitReason: plan.exitReason };
  if (!sizing.ok) ports.metrics.add('OrdersRejected', 1);
  if (await ports.store.createOrder(intent)) return intent;
  const stored = await ports.store.getOrder(plan.symbol, id);
  if (stored === undefined) throw new Error(`order ${id} vanished after its intent was recorded`);
  return stored;
}

/** A sized entry also needs one of the open-position slots. */
async function reserveSlot(ports: PlacePorts, plan: OrderPlan, sizing: Sizing): Promise<Sizing> {
  if (!sizing.ok || plan.side !== Side.Buy) return sizing;
  const { maxOpenPositions } = ports.config.risk;
  if (await ports.store.reserveOpenPosition(plan.symbol, maxOpenPositions)) return sizing;
  return { ok: false, reason: `max open positions (${maxOpenPositions}) reached` };
}

/** Finds or sends a record that is not final, and records the venue's answer. */
async function sendOnce(
  ports: PlacePorts,
  before: OrderRecord,
  held: Position,
): Promise<{ record: OrderRecord; position: Position } | 'deadline'> {
  // Confirming an order needs a second call, so both must fit before the first one starts.
  const sendTimeout = ports.timeout();
  if (sendTimeout === undefined) return 'deadline';
  const callMs = Math.floor(sendTimeout / 2);
  const id = before.clientOrderId;
  let position = held;
  if (position.pendingOrderId !== id) {
    // From here the order may reach the exchange: every later tick settles it first.
    position = withPendingOrder(position, id);
    await ports.store.putPosition(position);
  }
  const found =
    nextOrderStep(before) === 'send'
      ? undefined
      : await ports.call('lookup', () => ports.broker.findOrder(before.symbol, id, callMs));
  let record = before;
  let outcome: { report: OrderReport; reason?: string };
  if (found === undefined) {
    if (before.status === OrderState.Open) throw new OrderUnconfirmedError(id);
    const sent = markSent(before);
    await ports.store.updateOrder(sent);
    record = sent;
    outcome = await ports.call('order', () => send(ports, sent, callMs));
  } else {
    outcome = { report: found };
  }
  record = applyReport(record, outcome.report, outcome.reason);
  await ports.store.updateOrder(record);
  const placed = outcome.report.status === OrderStatus.Rejected ? 'OrdersRejected' : 'OrdersPlaced';
  ports.metrics.add(placed, 1);
  return { record, position };
}

/** Sends the order; a refusal the venue states is recorded as a rejection, not retried. */
async function send(
  ports: PlacePorts,
  record: OrderRecord,
  timeoutMs: number,
): Promise<{ report: OrderReport; reason?: string }> {
  try {
    const report = await ports.broker.placeMarketOrder({
      symbol: record.symbol,
      side: record.side,
      amount: record.amount,
      clientOrderId: record.clientOrderId,
      referencePrice: record.referencePrice,
      timeoutMs,
    });
    return { report };
  } catch (error) {
    if (!(error instanceof OrderRejectedError)) throw error;
    return {
      report: {
        clientOrderId: record.clientOrderId,
        status: OrderStatus.Rejected,
        filledAmount: 0,
        averagePrice: 0,
        fee: 0,
      },
      reason: error.message,
    };
  }
}
