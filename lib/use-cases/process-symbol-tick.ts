import type { BotConfig, SymbolConfig } from '../config/schema.js';
import { type Candle, lastClosedCandleTime, timeframeMs } from '../domain/candle.js';
import { mayTrade, TradingMode } from '../domain/control.js';
import { callTimeout, type DeadlineRules } from '../domain/deadline.js';
import { sideFor } from '../domain/decision.js';
import { clientOrderId } from '../domain/order-intent.js';
import { applyFill, type Position, withPendingOrder } from '../domain/position.js';
import { Side, Signal } from '../domain/signal.js';
import { sizeOrder } from '../domain/sizing.js';
import { createStrategy } from '../domain/strategies/registry.js';
import type { Strategy } from '../domain/strategies/strategy.js';
import {
  type BreakerRules,
  breakerGate,
  recordAnswer,
  recordFailure,
  recordSuccess,
  type SymbolHealth,
  startProbe,
} from '../domain/symbol-health.js';
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
import { ExchangeUnavailableError, type MarketData } from '../ports/market-data.js';
import type { MetricsSink } from '../ports/metrics.js';
import type { OrderRecord, StateStore } from '../ports/state-store.js';

export interface TradeDeps {
  readonly market: MarketData;
  readonly broker: Broker;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly metrics: MetricsSink;
  readonly config: BotConfig;
  /** Waits before the re-fetch of a candle that has not closed yet; default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Builds a symbol's strategy; default: the built-in named in its config. */
  readonly strategyFor?: (symbol: SymbolConfig) => Strategy;
}

