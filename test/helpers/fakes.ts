import type { Candle } from '../../lib/domain/candle.js';
import { activeTrading, type TradingControl } from '../../lib/domain/control.js';
import type { Market } from '../../lib/domain/market.js';
import type { PairSelection } from '../../lib/domain/pair-selection.js';
import { flatPosition, type Position } from '../../lib/domain/position.js';
import {
  type BudgetRequest,
  type BudgetRules,
  type PoolState,
  pauseUntil,
  type RatePool,
  type Reservation,
  reserveFrom,
} from '../../lib/domain/rate-budget.js';
import { healthyState, type SymbolHealth } from '../../lib/domain/symbol-health.js';
import type { SymbolTick, TickResult } from '../../lib/domain/tick.js';
import type { MetricName } from '../../lib/metrics/catalogue.js';
import type {
  Broker,
  OrderReport,
  OrderRequest,
  StopOrderRequest,
} from '../../lib/ports/broker.js';
import { OrderStatus } from '../../lib/ports/broker.js';
import type { Clock } from '../../lib/ports/clock.js';
import type { MarketData } from '../../lib/ports/market-data.js';
import type { MetricsSink } from '../../lib/ports/metrics.js';
import type { RateBudget } from '../../lib/ports/rate-budget.js';
import {
  ConflictError,
  type OrderRecord,
  type StateStore,
  type SymbolStates,
  type SymbolStatesRequest,
  type TickState,
} from '../../lib/ports/state-store.js';
import type { DispatchResult, SymbolQueue } from '../../lib/ports/symbol-queue.js';

/** In-memory fakes of the ports, for domain and use-case tests only. */
export class FakeClock implements Clock {
  readonly slept: number[] = [];
  constructor(public at: number) {}
  now(): number {
    return this.at;
  }
  /** Moves the clock instead of waiting, and runs `onSleep` (a test's exchange catching up). */
  sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
    this.at += ms;
    this.onSleep?.();
  };
  onSleep?: () => void;
}

export class RecordingMetrics implements MetricsSink {
  readonly values: { name: MetricName; value: number }[] = [];
  add(name: MetricName, value: number): void {
    this.values.push({ name, value });
  }
  sum(name: MetricName): number {
    return this.values.filter((v) => v.name === name).reduce((a, v) => a + v.value, 0);
  }
}

export class InMemoryStore implements StateStore {
  readonly positions = new Map<string, Position>();
  readonly orders = new Map<string, OrderRecord>();
  readonly ticks = new Map<string, TickResult>();
  readonly health = new Map<string, SymbolHealth>();
  control: TradingControl = activeTrading;
  readonly open = new Set<string>();
  readonly dailyPnl = new Map<string, Map<string, number>>();

