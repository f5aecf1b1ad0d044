import { type Timeframe, timeframeMs } from '../domain/candle.js';
import type { ClientIdStyle } from '../domain/client-id.js';
import { floorToStep } from '../domain/market.js';
import {
  applyReport,
  isFinalOrder,
  markSent,
  nextOrderStep,
  type OrderRecord,
  OrderState,
  recordStopIntent,
} from '../domain/order-lifecycle.js';
import { type Position, withStop } from '../domain/position.js';
import {
  initialStopPrice,
  type PositionStop,
  stopClientOrderId,
  stopExitReason,
} from '../domain/stop.js';
import { OrderRejectedError, type OrderReport, OrderStatus } from '../ports/broker.js';
import { ExchangeUnavailableError } from '../ports/market-data.js';
import { applySettledOrder, type PositionPorts, savePosition } from './apply-settled-order.js';
import { notify } from './notify.js';
import type { TickPorts } from './trade-deps.js';

/** What keeping a position's stop on the exchange needs. */
export type ProtectPorts = PositionPorts &
  Pick<TickPorts, 'market' | 'broker' | 'call' | 'timeout' | 'notifier'>;

/** How far a tick's protection goes. */
export interface ProtectRequest {
  readonly strategy: string;
  readonly timeframe: Timeframe;
  /** The candle the tick decides on (or would): the candle time new stop records carry. */
  readonly candleTime: number;
  /**
   * Trust a stop the exchange last reported resting without looking it up again: while the
   * symbol's breaker is open, the resting stop is the protection, and only a missing one is
   * worth a call.
   */
  readonly trustResting?: boolean;
  /** Move the stop up to this price (a trailing stop): cancel the resting one, then replace it. */
  readonly raiseTo?: number;
}

/** A protection request with the amount a stop sells: the amount held, on the market's step. */
type SizedRequest = ProtectRequest & { readonly amount: number };

/** The position after its stop was reconciled; `deadline` when a call could not fit. */
export type Protected = Position | 'deadline';

/**
 * Keeps the stop of the position held resting on the exchange. Every tick runs it before
 * anything else it does with the position, whatever it then skips.
 *
 * 1. Flat, or no `risk.stoplossPct`: nothing to protect (a stop left on a flat position is
 *    dropped from it). A market order still pending goes first: nothing is done until it is
 *    settled.
 * 2. No stop decided yet: decide revision 1 at `stoplossPct` below the entry, floored to the
 *    market's price step, and write it onto the position before anything is sent.
 * 3. A replacement (trailing, or a re-placement) first cancels the stop it replaces; if that one
 *    filled first, its fill closes the position instead.
 * 4. The stop's order record is written as an intent, sent once, and on a retry looked up by its
 *    client id before it is sent again (as a market order is).
 * 5. A stop the exchange last reported resting is looked up (unless trusted): filled, it closes
 *    the position once, with the fill's own price and fee; gone (cancelled, rejected, unknown),
 *    the next revision replaces it at the same price.
 * 6. With `raiseTo` above a resting stop, the next revision replaces it there.
 */
