import { intentCandleTime } from '../domain/order-intent.js';
import type { Position } from '../domain/position.js';
import { totalPnl } from '../domain/position.js';
import { BreakerState, type SymbolHealth } from '../domain/symbol-health.js';
import { SkipReason, type TickResult, TickStatus, tickId } from '../domain/tick.js';
import type { OrderRecord } from '../ports/state-store.js';
import type { SimOrder } from '../simulator/exchange-simulator.js';
import { percentile as quantilePercentile } from '../stats/percentile.js';
import type { NotificationSummary } from './notifier.js';
import type { InvocationRecord } from './sqs-event-source.js';

/** The summary of a local run: the contract `--summary-json` writes. Extend it; never break it. */
export interface RunSummary {
  /** The exchange whose API the simulator spoke and whose ccxt class traded (`exchange.id`). */
  readonly exchange: string;
  readonly ticks: number;
  readonly symbols: readonly string[];
  readonly invocations: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly deadLettered: number;
  /**
   * Symbol ticks that ended skipped, by {@link SkipReason}: `stale`, `halted` and `breaker`
   * always (0 when none), every other reason (`deadline`, `disabled`, ...) as soon as one tick
   * ended with it. `halted` also counts the due ticks the fan-out did not dispatch while halted.
   */
  readonly skipped: SkippedByReason;
  /**
   * How the symbol ticks that ran ended, each counted once however often it was retried: `ok`
   * (decided, traded or not), `skipped` (any skip reason) and `failed` (its last
   * attempt failed, or it never recorded a result). They add up to the ticks invoked.
   */
  readonly tickOutcomes: TickOutcomes;
  readonly orders: {
    /** Market orders the bot sized and recorded, and stops that filled. */
    readonly intents: number;
    /** Fills the exchange made: market orders and triggered stops. */
    readonly exchange: number;
    readonly duplicates: number;
  };
  readonly trades: readonly {
    readonly symbol: string;
    readonly side: string;
    /** The decision candle; for a stop's fill, the candle it filled in. */
    readonly candleTime: number;
    readonly price: number;
    readonly amount: number;
    readonly clientOrderId: string;
    /** Why a sell closed the position: `signal`, `stoploss`, `trailing`, `roi` or `manual`. */
    readonly reason?: string;
  }[];
  /**
   * Positions held at the end, and how many of them hold exactly one stop resting on the
   * exchange for what they hold: equal when every open position is protected.
   */
  readonly positions: { readonly open: number; readonly withStopOnExchange: number };
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
  /** How a `--resume` run took over from the last one; absent on a fresh run. */
  readonly resume?: ResumeSummary;
  /** The trade events told during the run, by kind, and how the webhooks took them. */
  readonly notifications?: NotificationSummary;
}

/** What a resume found and did before its first tick. */
export interface ResumeSummary {
  /** The tick it continued from: the one the last run started last (ISO). */
  readonly fromTickAt: string;
  /** Symbol ticks the last run left in flight, sent to the queue again. */
  readonly redelivered: number;
  /** Symbols whose state and the exchange's fills disagreed: not traded by this run. */
  readonly unreconciled: readonly {
    readonly symbol: string;
    readonly reason: string;
    /** The symbol's due ticks this run did not dispatch because of it. */
    readonly ticksRefused: number;
  }[];
}

export type SkippedByReason = Readonly<
  Record<'stale' | 'halted' | 'breaker', number> & Partial<Record<SkipReason, number>>
>;

/** The reasons the summary has always listed, so its readers find them even at 0. */
const alwaysListed: readonly SkipReason[] = [
  SkipReason.Stale,
  SkipReason.Halted,
  SkipReason.Breaker,
];

export interface TickOutcomes {
  readonly ok: number;
  readonly skipped: number;
  readonly failed: number;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
}

export interface SymbolSummary {
  /** Messages of this symbol that were invoked at least once. */
  readonly ticks: number;
  /** Trade invocations that succeeded and failed (a retried message counts once per attempt). */
  readonly succeeded: number;
  readonly failed: number;
  /** Symbol ticks that ended skipped (see {@link RunSummary.tickOutcomes}). */
  readonly skipped: number;
  /** Symbol ticks that ended ok, and those that ended failed. */
  readonly ok: number;
  readonly failedTicks: number;
  /** This symbol's messages in the dead-letter queue at the end. */
  readonly deadLettered: number;
  readonly breaker: BreakerState;
  readonly orders: number;
  readonly position: number;
  /** The same position as the exchange's own record of fills has it (net amount bought). */
  readonly exchangePosition: number;
  /** Realised plus unrealised pnl, in the quote currency. */
  readonly pnl: number;
  /** The part of `pnl` still open: the position held, marked at the last close. */
  readonly unrealisedPnl: number;
  /** The close the position is marked at (the last traded price); 0 when unknown. */
  readonly markPrice: number;
  readonly latencyMs: Latency;
}