  async getPosition(symbol: string): Promise<Position> {
    return this.positions.get(symbol) ?? flatPosition(symbol);
  }
  async putPosition(next: Position): Promise<void> {
    const stored = this.positions.get(next.symbol)?.version ?? 0;
    if (stored !== next.version - 1) throw new ConflictError(`position ${next.symbol} moved`);
    this.positions.set(next.symbol, next);
  }
  async createOrder(order: OrderRecord): Promise<boolean> {
    if (this.orders.has(order.clientOrderId)) return false;
    this.orders.set(order.clientOrderId, order);
    return true;
  }
  async getOrder(_symbol: string, id: string): Promise<OrderRecord | undefined> {
    return this.orders.get(id);
  }
  async updateOrder(next: OrderRecord): Promise<void> {
    const stored = this.orders.get(next.clientOrderId)?.version ?? 0;
    if (stored !== next.version - 1) throw new ConflictError(`order ${next.clientOrderId} moved`);
    this.orders.set(next.clientOrderId, next);
  }
  async listOrders(symbol: string): Promise<OrderRecord[]> {
    return [...this.orders.values()].filter((o) => o.symbol === symbol);
  }
  async putTickResult(result: TickResult): Promise<void> {
    this.ticks.set(result.tickId, result);
  }
  async listTickResults(symbol: string): Promise<TickResult[]> {
    return [...this.ticks.values()].filter((t) => t.symbol === symbol);
  }
  async getTickResult(symbol: string, scheduledAt: string): Promise<TickResult | undefined> {
    return this.ticks.get(`${symbol}#${scheduledAt}`);
  }
  async reserveOpenPosition(symbol: string, max: number): Promise<boolean> {
    if (!this.open.has(symbol) && this.open.size >= max) return false;
    this.open.add(symbol);
    return true;
  }
  async releaseOpenPosition(symbol: string): Promise<void> {
    this.open.delete(symbol);
  }
  async addRealisedPnl(day: string, orderId: string, pnl: number): Promise<number> {
    const fills = this.dailyPnl.get(day) ?? new Map<string, number>();
    fills.set(orderId, pnl);
    this.dailyPnl.set(day, fills);
    return [...fills.values()].reduce((a, b) => a + b, 0);
  }
  async getControl(): Promise<TradingControl> {
    return this.control;
  }
  async putControl(control: TradingControl): Promise<void> {
    this.control = control;
  }
  async getTickState(symbol: string): Promise<TickState> {
    const [position, health, control] = await Promise.all([
      this.getPosition(symbol),
      this.getHealth(symbol),
      this.getControl(),
    ]);
    return { position, health, control };
  }
  /** Every `getSymbolStates` request, in order, so a test can count the reads. */
  readonly symbolStateReads: SymbolStatesRequest[] = [];
  async getSymbolStates(request: SymbolStatesRequest): Promise<SymbolStates> {
    this.symbolStateReads.push(request);
    const read = <T>(symbols: readonly string[], get: (s: string) => Promise<T>) =>
      Promise.all(symbols.map(async (s) => [s, await get(s)] as const));
    return {
      control: this.control,
      health: new Map(await read(request.health, (s) => this.getHealth(s))),
      positions: new Map(await read(request.positions, (s) => this.getPosition(s))),
      ...(request.selection === true && this.selection !== undefined
        ? { selection: this.selection }
        : {}),
    };
  }
  selection: PairSelection | undefined;
  async getSelection(): Promise<PairSelection | undefined> {
    return this.selection;
  }
  async putSelection(selection: PairSelection): Promise<void> {
    this.selection = selection;
  }
  async getHealth(symbol: string): Promise<SymbolHealth> {
    return this.health.get(symbol) ?? healthyState(symbol);
  }
  async putHealth(next: SymbolHealth): Promise<void> {
    const stored = this.health.get(next.symbol)?.version ?? 0;
    if (stored !== next.version - 1) throw new ConflictError(`health ${next.symbol} moved`);
    this.health.set(next.symbol, next);
  }
}

export const testMarket = (symbol: string): Market => ({
  symbol,
  base: symbol.split('/')[0] ?? '',
  quote: symbol.split('/')[1] ?? '',
  amountStep: 0.001,
  priceStep: 0.000001,
  minAmount: 0.001,
  minNotional: 0.0001,
});

export class FakeMarketData implements MarketData {
  readonly calls: { symbol: string; since?: number; limit: number; timeoutMs: number }[] = [];
  failWith?: Error;
  /** Symbols whose market the exchange lists as inactive (or no longer lists). */
  readonly inactive = new Set<string>();
  constructor(public candles: Candle[]) {}
  async market(symbol: string): Promise<Market> {
    return this.inactive.has(symbol)
      ? { ...testMarket(symbol), active: false }
      : testMarket(symbol);
  }
  async fetchCandles(request: {
    symbol: string;
    since?: number;
    limit: number;
    timeoutMs: number;
  }): Promise<Candle[]> {
    const { symbol, since, limit, timeoutMs } = request;
    this.calls.push({ symbol, ...(since === undefined ? {} : { since }), limit, timeoutMs });
    if (this.failWith) throw this.failWith;
    return since === undefined
      ? this.candles.slice(-limit)
      : this.candles.filter((c) => c.time >= since).slice(0, limit);
  }
}

export class FakeBroker implements Broker {
  readonly placed: OrderRequest[] = [];
  readonly venue = new Map<string, OrderReport>();
  /** When set, the next order is filled but the call fails as if the response was lost. */
  loseNextResponse = false;
  rejectWith?: Error;

  async placeMarketOrder(request: OrderRequest): Promise<OrderReport> {
    if (this.rejectWith) throw this.rejectWith;
    this.placed.push(request);
    const report: OrderReport = {
      clientOrderId: request.clientOrderId,
      status: OrderStatus.Filled,
      filledAmount: request.amount,
      averagePrice: request.referencePrice,
      fee: request.amount * request.referencePrice * 0.001,
    };
    this.venue.set(request.clientOrderId, report);
    if (this.loseNextResponse) {
      this.loseNextResponse = false;
      throw new Error('socket hang up');
    }
    return report;
  }
  async findOrder(_symbol: string, id: string): Promise<OrderReport | undefined> {
    return this.venue.get(id);
  }