export async function protectPosition(
  ports: ProtectPorts,
  held: Position,
  stopRequest: ProtectRequest,
): Promise<Protected> {
  const { stoplossPct } = ports.config.risk;
  if (held.amount <= 0 || stoplossPct === undefined) {
    if (held.stop === undefined) return held;
    return savePosition(ports, held, withStop(held, undefined), held.stop.clientOrderId);
  }
  // A market order of this very tick is still unresolved (a retry, before its decision looks it
  // up): its outcome comes first, as a sell closes the position and a buy changes what is held.
  // The tick's decision resolves it and protects what is left; an earlier tick's is settled
  // before protection runs.
  if (held.pendingOrderId !== undefined) return held;
  const timeout = ports.timeout();
  if (timeout === undefined) return 'deadline';
  const market = await ports.call('market', () => ports.market.market(held.symbol, timeout));
  // What a stop can sell: the amount held on the market's step. Less than the minimum is dust
  // (what a fee taken in the base leaves behind) that no order can sell, nor protect.
  const amount = floorToStep(held.amount, market.amountStep);
  if (amount < market.minAmount || amount <= 0) return held;
  const request = { ...stopRequest, amount };
  let position = held;
  let stop = position.stop;
  if (stop === undefined) {
    const price = floorToStep(initialStopPrice(held.entryPrice, stoplossPct), market.priceStep);
    const entryOrderId = held.lastOrderId ?? `${held.symbol}|${held.openedAt ?? 0}`;
    const clientOrderId = stopClientOrderId(entryOrderId, 1, ports.config.exchange.id);
    stop = { clientOrderId, price, revision: 1, entryOrderId };
    position = await putStop(ports, position, stop);
  }

  for (let attempts = 0; attempts < 3; attempts++) {
    if (stop.replaces !== undefined) {
      const old = await cancelReplaced(ports, position, stop, request);
      if (old === 'deadline') return 'deadline';
      position = old;
      if (position.amount <= 0 || position.stop === undefined) return position;
      stop = position.stop;
    }
    const state = await reconcile(ports, position, stop, request);
    if (state === 'deadline') return 'deadline';
    if (state.kind === 'filled') return state.position;
    position = state.position;
    if (state.kind === 'gone') {
      stop = next(stop, stop.price, ports.config.exchange.id);
      position = await putStop(ports, position, stop);
      notifyMissing(ports, position, stop);
      continue;
    }
    if (state.kind === 'rejected') return position;
    if (request.raiseTo !== undefined && request.raiseTo > stop.price) {
      stop = {
        ...next(stop, request.raiseTo, ports.config.exchange.id),
        replaces: stop.clientOrderId,
      };
      position = await putStop(ports, position, stop);
      continue;
    }
    return position;
  }
  return position;
}

type Reconciled =
  | { readonly kind: 'resting' | 'gone' | 'rejected'; readonly position: Position }
  | { readonly kind: 'filled'; readonly position: Position };

/** Brings the stop's record and the exchange in line, sending it if it was never sent. */
async function reconcile(
  ports: ProtectPorts,
  position: Position,
  stop: PositionStop,
  request: SizedRequest,
): Promise<Reconciled | 'deadline'> {
  let record = await ports.store.getOrder(position.symbol, stop.clientOrderId);
  if (record === undefined) {
    record = await createStopRecord(ports, position, stop, request);
  }
  if (record.status === OrderState.Open && request.trustResting) {
    return { kind: 'resting', position };
  }
  let sentNow = false;
  if (!isFinalOrder(record.status)) {
    const timeout = ports.timeout();
    if (timeout === undefined) return 'deadline';
    const callMs = Math.floor(timeout / 2);
    const found =
      nextOrderStep(record) === 'send'
        ? undefined
        : await ports.call('lookup', () =>
            ports.broker.findOrder(position.symbol, stop.clientOrderId, callMs),
          );
    if (found !== undefined) {
      record = await recordReport(ports, record, found, request.timeframe);
    } else if (record.status === OrderState.Open) {
      // Reported resting once, unknown now: the exchange no longer holds it.
      record = await recordReport(ports, record, cancelledReport(record), request.timeframe);
    } else {
      record = await sendOrFind(ports, record, callMs, request.timeframe);
      sentNow = true;
    }
  }
  switch (record.status) {
    case OrderState.Open:
      return { kind: 'resting', position };
    case OrderState.Filled:
    case OrderState.PartiallyFilled:
      return { kind: 'filled', position: await bookStopFill(ports, record, position) };
    case OrderState.Rejected:
      // Refused as sent (say the price has already fallen through it): the decision's own
      // stoploss check sells at market, and a later tick tries the next revision.
      return { kind: sentNow ? 'rejected' : 'gone', position };
    default:
      return { kind: 'gone', position };
  }
}