export interface SummaryInput {
  readonly exchange: string;
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
  /** Orders resting on the exchange at the end (stops). */
  readonly exchangeOpenOrders?: readonly SimOrder[];
  /** Due symbol ticks the fan-out did not dispatch because trading was halted. */
  readonly haltedDispatches: number;
  readonly deadLettered: number;
  readonly deadLetteredBySymbol: ReadonlyMap<string, number>;
  /** Dead letters the trade function parked itself, with the reason attached. */
  readonly poisoned: number;
  readonly tickPeriodMs: number;
  /** Last traded price of each symbol, to mark open positions. */
  readonly lastPrices: Readonly<Record<string, number>>;
  readonly resume?: ResumeSummary;
  readonly notifications?: NotificationSummary;
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

/**
 * The summary's latency percentile: the project's one definition (lib/stats/percentile.ts),
 * except that no values give 0, so the summary JSON never holds a NaN (which JSON writes as null).
 */
export function percentile(values: readonly number[], p: number): number {
  return values.length === 0 ? 0 : quantilePercentile(values, p);
}

const latencyOf = (values: readonly number[]): Latency => ({
  p50: percentile(values, 50),
  p99: percentile(values, 99),
});

/** How each symbol tick of `invocations` ended, by the tick results recorded for them. */
function tickOutcomesOf(
  invocations: readonly InvocationRecord[],
  results: readonly TickResult[],
): TickOutcomes {
  const status = new Map(results.map((t) => [t.tickId, t.status] as const));
  const ticks = new Set<string>();
  for (const r of invocations) {
    if (r.symbol === undefined || r.scheduledAt === undefined) continue;
    ticks.add(tickId({ symbol: r.symbol, scheduledAt: Date.parse(r.scheduledAt) }));
  }
  let ok = 0;
  let skipped = 0;
  for (const id of ticks) {
    const s = status.get(id);
    if (s === TickStatus.Ok) ok++;
    else if (s === TickStatus.Skipped) skipped++;
  }
  return { ok, skipped, failed: ticks.size - ok - skipped };
}

/** Skipped ticks counted by reason, in {@link SkipReason}'s order. */
function skippedByReason(ticks: readonly TickResult[], haltedDispatches: number): SkippedByReason {
  const counts = new Map<SkipReason, number>(Object.values(SkipReason).map((r) => [r, 0]));
  for (const t of ticks) {
    if (t.skipReason !== undefined) counts.set(t.skipReason, (counts.get(t.skipReason) ?? 0) + 1);
  }
  counts.set(SkipReason.Halted, (counts.get(SkipReason.Halted) ?? 0) + haltedDispatches);
  const listed = [...counts].filter(([r, n]) => n > 0 || alwaysListed.includes(r));
  return Object.fromEntries(listed) as SkippedByReason;
}

/**
 * Open positions, and those protected by exactly one stop resting on the exchange that sells
 * what the position holds (no second stop that could sell it twice).
 */
function protectedPositions(
  positions: readonly Position[],
  resting: readonly SimOrder[],
): RunSummary['positions'] {
  const open = positions.filter((p) => p.amount > 0);
  const withStop = open.filter((p) => {
    const stops = resting.filter((o) => o.symbol === p.symbol && o.type === 'stop');
    return stops.length === 1 && Math.abs((stops[0]?.amount ?? 0) - p.amount) < 1e-9;
  });
  return { open: open.length, withStopOnExchange: withStop.length };
}

/** Builds the run summary from what each part recorded on its own. */
export function summarise(input: SummaryInput): RunSummary {
  const ok = (r: InvocationRecord) => r.outcome.ok && !r.itemFailed;
  const latencies = new Map<string, number[]>();
  for (const [r, latency] of tickLatencies(input.invocations, input.fanOutStartedAt)) {
    const symbol = r.symbol ?? '';
    latencies.set(symbol, [...(latencies.get(symbol) ?? []), latency]);
  }

  const finalTicks = input.tickResults;
  const exchangeBySymbol = (symbol: string) =>
    input.exchangeOrders.filter((o) => o.symbol === symbol);
  // The tick an order belongs to is the one it was decided at (its id carries the decision
  // candle, and that tick is scheduled as the candle closes); a retry after a lost response may
  // reach the exchange a tick later, and is still that tick's order. An id of another shape
  // falls back to the tick period the exchange received it in.
  const period = input.tickPeriodMs;
  const buckets = new Map<string, number>();
  for (const o of input.exchangeOrders) {
    const candle = intentCandleTime(o.clientOrderId);
    const scheduledAt =
      candle === undefined ? Math.floor(o.time / period) * period : candle + period;
    const key = tickId({ symbol: o.symbol, scheduledAt });
    buckets.set(key, (buckets.get(key) ?? 0) + 1);
  }
  const duplicates = [...buckets.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);

  const perSymbol: Record<string, SymbolSummary> = {};
  for (const symbol of input.symbols) {
    const mine = input.invocations.filter((r) => r.symbol === symbol);
    const position = input.positions.find((p) => p.symbol === symbol);
    const price = input.lastPrices[symbol] ?? position?.entryPrice ?? 0;
    const outcomes = tickOutcomesOf(
      mine,
      finalTicks.filter((t) => t.symbol === symbol),
    );
    const pnl = position ? totalPnl(position, price) : 0;
    perSymbol[symbol] = {
      ticks: new Set(mine.map((r) => r.messageId)).size,
      succeeded: mine.filter(ok).length,
      failed: mine.filter((r) => !ok(r)).length,
      skipped: finalTicks.filter((t) => t.symbol === symbol && t.status === 'skipped').length,
      ok: outcomes.ok,
      failedTicks: outcomes.failed,
      deadLettered: input.deadLetteredBySymbol.get(symbol) ?? 0,
      breaker: input.health.find((h) => h.symbol === symbol)?.breaker ?? BreakerState.Closed,
      orders: exchangeBySymbol(symbol).length,
      position: position?.amount ?? 0,
      exchangePosition: netFilled(exchangeBySymbol(symbol)),
      pnl,
      unrealisedPnl: position ? pnl - position.realisedPnl : 0,
      markPrice: price,
      latencyMs: latencyOf(latencies.get(symbol) ?? []),
    };
  }

  return {
    exchange: input.exchange,
    ticks: input.ticks,
    symbols: input.symbols,
    invocations: input.invocations.length,
    succeeded: input.invocations.filter(ok).length,
    failed: input.invocations.filter((r) => !ok(r)).length,
    retried: input.invocations.filter((r) => r.receiveCount > 1).length,
    deadLettered: input.deadLettered,
    skipped: skippedByReason(finalTicks, input.haltedDispatches),
    tickOutcomes: Object.values(perSymbol).reduce(
      (sum, s) => ({
        ok: sum.ok + s.ok,
        skipped: sum.skipped + s.skipped,
        failed: sum.failed + s.failedTicks,
      }),
      { ok: 0, skipped: 0, failed: 0 },
    ),
    orders: {
      // A stop is an intent to trade only once it fills; until then it is protection.
      intents: input.orders.filter((o) =>
        o.kind === 'stop' ? (o.filledAmount ?? 0) > 0 : o.amount > 0,
      ).length,
      exchange: input.exchangeOrders.length,
      duplicates,
    },
    trades: input.orders
      .filter((o) => (o.filledAmount ?? 0) > 0)
      .map((o) => ({ o, at: o.fillCandleTime ?? o.candleTime }))
      // In time order, never in the order of the client ids: within one candle a stop that
      // filled inside it comes before the order its close decided.
      .sort(
        (a, b) =>
          a.at - b.at ||
          a.o.symbol.localeCompare(b.o.symbol) ||
          Number(a.o.side === 'buy') - Number(b.o.side === 'buy'),
      )
      .map(({ o, at }) => ({
        symbol: o.symbol,
        side: o.side,
        candleTime: at,
        price: o.averagePrice ?? o.referencePrice,
        amount: o.filledAmount ?? 0,
        clientOrderId: o.clientOrderId,
        ...(o.exitReason === undefined ? {} : { reason: o.exitReason }),
      })),
    positions: protectedPositions(input.positions, input.exchangeOpenOrders ?? []),
    latencyMs: latencyOf([...latencies.values()].flat()),
    perSymbol,
    silent: input.silent,
    breakers: Object.fromEntries(
      input.symbols.map((s) => [s, perSymbol[s]?.breaker ?? BreakerState.Closed]),
    ),
    poisoned: input.poisoned,
    timeScale: input.timeScale,
    ...(input.resume === undefined ? {} : { resume: input.resume }),
    ...(input.notifications === undefined ? {} : { notifications: input.notifications }),
  };
}