export interface TickInput {
  readonly tick: SymbolTick;
  /** Milliseconds this invocation has left (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
  /** Which delivery of the tick this is (SQS's receive count); 1 when unknown. */
  readonly attempt?: number;
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
 * 1. Find the symbol's config and strategy; skip at once if the kill switch halts trading.
 * 2. Skip as stale when the tick starts later than `maxTickLag` after its scheduled time.
 * 3. Skip fast while the symbol's circuit breaker is open; after the cooldown, let this tick
 *    through as the one probe (half-open).
 * 4. Fetch the candle window ending at the tick's candle, with a timeout that fits the deadline;
 *    a call that cannot fit is not started (`skipped: deadline`).
 * 5. If the tick's candle has not closed on the exchange, re-fetch once within the budget, then
 *    skip as stale. A stale tick never trades.
 * 6. Run the strategy over the candles and take the signal of the tick's candle.
 * 7. Map the signal and the stored position to an order side (enter when flat, exit when long);
 *    under close-only, refuse an entry (`skipped: halted`).
 * 8. Size the order within the risk limits and the market's rules; record a rejection.
 * 9. Record the order intent under its deterministic client id before anything is sent; on a
 *    retry, look the order up on the venue by that id before sending it again.
 * 10. Apply the fill to the position exactly once, record the breaker's success and the tick.
 *
 * Exchange failures count toward the breaker. A failed tick is stored and rethrown as
 * {@link TickFailedError}, so the queue retries the message.
 */
export async function processSymbolTick(deps: TradeDeps, input: TickInput): Promise<TickResult> {
  const { tick } = input;
  const { config, clock, metrics, store } = deps;
  const symbol = findSymbol(config, tick.symbol);
  const startedAt = clock.now();
  const rules: DeadlineRules = { ...config.timeouts, minCallMs };
  const breakerRules: BreakerRules = {
    threshold: config.guards.breakerThreshold,
    cooldownMs: config.guards.breakerCooldownMs,
  };
  const timeout = () => callTimeout(input.remainingMs(), rules);
  const [initialPosition, initialHealth, control] = await Promise.all([
    store.getPosition(symbol.symbol),
    store.getHealth(symbol.symbol),
    store.getControl(),
  ]);
  let position = initialPosition;
  let health = initialHealth;

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
      breaker: health.breaker,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: clock.now() - startedAt,
      ...fields,
    };
    await store.putTickResult(result);
    metrics.add('TickDuration', result.durationMs);
    const outcome = { ok: 'TickSucceeded', skipped: 'TickSkipped', failed: 'TickFailed' } as const;
    metrics.add(outcome[result.status], 1);
    if (result.skipReason === 'stale') metrics.add('StaleSkips', 1);
    if (result.skipReason === 'halted') metrics.add('HaltRefusals', 1);
    return result;
  };
  const skip = (skipReason: SkipReason, extra: Partial<TickResult> = {}) =>
    finish({ status: TickStatus.Skipped, skipReason, signal: Signal.None, ...extra });
  /** Records the success and the tick result together: two independent single-item writes. */
  const succeed = async (fields: Partial<TickResult> & Pick<TickResult, 'signal'>) => {
    const next = recordSuccess(health, tick.scheduledAt);
    health = next;
    const [, result] = await Promise.all([
      store.putHealth(next),
      finish({ status: TickStatus.Ok, ...fields }),
    ]);
    return result;
  };
  const saveHealth = async (next: SymbolHealth) => {
    if (next === health) return;
    await store.putHealth(next);
    health = next;
  };
  /** Runs one exchange call, timing it and counting its failure toward the breaker. */
  const exchangeCall = async <T>(call: ExchangeCallKind, run: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    try {
      return await run();
    } catch (error) {
      if (error instanceof ExchangeUnavailableError) {
        metrics.add('FetchFailures', 1);
        if (error.kind === 'timeout') metrics.add('ExchangeTimeouts', 1);
        await saveHealth(recordFailure(health, clock.now(), breakerRules));
      }
      throw error;
    } finally {
      metrics.add('ExchangeLatency', Math.round(performance.now() - began), { call });
    }
  };

  const lag = startedAt - tick.scheduledAt;
  metrics.add('TickLag', lag);
  try {
    if ((input.attempt ?? 1) > 1) {
      // A failure we saw is stored; no result means the last attempt was killed (the function
      // timed out, perhaps blocked): count it toward the breaker, as nothing else could.
      const scheduled = new Date(tick.scheduledAt).toISOString();
      const before = await store.getTickResult(symbol.symbol, scheduled);
      if (before === undefined) {
        metrics.add('VanishedAttempts', 1);
        await saveHealth(recordFailure(health, startedAt, breakerRules));
      }
    }
    if (control.mode === TradingMode.Halted) return await skip('halted');
    const maxLag = config.guards.maxTickLagMs ?? timeframeMs(symbol.timeframe) / 2;
    const stale = lag > maxLag;
    // The candle this tick decides on: the newest one closed at its scheduled time.
    const expected = lastClosedCandleTime(tick.scheduledAt, symbol.timeframe);
    let settledOrder: OrderRecord | undefined;
    if (position.pendingOrderId !== undefined) {
      // A stale tick will not decide, so it settles its own pending order too.
      const ownCandle = stale ? Number.NaN : expected;
      const settled = await settlePending(deps, exchangeCall, position, timeout, ownCandle);
      if (settled === 'deadline') return await skip('deadline');
      position = settled.position;
      settledOrder = settled.record;
    }
    if (stale) return await skip('stale');
    const gate = breakerGate(health, startedAt, breakerRules);
    if (gate === 'reject') return await skip('breaker');
    if (gate === 'probe') await saveHealth(startProbe(health, startedAt));

    const strategy = (deps.strategyFor ?? defaultStrategy)(symbol);
    const fetchWindow = async () => {
      const fetchTimeout = timeout();
      if (fetchTimeout === undefined) return undefined;
      // The window ends at the tick's candle, so a late tick sees what a timely one would.
      const fetched = await exchangeCall('candles', () =>
        deps.market.fetchCandles({
          symbol: symbol.symbol,
          timeframe: symbol.timeframe,
          since: expected - (strategy.warmup - 1) * timeframeMs(symbol.timeframe),
          limit: strategy.warmup,
          timeoutMs: fetchTimeout,
        }),
      );
      return fetched.filter((c) => c.time <= expected);
    };
    let candles = await fetchWindow();
    if (candles === undefined) return await skip('deadline');
    if (candles.at(-1)?.time !== expected) {
      // The exchange may be a moment behind: one bounded re-fetch, if the budget allows it.
      const delay = config.guards.refetchDelayMs;
      const left = (timeout() ?? 0) - delay;
      if (left >= minCallMs) {
        await (deps.sleep ?? wait)(delay);
        candles = (await fetchWindow()) ?? candles;
      }
    }
    const newest = candles.at(-1);
    if (newest === undefined || newest.time !== expected) {
      await saveHealth(recordAnswer(health));
      return await skip('stale', newest ? { candleTime: newest.time } : {});
    }
    const signal = latestSignal(strategy.start(), candles);
    const side = sideFor(signal, position, {
      close: newest.close,
      ...(config.risk.stoplossPct === undefined ? {} : { stoplossPct: config.risk.stoplossPct }),
    });
    const decided = { signal, candleTime: newest.time, price: newest.close };
    if (side !== undefined && !mayTrade(control, side)) {
      // Close-only: the strategy wants in, the kill switch says no.
      await saveHealth(recordSuccess(health, tick.scheduledAt));
      return await skip('halted', decided);
    }
    if (side !== undefined) {
      const order = await placeOrder(deps, exchangeCall, {
        symbol,
        strategy: strategy.name,
        side,
        candle: newest,
        position,
        timeout,
      });
      position = order.position;
      if (order.result === 'deadline') return await skip('deadline', decided);
      return await succeed({ ...decided, order: order.result });
    }
    // A retry whose order was settled above reports that order: it was this tick's decision.
    const own = settledOrder?.candleTime === newest.time ? settledOrder : undefined;
    return await succeed({
      ...decided,
      ...(own ? { order: tickOrder(own) } : {}),
    });
  } catch (error) {
    const result = await finish({
      status: TickStatus.Failed,
      signal: Signal.None,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    throw new TickFailedError(result, { cause: error });
  }
}

type ExchangeCallKind = 'candles' | 'market' | 'order' | 'lookup';
type ExchangeCall = <T>(call: ExchangeCallKind, run: () => Promise<T>) => Promise<T>;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function defaultStrategy(symbol: SymbolConfig): Strategy {
  return createStrategy(symbol.strategy, symbol.params);
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
  exchangeCall: ExchangeCall,
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
    const market = await exchangeCall('market', () =>
      deps.market.market(symbol.symbol, marketTimeout),
    );
    let sizing = sizeOrder(side, candle.close, plan.position, market, deps.config.risk);
    if (sizing.ok && side === Side.Buy) {
      const { maxOpenPositions } = deps.config.risk;
      if (!(await deps.store.reserveOpenPosition(symbol.symbol, maxOpenPositions))) {
        sizing = { ok: false, reason: `max open positions (${maxOpenPositions}) reached` };
      }
    }
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

  let position = plan.position;
  if (!finalStatuses.has(record.status)) {
    // Confirming an order needs a second call, so both must fit before the first one starts.
    const sendTimeout = plan.timeout();
    if (sendTimeout === undefined) return { result: 'deadline', position };
    const callMs = Math.floor(sendTimeout / 2);
    if (position.pendingOrderId !== id) {
      // From here the order may reach the exchange: every later tick settles it first.
      position = withPendingOrder(position, id);
      await deps.store.putPosition(position);
    }
    // A fresh intent was never sent; anything else may have reached the venue already.
    const found =
      record.status === 'intent' && record.version === 1
        ? undefined
        : await exchangeCall('lookup', () => deps.broker.findOrder(symbol.symbol, id, callMs));
    let outcome: { report: OrderReport; reason?: string };
    if (found === undefined) {
      record = { ...record, status: 'sent', version: record.version + 1 };
      await deps.store.updateOrder(record);
      const sent = record;
      outcome = await exchangeCall('order', () => send(deps, sent, callMs));
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

  position = await applySettled(deps, record, position);
  return { result: tickOrder(record), position };
}

function tickOrder(record: OrderRecord): TickOrder {
  return {
    clientOrderId: record.clientOrderId,
    side: record.side,
    amount: record.filledAmount ?? record.amount,
    price: record.averagePrice ?? record.referencePrice,
    status: record.status,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
  };
}

/**
 * Moves the position by a settled order's fill, exactly once (`lastOrderId` tells a retry it is
 * done), and clears the order from pending.
 */
async function applySettled(
  deps: TradeDeps,
  record: OrderRecord,
  position: Position,
): Promise<Position> {
  const id = record.clientOrderId;
  const filled = record.filledAmount ?? 0;
  let next: Position | undefined;
  if (filled > 0 && position.lastOrderId !== id) {
    const fill = {
      side: record.side,
      amount: filled,
      price: record.averagePrice ?? 0,
      fee: record.fee ?? 0,
    };
    next = applyFill(position, fill, id);
  } else if (position.pendingOrderId === id) {
    next = withPendingOrder(position, undefined);
  }
  return next === undefined ? position : savePosition(deps, position, next, id);
}

/**
 * Writes the position that follows `before` because of order `id`: a flat position gives its
 * open-position slot back, and what the order realised is booked into the day.
 */
async function savePosition(
  deps: TradeDeps,
  before: Position,
  next: Position,
  id: string,
): Promise<Position> {
  const { store } = deps;
  await store.putPosition(next);
  if (next.amount === 0) await store.releaseOpenPosition(next.symbol);
  const realised = next.realisedPnl - before.realisedPnl;
  if (realised !== 0) await bookRealised(deps, id, realised);
  return next;
}

/**
 * Adds a fill's realised PnL to the day's and halts trading once the day's loss reaches
 * `risk.maxDailyLoss` (default five stakes). The halt stays until an operator resumes.
 */
async function bookRealised(deps: TradeDeps, orderId: string, realised: number): Promise<void> {
  const { store, config, clock, metrics } = deps;
  metrics.add('RealisedPnl', realised);
  const day = new Date(clock.now()).toISOString().slice(0, 10);
  const total = await store.addRealisedPnl(day, orderId, realised);
  const limit = config.risk.maxDailyLoss ?? 5 * config.risk.stakePerTrade;
  if (total > -limit) return;
  const control = await store.getControl();
  if (control.mode === TradingMode.Halted) return;
  await store.putControl({
    mode: TradingMode.Halted,
    reason: `realised loss ${(-total).toPrecision(6)} on ${day} reached the daily limit ${limit}`,
    by: 'daily-loss-limit',
    at: new Date(clock.now()).toISOString(),
  });
}

/**
 * Settles the order an earlier tick left pending (its invocation died, or its retries went
 * stale): looks it up on the exchange and applies its fill, or cancels it if the exchange never
 * got it. Its own tick is over, so it is never sent from here.
 */
async function settlePending(
  deps: TradeDeps,
  exchangeCall: ExchangeCall,
  position: Position,
  timeout: () => number | undefined,
  ownCandle: number,
): Promise<{ position: Position; record?: OrderRecord } | 'deadline'> {
  const id = position.pendingOrderId;
  if (id === undefined) return { position };
  let record = await deps.store.getOrder(position.symbol, id);
  if (record === undefined) {
    // No record: nothing was ever sent under this id, so there is nothing to settle.
    return {
      position: await savePosition(deps, position, withPendingOrder(position, undefined), id),
    };
  }
  // This tick's own order (a prompt retry): its decision will find it and look it up or send it.
  if (record.candleTime === ownCandle && !finalStatuses.has(record.status)) return { position };
  if (!finalStatuses.has(record.status)) {
    const lookupTimeout = timeout();
    if (lookupTimeout === undefined) return 'deadline';
    const found = await exchangeCall('lookup', () =>
      deps.broker.findOrder(position.symbol, id, lookupTimeout),
    );
    record =
      found === undefined
        ? {
            ...record,
            status: OrderStatus.Cancelled,
            reason: 'the exchange never received it; its tick is over',
            version: record.version + 1,
          }
        : {
            ...record,
            status: found.status,
            filledAmount: found.filledAmount,
            averagePrice: found.averagePrice,
            fee: found.fee,
            version: record.version + 1,
          };
    await deps.store.updateOrder(record);
  }
  return { position: await applySettled(deps, record, position), record };
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
