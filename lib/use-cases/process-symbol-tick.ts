import type { BotConfig, SymbolConfig } from '../config/schema.js';
import { type Candle, lastClosedCandleTime, timeframeMs } from '../domain/candle.js';
import { callTimeout, type DeadlineRules } from '../domain/deadline.js';
import { clientOrderId } from '../domain/order-intent.js';
import { applyFill, type Position } from '../domain/position.js';
import { Side, Signal } from '../domain/signal.js';
import { sizeOrder } from '../domain/sizing.js';
import { createStrategy } from '../domain/strategies/registry.js';
import {
  type SkipReason,
  type SymbolTick,
  type TickOrder,
  type TickResult,
  TickStatus,
  tickId,
} from '../domain/tick.js';
import { type Broker, OrderRejectedError, type OrderReport, OrderStatus } from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import type { MetricsSink } from '../ports/metrics.js';
import type { OrderRecord, StateStore } from '../ports/state-store.js';

export interface TradeDeps {
  readonly market: MarketData;
  readonly broker: Broker;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly metrics: MetricsSink;
  readonly config: BotConfig;
}

export interface TickInput {
  readonly tick: SymbolTick;
  /** Milliseconds this invocation has left (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
}

/** A symbol the config does not trade; retrying cannot help. */
export class UnknownSymbolError extends Error {
  constructor(readonly symbol: string) {
    super(`symbol ${JSON.stringify(symbol)} is not in the config`);
    this.name = 'UnknownSymbolError';
  }
}

/** The tick failed and its message should be retried; the tick result is attached. */
export class TickFailedError extends Error {
  constructor(
    readonly result: TickResult,
    options: { cause: unknown },
  ) {
    super(`tick ${result.tickId} failed: ${result.error}`, options);
    this.name = 'TickFailedError';
  }
}

const minCallMs = 250;
const finalStatuses: ReadonlySet<OrderRecord['status']> = new Set([
  OrderStatus.Filled,
  OrderStatus.PartiallyFilled,
  OrderStatus.Rejected,
  OrderStatus.Cancelled,
]);

/**
 * Runs one symbol's share of one schedule tick.
 *
 * 1. Find the symbol's config and strategy.
 * 2. Fetch the closed candles the strategy needs, with a timeout that fits the deadline.
 * 3. Skip as stale when the candle this tick is about has not closed on the exchange.
 * 4. Run the strategy over the candles and take the signal of the tick's candle.
 * 5. Map the signal and the stored position to an order side (enter when flat, exit when long).
 * 6. Size the order within the risk limits and the market's rules; record a rejection.
 * 7. Record the order intent under its deterministic client id before anything is sent; on a
 *    retry, look the order up on the venue by that id before sending it again.
 * 8. Apply the fill to the position exactly once, then store and return the tick result.
 *
 * Failures to reach the exchange are stored as a failed tick and rethrown as
 * {@link TickFailedError}, so the queue retries the message.
 */
export async function processSymbolTick(deps: TradeDeps, input: TickInput): Promise<TickResult> {
  const { tick } = input;
  const symbol = findSymbol(deps.config, tick.symbol);
  const startedAt = deps.clock.now();
  const rules: DeadlineRules = { ...deps.config.timeouts, minCallMs };
  const timeout = () => callTimeout(input.remainingMs(), rules);
  let position = await deps.store.getPosition(symbol.symbol);

  const finish = async (fields: Partial<TickResult> & Pick<TickResult, 'status' | 'signal'>) => {
    const result: TickResult = {
      tickId: tickId(tick),
      symbol: symbol.symbol,
      scheduledAt: new Date(tick.scheduledAt).toISOString(),
      position: {
        amount: position.amount,
        entryPrice: position.entryPrice,
        realisedPnl: position.realisedPnl,
      },
      startedAt: new Date(startedAt).toISOString(),
      durationMs: deps.clock.now() - startedAt,
      ...fields,
    };
    await deps.store.putTickResult(result);
    deps.metrics.add('TickDuration', result.durationMs);
    const outcome = { ok: 'TickSucceeded', skipped: 'TickSkipped', failed: 'TickFailed' } as const;
    deps.metrics.add(outcome[result.status], 1);
    return result;
  };
  const skip = (skipReason: SkipReason, extra: Partial<TickResult> = {}) =>
    finish({ status: TickStatus.Skipped, skipReason, signal: Signal.None, ...extra });

  deps.metrics.add('TickLag', startedAt - tick.scheduledAt);
  try {
    const strategy = createStrategy(symbol.strategy, symbol.params);
    const expected = lastClosedCandleTime(tick.scheduledAt, symbol.timeframe);
    const fetchTimeout = timeout();
    if (fetchTimeout === undefined) return await skip('deadline');
    // The window ends at the tick's candle, so a late tick sees the same candles as a timely one.
    const fetched = await deps.market.fetchCandles({
      symbol: symbol.symbol,
      timeframe: symbol.timeframe,
      since: expected - (strategy.warmup - 1) * timeframeMs(symbol.timeframe),
      limit: strategy.warmup,
      timeoutMs: fetchTimeout,
    });
    // A late tick still decides on the candle it was scheduled for, never a newer one.
    const candles = fetched.filter((c) => c.time <= expected);
    const newest = candles.at(-1);
    if (newest === undefined || newest.time < expected) {
      return await skip('stale', newest ? { candleTime: newest.time } : {});
    }
    const signal = latestSignal(strategy.start(), candles);
    const side =
      signal === Signal.Enter && position.amount === 0
        ? Side.Buy
        : signal === Signal.Exit && position.amount > 0
          ? Side.Sell
          : undefined;
    const decided = { signal, candleTime: newest.time, price: newest.close };
    if (side === undefined) return await finish({ status: TickStatus.Ok, ...decided });

    const order = await placeOrder(deps, {
      symbol,
      strategy: strategy.name,
      side,
      candle: newest,
      position,
      timeout,
    });
    position = order.position;
    if (order.result === 'deadline') return await skip('deadline', decided);
    return await finish({ status: TickStatus.Ok, ...decided, order: order.result });
  } catch (error) {
    const result = await finish({
      status: TickStatus.Failed,
      signal: Signal.None,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    throw new TickFailedError(result, { cause: error });
  }
}

function findSymbol(config: BotConfig, symbol: string): SymbolConfig {
  const found = config.symbols.find((s) => s.symbol === symbol);
  if (found === undefined) throw new UnknownSymbolError(symbol);
  return found;
}

function latestSignal(run: { next(candle: Candle): Signal }, candles: readonly Candle[]): Signal {
  let signal: Signal = Signal.None;
  for (const candle of candles) signal = run.next(candle);
  return signal;
}

interface OrderPlan {
  readonly symbol: SymbolConfig;
  readonly strategy: string;
  readonly side: Side;
  readonly candle: Candle;
  readonly position: Position;
  readonly timeout: () => number | undefined;
}

/** Places the order for one intent at most once, and applies its fill to the position once. */
async function placeOrder(
  deps: TradeDeps,
  plan: OrderPlan,
): Promise<{ result: TickOrder | 'deadline'; position: Position }> {
  const { symbol, side, candle } = plan;
  const id = clientOrderId({
    strategy: plan.strategy,
    symbol: symbol.symbol,
    candleTime: candle.time,
    side,
  });
  let record = await deps.store.getOrder(symbol.symbol, id);
  if (record === undefined) {
    const marketTimeout = plan.timeout();
    if (marketTimeout === undefined) return { result: 'deadline', position: plan.position };
    const market = await deps.market.market(symbol.symbol, marketTimeout);
    const sizing = sizeOrder(side, candle.close, plan.position, market, deps.config.risk);
    const intent: OrderRecord = {
      clientOrderId: id,
      symbol: symbol.symbol,
      strategy: plan.strategy,
      side,
      candleTime: candle.time,
      amount: sizing.ok ? sizing.amount : 0,
      referencePrice: candle.close,
      status: sizing.ok ? 'intent' : OrderStatus.Rejected,
      ...(sizing.ok ? {} : { reason: sizing.reason }),
      createdAt: new Date(deps.clock.now()).toISOString(),
      version: 1,
    };
    if (!sizing.ok) deps.metrics.add('OrdersRejected', 1);
    record = (await deps.store.createOrder(intent))
      ? intent
      : await mustGetOrder(deps.store, symbol.symbol, id);
  }

  if (!finalStatuses.has(record.status)) {
    // Confirming an order needs a second call, so both must fit before the first one starts.
    const sendTimeout = plan.timeout();
    if (sendTimeout === undefined) return { result: 'deadline', position: plan.position };
    const callMs = Math.floor(sendTimeout / 2);
    // A fresh intent was never sent; anything else may have reached the venue already.
    const found =
      record.status === 'intent' && record.version === 1
        ? undefined
        : await deps.broker.findOrder(symbol.symbol, id, callMs);
    let outcome: { report: OrderReport; reason?: string };
    if (found === undefined) {
      record = { ...record, status: 'sent', version: record.version + 1 };
      await deps.store.updateOrder(record);
      outcome = await send(deps, record, callMs);
    } else {
      outcome = { report: found };
    }
    const { report, reason } = outcome;
    record = {
      ...record,
      status: report.status,
      filledAmount: report.filledAmount,
      averagePrice: report.averagePrice,
      fee: report.fee,
      ...(reason === undefined ? {} : { reason }),
      version: record.version + 1,
    };
    await deps.store.updateOrder(record);
    deps.metrics.add(report.status === OrderStatus.Rejected ? 'OrdersRejected' : 'OrdersPlaced', 1);
  }

  let position = plan.position;
  const filled = record.filledAmount ?? 0;
  if (filled > 0 && position.lastOrderId !== id) {
    position = applyFill(
      position,
      { side: record.side, amount: filled, price: record.averagePrice ?? 0, fee: record.fee ?? 0 },
      id,
    );
    await deps.store.putPosition(position);
  }
  return {
    result: {
      clientOrderId: id,
      side: record.side,
      amount: record.filledAmount ?? record.amount,
      price: record.averagePrice ?? record.referencePrice,
      status: record.status,
      ...(record.reason === undefined ? {} : { reason: record.reason }),
    },
    position,
  };
}

async function send(
  deps: TradeDeps,
  record: OrderRecord,
  timeoutMs: number,
): Promise<{ report: OrderReport; reason?: string }> {
  try {
    const report = await deps.broker.placeMarketOrder({
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

async function mustGetOrder(store: StateStore, symbol: string, id: string): Promise<OrderRecord> {
  const record = await store.getOrder(symbol, id);
  if (record === undefined) throw new Error(`order ${id} vanished after its intent was recorded`);
  return record;
}