/** Writes the stop's intent record before it is sent; a concurrent writer's record wins. */
async function createStopRecord(
  ports: ProtectPorts,
  position: Position,
  stop: PositionStop,
  request: SizedRequest,
): Promise<OrderRecord> {
  const { stoplossPct = 0 } = ports.config.risk;
  const intent = recordStopIntent(
    {
      clientOrderId: stop.clientOrderId,
      symbol: position.symbol,
      strategy: request.strategy,
      candleTime: request.candleTime,
      amount: request.amount,
      stopPrice: stop.price,
      exitReason: stopExitReason(stop.price, position.entryPrice, stoplossPct),
    },
    new Date(ports.clock.now()).toISOString(),
  );
  if (await ports.store.createOrder(intent)) return intent;
  const stored = await ports.store.getOrder(position.symbol, stop.clientOrderId);
  if (stored === undefined) throw new Error(`stop ${stop.clientOrderId} vanished after its intent`);
  return stored;
}

/**
 * Sends the stop, and when its answer is lost on the way, looks it up at once by its client id:
 * a lost answer usually means the stop rests, and a position should not wait for a redelivery
 * to know. Without an answer either way, the tick fails and its retry looks it up again.
 */
async function sendOrFind(
  ports: ProtectPorts,
  record: OrderRecord,
  timeoutMs: number,
  timeframe: Timeframe,
): Promise<OrderRecord> {
  const sent = markSent(record);
  await ports.store.updateOrder(sent);
  try {
    return await sendStop(ports, sent, timeoutMs, timeframe);
  } catch (error) {
    if (!(error instanceof ExchangeUnavailableError)) throw error;
    const timeout = ports.timeout();
    if (timeout === undefined) throw error;
    const found = await ports.call('lookup', () =>
      ports.broker.findOrder(sent.symbol, sent.clientOrderId, timeout),
    );
    if (found === undefined) throw error;
    const placed = await recordReport(ports, sent, found, timeframe);
    countPlaced(ports, placed);
    return placed;
  }
}

/**
 * Sends a stop already recorded as sent; a refusal the exchange states is recorded as a
 * rejection, not retried.
 */
async function sendStop(
  ports: ProtectPorts,
  sent: OrderRecord,
  timeoutMs: number,
  timeframe: Timeframe,
): Promise<OrderRecord> {
  let report: OrderReport;
  let reason: string | undefined;
  try {
    report = await ports.call('order', () =>
      ports.broker.placeStopOrder({
        symbol: sent.symbol,
        amount: sent.amount,
        stopPrice: sent.stopPrice ?? sent.referencePrice,
        clientOrderId: sent.clientOrderId,
        timeoutMs,
      }),
    );
  } catch (error) {
    if (!(error instanceof OrderRejectedError)) throw error;
    report = { ...cancelledReport(sent), status: OrderStatus.Rejected };
    reason = error.message;
  }
  const record = await recordReport(ports, sent, report, timeframe, reason);
  countPlaced(ports, record);
  return record;
}

/** Counts a stop the exchange answered for, and tells of one that now rests. */
function countPlaced(ports: ProtectPorts, record: OrderRecord): void {
  if (record.status === OrderState.Rejected) {
    ports.metrics.add('OrdersRejected', 1);
    return;
  }
  ports.metrics.add('StopsPlaced', 1);
  notify(ports, {
    kind: 'stop-placed',
    time: ports.clock.now(),
    symbol: record.symbol,
    clientOrderId: record.clientOrderId,
    amount: record.amount,
    stopPrice: record.stopPrice ?? record.referencePrice,
  });
}

/** Records what the exchange reports for a stop, with the candle a fill happened in. */
async function recordReport(
  ports: ProtectPorts,
  record: OrderRecord,
  report: OrderReport,
  timeframe: Timeframe,
  reason?: string,
): Promise<OrderRecord> {
  const tf = timeframeMs(timeframe);
  const next = applyReport(record, report, reason);
  const filled = (report.filledAmount ?? 0) > 0 && report.fillTime !== undefined;
  const withCandle = filled
    ? { ...next, fillCandleTime: Math.floor((report.fillTime ?? 0) / tf) * tf }
    : next;
  await ports.store.updateOrder(withCandle);
  return withCandle;
}

/** Closes the position by the stop's fill, exactly once, and drops the stop from it. */
async function bookStopFill(
  ports: ProtectPorts,
  record: OrderRecord,
  position: Position,
): Promise<Position> {
  if (position.lastOrderId !== record.clientOrderId) ports.metrics.add('StopsFilled', 1);
  const after = await applySettledOrder(ports, record, position);
  if (after.amount > 0 || after.stop === undefined) return after;
  return savePosition(ports, after, withStop(after, undefined), record.clientOrderId);
}

