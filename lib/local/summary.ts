import { intentCandleTime } from '../domain/order-intent.js';
import type { Position } from '../domain/position.js';
import { totalPnl } from '../domain/position.js';
import { BreakerState, type SymbolHealth } from '../domain/symbol-health.js';
import type { TickResult } from '../domain/tick.js';
import type { OrderRecord } from '../ports/state-store.js';
import type { SimOrder } from '../simulator/exchange-simulator.js';
import type { InvocationRecord } from './sqs-event-source.js';

/** The summary of a local run: the contract `--summary-json` writes. Extend it; never break it. */
export interface RunSummary {
  readonly ticks: number;
  readonly symbols: readonly string[];
  readonly invocations: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly skipped: { readonly stale: number; readonly halted: number; readonly breaker: number };
  readonly orders: {
    readonly intents: number;
    readonly exchange: number;
    readonly duplicates: number;
  };
  readonly trades: readonly {
    readonly symbol: string;
    readonly side: string;
    readonly candleTime: number;
    readonly price: number;
    readonly amount: number;
    readonly clientOrderId: string;
  }[];
  readonly latencyMs: Latency;
  readonly perSymbol: Readonly<Record<string, SymbolSummary>>;
  /** Symbols the last fan-out counted as silent (no successful tick for the silence window). */
  readonly silent: readonly string[];
  /** Each symbol's circuit breaker at the end of the run. */
  readonly breakers: Readonly<Record<string, BreakerState>>;
  /** Messages the trade function dead-lettered itself as unprocessable. */
  readonly poisoned: number;
  /** Factor the configured function timeouts were scaled by for this local run. */
  readonly timeScale: number;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
}

export interface SymbolSummary {
  readonly ticks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** This symbol's messages in the dead-letter queue at the end. */
  readonly deadLettered: number;
  readonly breaker: BreakerState;
  readonly orders: number;
  readonly position: number;
  /** The same position as the exchange's own record of fills has it (net amount bought). */
  readonly exchangePosition: number;
  readonly pnl: number;
  readonly latencyMs: Latency;
}

export interface SummaryInput {
  readonly ticks: number;
  readonly symbols: readonly string[];
  readonly invocations: readonly InvocationRecord[];
  /** Wall-clock start of the fan-out invocation of each tick, by scheduled time (ISO). */
  readonly fanOutStartedAt: ReadonlyMap<string, number>;
  readonly tickResults: readonly TickResult[];
  readonly orders: readonly OrderRecord[];
  readonly positions: readonly Position[];
  readonly health: readonly SymbolHealth[];
  readonly silent: readonly string[];
  readonly timeScale: number;
  /** Orders the exchange itself counted. */
  readonly exchangeOrders: readonly SimOrder[];
  /** Due symbol ticks the fan-out did not dispatch because trading was halted. */
  readonly haltedDispatches: number;
  readonly deadLettered: number;
  readonly deadLetteredBySymbol: ReadonlyMap<string, number>;
  /** Dead letters the trade function parked itself, with the reason attached. */
  readonly poisoned: number;
  readonly tickPeriodMs: number;
  /** Last traded price of each symbol, to mark open positions. */
  readonly lastPrices: Readonly<Record<string, number>>;
}

/** Net amount bought across `orders`, rounded off binary floating-point residue. */
function netFilled(orders: readonly SimOrder[]): number {
  const net = orders.reduce((sum, o) => sum + (o.side === 'buy' ? o.amount : -o.amount), 0);
  return Number(net.toFixed(10));
}

/**
 * The latency of each symbol tick, keyed by the invocation it ended with: from the start of its
 * tick's fan-out to the end of the last invocation of its message. Messages whose symbol or tick
 * is unknown (poison) are left out. The summary's percentiles and the run report's histogram are
 * both taken over these values.
 */
export function tickLatencies(
  invocations: readonly InvocationRecord[],
  fanOutStartedAt: ReadonlyMap<string, number>,
): Map<InvocationRecord, number> {
  const last = new Map<string, InvocationRecord>();
  for (const r of invocations) {
    const seen = last.get(r.messageId);
    if (seen === undefined || seen.endedAt < r.endedAt) last.set(r.messageId, r);
  }
  const latencies = new Map<InvocationRecord, number>();
  for (const r of last.values()) {
    const start = r.scheduledAt === undefined ? undefined : fanOutStartedAt.get(r.scheduledAt);
    if (start !== undefined && r.symbol !== undefined) latencies.set(r, r.endedAt - start);
  }
  return latencies;
}

