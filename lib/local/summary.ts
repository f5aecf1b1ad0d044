import { intentCandleTime } from '../domain/order-intent.js';
import type { Position } from '../domain/position.js';
import { totalPnl } from '../domain/position.js';
import { BreakerState, type SymbolHealth } from '../domain/symbol-health.js';
import { SkipReason, type TickResult, TickStatus, tickId } from '../domain/tick.js';
import type { OrderRecord } from '../ports/state-store.js';
import type { ExchangeRequestStats, SimOrder } from '../simulator/exchange-simulator.js';
import { percentile as quantilePercentile } from '../stats/percentile.js';
import type { NotificationSummary } from './notifier.js';
import type { InvocationRecord } from './sqs-event-source.js';

/** The summary of a local run: the contract `--summary-json` writes. Extend it; never break it. */
export interface RunSummary {
  /**
   * The exchange whose API the simulator spoke and whose ccxt class traded (`id`, the config's
   * `exchange.id`), with the requests the simulator itself counted: their rate-limit weight, the
   * 429s (slow down) and 418s (IP banned) it answered, and its markets requests.
   */
  readonly exchange: ExchangeSummary;
  readonly ticks: number;
  readonly symbols: readonly string[];
  /** Synthetic markets the run added to the config's symbols (`--synthetic N`); 0 when none. */
  readonly synthetic: number;
  /**
   * Symbol ticks the schedule made due (enabled symbols on each tick the run fanned out), and
   * those of them that ended neither ok nor skipped with a reason: a last attempt that failed,
   * a dead letter, a message never sent or never delivered. A due tick the fan-out held back
   * because trading was halted counts as skipped (`skipped.halted`), not lost.
   */
  readonly dueSymbolTicks: number;
  readonly lost: number;
  /**
   * The most memory the whole run held at once (resident set, bytes): the containers are worker
   * threads of this process, so it covers them, dynalite, local-aws-sqs and the simulator too.
   */
  readonly peakRssBytes: number;
  /** How long each tick took: from its fan-out's start to the end of its last symbol's invocation. */
  readonly tickLatency: TickLatency;
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
  /** Factor the trade function's timeout, retry delay and stale limit were scaled by for this local run. */
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

/** The exchange of a run and what the simulator counted of its requests. */
export interface ExchangeSummary extends ExchangeRequestStats {
  readonly id: string;
}

/**
 * Tick latencies: percentiles and the maximum over the run's ticks (ms), and each tick's own.
 * A tick is done when the last invocation of any of its symbol ticks ended, retries included.
 */
export interface TickLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The slowest tick's latency, ms. */
  readonly max: number;
  /** The tick period this run spaced its ticks by (the schedule's period times the time scale). */
  readonly periodMs: number;
  readonly ticks: readonly TickTiming[];
}

/** One tick of the run: how long its symbols took, and whether they all made it in its period. */
export interface TickTiming {
  /** The scheduled time (ISO). */
  readonly scheduledAt: string;
  /** Symbol ticks due at it. */
  readonly symbolTicks: number;
  /** How long its fan-out invocation took, of the fan-out function's timeout; 0 when unknown. */
  readonly fanOutMs: number;
  /** Fan-out start to the end of its last symbol tick's last invocation; 0 with none due. */
  readonly latencyMs: number;
  /** Due symbol ticks of this tick that were lost (see {@link RunSummary.lost}). */
  readonly lost: number;
  /** Every due symbol tick ended, the last within `periodMs` of the fan-out's start. */
  readonly withinPeriod: boolean;
}

/** A due symbol tick as the run knows it. */
export interface DueSymbolTick {
  readonly symbol: string;
  /** Scheduled time (ISO). */
  readonly scheduledAt: string;
  /** Not dispatched because the kill switch halted trading: skipped, not lost. */
  readonly halted?: boolean;
}

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
  /** A synthetic market added by `--synthetic`, not one of the config's symbols. */
  readonly synthetic: boolean;
}