  /** Stops placed, in order; each rests (`open`) in `venue` until {@link fillStop}. */
  readonly stops: StopOrderRequest[] = [];
  /** When set, every stop placement fails with it. */
  stopFailure?: Error;

  async placeStopOrder(request: StopOrderRequest): Promise<OrderReport> {
    if (this.stopFailure) throw this.stopFailure;
    const earlier = this.venue.get(request.clientOrderId);
    if (earlier !== undefined) return earlier;
    this.stops.push(request);
    const report: OrderReport = {
      clientOrderId: request.clientOrderId,
      status: OrderStatus.Open,
      filledAmount: 0,
      averagePrice: 0,
      fee: 0,
    };
    this.venue.set(request.clientOrderId, report);
    return report;
  }

  async cancelOrder(_symbol: string, id: string): Promise<OrderReport | undefined> {
    const order = this.venue.get(id);
    if (order === undefined || order.status !== OrderStatus.Open) return order;
    const cancelled = { ...order, status: OrderStatus.Cancelled };
    this.venue.set(id, cancelled);
    return cancelled;
  }

  /** The venue fills resting stop `id` at `price`, as a candle reaching it would. */
  fillStop(id: string, price: number, fillTime?: number): void {
    const stop = this.stops.find((s) => s.clientOrderId === id);
    if (stop === undefined) throw new Error(`no stop ${id} was placed`);
    this.venue.set(id, {
      clientOrderId: id,
      status: OrderStatus.Filled,
      filledAmount: stop.amount,
      averagePrice: price,
      fee: stop.amount * price * 0.001,
      ...(fillTime === undefined ? {} : { fillTime }),
    });
  }

  /** The stops resting on the venue now. */
  restingStops(): string[] {
    return this.stops
      .map((s) => s.clientOrderId)
      .filter((id) => this.venue.get(id)?.status === OrderStatus.Open);
  }
}

export class InMemoryQueue implements SymbolQueue {
  readonly sent: SymbolTick[] = [];
  failSymbols = new Set<string>();
  async send(ticks: readonly SymbolTick[]): Promise<DispatchResult> {
    const failed = ticks
      .filter((t) => this.failSymbols.has(t.symbol))
      .map((tick) => ({ tick, error: 'InternalError' }));
    const ok = ticks.filter((t) => !this.failSymbols.has(t.symbol));
    this.sent.push(...ok);
    return { sent: ok.length, failed };
  }
}

/** Candles of `timeframeMs` ending with the candle that opens at `lastTime`, closes from `closes`. */
export function candleSeries(
  closes: readonly number[],
  lastTime: number,
  timeframeMs = 300_000,
): Candle[] {
  return closes.map((close, i) => ({
    time: lastTime - (closes.length - 1 - i) * timeframeMs,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
  }));
}

/**
 * The shared rate budget in memory, on the domain's own arithmetic (`reserveFrom`), read on
 * `clock`: one instance stands for the table every container shares.
 */
export class InMemoryRateBudget implements RateBudget {
  readonly pools = new Map<RatePool, PoolState>();
  readonly requests: BudgetRequest[] = [];
  constructor(
    private readonly clock: Clock,
    readonly rules: BudgetRules,
  ) {}
  async reserve(request: BudgetRequest): Promise<Reservation> {
    this.requests.push(request);
    const drawn = reserveFrom(this.pools.get(request.pool), request, this.clock.now(), this.rules);
    if (drawn.state !== undefined) this.pools.set(request.pool, drawn.state);
    return drawn.reservation;
  }
  async pause(untilMs: number): Promise<void> {
    for (const pool of ['requests', 'orders'] as const) {
      this.pools.set(pool, pauseUntil(this.pools.get(pool), untilMs));
    }
  }
  /** Marks `used` of the current window of `pool` as drawn, by other containers. */
  spend(pool: RatePool, used: number): void {
    const window = pool === 'orders' ? this.rules.orders : this.rules.requests;
    const windowStart = Math.floor(this.clock.now() / window.windowMs) * window.windowMs;
    const pausedUntil = this.pools.get(pool)?.pausedUntil;
    this.pools.set(pool, {
      windowStart,
      used,
      ...(pausedUntil === undefined ? {} : { pausedUntil }),
    });
  }
}