/** Nearest-rank percentile of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? 0;
}

const latencyOf = (values: readonly number[]): Latency => ({
  p50: percentile(values, 50),
  p99: percentile(values, 99),
});

/** Builds the run summary from what each part recorded on its own. */
export function summarise(input: SummaryInput): RunSummary {
  const ok = (r: InvocationRecord) => r.outcome.ok && !r.itemFailed;
  const latencies = new Map<string, number[]>();
  for (const [r, latency] of tickLatencies(input.invocations, input.fanOutStartedAt)) {
    const symbol = r.symbol ?? '';
    latencies.set(symbol, [...(latencies.get(symbol) ?? []), latency]);
  }

  const finalTicks = input.tickResults;
  const skipped = (reason: string) => finalTicks.filter((t) => t.skipReason === reason).length;
  const exchangeBySymbol = (symbol: string) =>
    input.exchangeOrders.filter((o) => o.symbol === symbol);
  // The tick an order belongs to is the one it was decided at (its id carries the decision
  // candle); a retry after a lost response may reach the exchange a tick later, and is still
  // that tick's order. An id of another shape falls back to when the exchange received it.
  const buckets = new Map<string, number>();
  for (const o of input.exchangeOrders) {
    const candle = intentCandleTime(o.clientOrderId);
    const tick = candle === undefined ? Math.floor(o.time / input.tickPeriodMs) : `c${candle}`;
    const key = `${o.symbol}#${tick}`;
    buckets.set(key, (buckets.get(key) ?? 0) + 1);
  }
  const duplicates = [...buckets.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);

  const perSymbol: Record<string, SymbolSummary> = {};
  for (const symbol of input.symbols) {
    const mine = input.invocations.filter((r) => r.symbol === symbol);
    const position = input.positions.find((p) => p.symbol === symbol);
    const price = input.lastPrices[symbol] ?? position?.entryPrice ?? 0;
    perSymbol[symbol] = {
      ticks: new Set(mine.map((r) => r.messageId)).size,
      succeeded: mine.filter(ok).length,
      failed: mine.filter((r) => !ok(r)).length,
      skipped: finalTicks.filter((t) => t.symbol === symbol && t.status === 'skipped').length,
      deadLettered: input.deadLetteredBySymbol.get(symbol) ?? 0,
      breaker: input.health.find((h) => h.symbol === symbol)?.breaker ?? BreakerState.Closed,
      orders: exchangeBySymbol(symbol).length,
      position: position?.amount ?? 0,
      exchangePosition: netFilled(exchangeBySymbol(symbol)),
      pnl: position ? totalPnl(position, price) : 0,
      latencyMs: latencyOf(latencies.get(symbol) ?? []),
    };
  }

  return {
    ticks: input.ticks,
    symbols: input.symbols,
    invocations: input.invocations.length,
    succeeded: input.invocations.filter(ok).length,
    failed: input.invocations.filter((r) => !ok(r)).length,
    retried: input.invocations.filter((r) => r.receiveCount > 1).length,
    deadLettered: input.deadLettered,
    skipped: {
      stale: skipped('stale'),
      halted: skipped('halted') + input.haltedDispatches,
      breaker: skipped('breaker'),
    },
    orders: {
      intents: input.orders.filter((o) => o.amount > 0).length,
      exchange: input.exchangeOrders.length,
      duplicates,
    },
    trades: input.orders
      .filter((o) => (o.filledAmount ?? 0) > 0)
      .sort((a, b) => a.candleTime - b.candleTime || a.symbol.localeCompare(b.symbol))
      .map((o) => ({
        symbol: o.symbol,
        side: o.side,
        candleTime: o.candleTime,
        price: o.averagePrice ?? o.referencePrice,
        amount: o.filledAmount ?? 0,
        clientOrderId: o.clientOrderId,
      })),
    latencyMs: latencyOf([...latencies.values()].flat()),
    perSymbol,
    silent: input.silent,
    breakers: Object.fromEntries(
      input.symbols.map((s) => [s, perSymbol[s]?.breaker ?? BreakerState.Closed]),
    ),
    poisoned: input.poisoned,
    timeScale: input.timeScale,
  };
}