export interface SummaryInput {
  readonly exchange: string;
  /** What the simulator counted of the requests it served. */
  readonly exchangeRequests: ExchangeRequestStats;
  readonly ticks: number;
  readonly symbols: readonly string[];
  /** The symbols among `symbols` that are synthetic markets; default none. */
  readonly syntheticSymbols?: readonly string[];
  /** Every symbol tick the run's fan-outs made due; default none. */
  readonly dueTicks?: readonly DueSymbolTick[];
  /** The run's peak resident set size, bytes. */
  readonly peakRssBytes: number;
  readonly invocations: readonly InvocationRecord[];
  /** Wall-clock start of the fan-out invocation of each tick, by scheduled time (ISO). */
  readonly fanOutStartedAt: ReadonlyMap<string, number>;
  /** How long each tick's fan-out invocation took (ms), by scheduled time (ISO); default none. */
  readonly fanOutMs?: ReadonlyMap<string, number>;
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
  /** What the run spaced its ticks by: `tickPeriodMs` times the time scale; default that product. */
  readonly tickSpacingMs?: number;
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

/**
 * Each tick's latency and the symbol ticks it lost. A tick ends with the last invocation of any
 * message of it (retries and duplicate deliveries included); a symbol tick is lost unless its
 * tick result says ok or skipped, or the fan-out held it back while halted.
 */
export function tickTimings(
  invocations: readonly InvocationRecord[],
  fanOutStartedAt: ReadonlyMap<string, number>,
  due: readonly DueSymbolTick[],
  results: readonly TickResult[],
  periodMs: number,
  fanOutMs: ReadonlyMap<string, number> = new Map(),
): TickTiming[] {
  const lastEnd = new Map<string, number>();
  for (const r of invocations) {
    if (r.scheduledAt === undefined || r.symbol === undefined) continue;
    lastEnd.set(r.scheduledAt, Math.max(lastEnd.get(r.scheduledAt) ?? 0, r.endedAt));
  }
  const ended = new Set(
    results
      .filter((t) => t.status === TickStatus.Ok || t.status === TickStatus.Skipped)
      .map((t) => t.tickId),
  );
  const dueByTick = new Map<string, { symbolTicks: number; lost: number }>();
  for (const d of due) {
    const tick = dueByTick.get(d.scheduledAt) ?? { symbolTicks: 0, lost: 0 };
    tick.symbolTicks++;
    const id = tickId({ symbol: d.symbol, scheduledAt: Date.parse(d.scheduledAt) });
    if (!d.halted && !ended.has(id)) tick.lost++;
    dueByTick.set(d.scheduledAt, tick);
  }
  // A tick with due symbol ticks but no fan-out start recorded still counts what it lost.
  const scheduled = new Set([...fanOutStartedAt.keys(), ...dueByTick.keys()]);
  return [...scheduled]
    .sort((a, b) => a.localeCompare(b))
    .map((scheduledAt) => {
      const { symbolTicks, lost } = dueByTick.get(scheduledAt) ?? { symbolTicks: 0, lost: 0 };
      const start = fanOutStartedAt.get(scheduledAt);
      const end = lastEnd.get(scheduledAt);
      const latencyMs = end === undefined || start === undefined ? 0 : Math.max(0, end - start);
      return {
        scheduledAt,
        symbolTicks,
        fanOutMs: fanOutMs.get(scheduledAt) ?? 0,
        latencyMs,
        lost,
        withinPeriod: lost === 0 && latencyMs <= periodMs,
      };
    });
}

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

/** `items` by `keyOf`, each group in the order of `items`. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
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

  const synthetic = new Set(input.syntheticSymbols ?? []);
  // Grouped once: a run of a thousand symbols would otherwise scan every record per symbol.
  const bySymbol = groupBy(input.invocations, (r) => r.symbol);
  const resultsBySymbol = groupBy(finalTicks, (t) => t.symbol);
  const exchangeOrdersBySymbol = groupBy(input.exchangeOrders, (o) => o.symbol);
  const positionOf = new Map(input.positions.map((p) => [p.symbol, p] as const));
  const healthOf = new Map(input.health.map((h) => [h.symbol, h] as const));
  const perSymbol: Record<string, SymbolSummary> = {};
  for (const symbol of input.symbols) {
    const mine = bySymbol.get(symbol) ?? [];
    const results = resultsBySymbol.get(symbol) ?? [];
    const position = positionOf.get(symbol);
    const onExchange = exchangeOrdersBySymbol.get(symbol) ?? [];
    const price = input.lastPrices[symbol] ?? position?.entryPrice ?? 0;
    const outcomes = tickOutcomesOf(mine, results);
    const pnl = position ? totalPnl(position, price) : 0;
    perSymbol[symbol] = {
      ticks: new Set(mine.map((r) => r.messageId)).size,
      succeeded: mine.filter(ok).length,
      failed: mine.filter((r) => !ok(r)).length,
      skipped: results.filter((t) => t.status === 'skipped').length,
      ok: outcomes.ok,
      failedTicks: outcomes.failed,
      deadLettered: input.deadLetteredBySymbol.get(symbol) ?? 0,
      breaker: healthOf.get(symbol)?.breaker ?? BreakerState.Closed,
      orders: onExchange.length,
      position: position?.amount ?? 0,
      exchangePosition: netFilled(onExchange),
      pnl,
      unrealisedPnl: position ? pnl - position.realisedPnl : 0,
      markPrice: price,
      latencyMs: latencyOf(latencies.get(symbol) ?? []),
      synthetic: synthetic.has(symbol),
    };
  }

  const spacingMs = input.tickSpacingMs ?? input.tickPeriodMs * input.timeScale;
  const timings = tickTimings(
    input.invocations,
    input.fanOutStartedAt,
    input.dueTicks ?? [],
    finalTicks,
    spacingMs,
    input.fanOutMs,
  );
  const tickLatencyValues = timings.map((t) => t.latencyMs);

  return {
    exchange: { id: input.exchange, ...input.exchangeRequests },
    ticks: input.ticks,
    symbols: input.symbols,
    synthetic: input.syntheticSymbols?.length ?? 0,
    dueSymbolTicks: input.dueTicks?.length ?? 0,
    lost: timings.reduce((sum, t) => sum + t.lost, 0),
    peakRssBytes: input.peakRssBytes,
    tickLatency: {
      p50Ms: percentile(tickLatencyValues, 50),
      p99Ms: percentile(tickLatencyValues, 99),
      max: tickLatencyValues.length === 0 ? 0 : Math.max(...tickLatencyValues),
      periodMs: spacingMs,
      ticks: timings,
    },
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