/**
 * Cancels the stop `stop` replaces. If that one filled before the cancel reached it, its fill
 * closes the position; a stop the exchange does not know is gone already.
 */
async function cancelReplaced(
  ports: ProtectPorts,
  position: Position,
  stop: PositionStop,
  request: ProtectRequest,
): Promise<Position | 'deadline'> {
  const outcome = await cancelOne(
    ports,
    position.symbol,
    stop.replaces as string,
    request.timeframe,
  );
  if (outcome === 'deadline') return 'deadline';
  if (outcome !== undefined && (outcome.filledAmount ?? 0) > 0) {
    return bookStopFill(ports, outcome, position);
  }
  const { replaces: _done, ...replacing } = stop;
  return putStop(ports, position, replacing);
}

/**
 * Cancels the position's resting stop before an exit sells at market, so that the stop and the
 * sell can never both fill. Returns the position: flat when the stop filled first (then there is
 * nothing left to sell), else without its stop.
 */
export async function cancelStop(
  ports: ProtectPorts,
  position: Position,
  timeframe: Timeframe,
): Promise<Protected> {
  const stop = position.stop;
  if (stop === undefined) return position;
  for (const id of [stop.replaces, stop.clientOrderId]) {
    if (id === undefined) continue;
    const outcome = await cancelOne(ports, position.symbol, id, timeframe);
    if (outcome === 'deadline') return 'deadline';
    if (outcome !== undefined && (outcome.filledAmount ?? 0) > 0) {
      const after = await bookStopFill(ports, outcome, position);
      if (after.amount <= 0) return after;
      position = after;
    }
  }
  if (position.stop === undefined) return position;
  return savePosition(ports, position, withStop(position, undefined), stop.clientOrderId);
}

/**
 * Cancels one stop by its client id and records what became of it: cancelled, or filled if it
 * filled first. One never sent is cancelled without a call; one already final is left as it is.
 * Undefined when no record of it exists.
 */
async function cancelOne(
  ports: ProtectPorts,
  symbol: string,
  id: string,
  timeframe: Timeframe,
): Promise<OrderRecord | undefined | 'deadline'> {
  const record = await ports.store.getOrder(symbol, id);
  if (record === undefined || isFinalOrder(record.status)) return record;
  const timeout = ports.timeout();
  if (timeout === undefined) return 'deadline';
  const report =
    nextOrderStep(record) === 'send'
      ? undefined
      : await ports.call('order', () => ports.broker.cancelOrder(symbol, id, timeout));
  return recordReport(ports, record, report ?? cancelledReport(record), timeframe);
}

/** The revision after `stop`, at `price`, with its id in the exchange's `style`. */
function next(stop: PositionStop, price: number, style: ClientIdStyle): PositionStop {
  const revision = stop.revision + 1;
  return {
    clientOrderId: stopClientOrderId(stop.entryOrderId, revision, style),
    price,
    revision,
    entryOrderId: stop.entryOrderId,
  };
}

/** Writes `stop` onto the position before it is sent: from here every tick reconciles it. */
async function putStop(
  ports: ProtectPorts,
  position: Position,
  stop: PositionStop,
): Promise<Position> {
  const next = withStop(position, stop);
  await ports.store.putPosition(next);
  return next;
}

function cancelledReport(record: OrderRecord): OrderReport {
  return {
    clientOrderId: record.clientOrderId,
    status: OrderStatus.Cancelled,
    filledAmount: 0,
    averagePrice: 0,
    fee: 0,
  };
}

function notifyMissing(ports: ProtectPorts, position: Position, stop: PositionStop): void {
  ports.metrics.add('StopsMissing', 1);
  notify(ports, {
    kind: 'stop-missing',
    time: ports.clock.now(),
    symbol: position.symbol,
    amount: position.amount,
    clientOrderId: stop.clientOrderId,
    stopPrice: stop.price,
    detail: `placing revision ${stop.revision}`,
  });
}
