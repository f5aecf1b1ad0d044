/**
 * Turns a local run (`npm start`) into the {@link ReportInput} that `renderReport` draws. Every
 * headline figure is copied from the {@link RunSummary}, never recomputed, so the page and
 * `--summary-json` cannot disagree.
 */
import type { Candle } from '../domain/candle.js';
import type { FailureRow, ReportInput, SymbolReport, TradeRow } from '../report/report-input.js';
import { formatNumber, isoMinute, type TimePoint } from '../report/svg-charts.js';
import type { InvocationRecord } from './sqs-event-source.js';
import { type RunSummary, type SymbolSummary, tickLatencies } from './summary.js';

/** One trade invocation as the report needs it. */
export interface RunInvocation {
  readonly symbol?: string;
  /** Succeeded without reporting its message as a batch item failure (the summary's `succeeded`). */
  readonly ok: boolean;
  /** For a failed invocation, what failed: `timeout`, the error's name, or `batch item failure`. */
  readonly kind?: string;
  /** For a failed invocation, the error message (shown escaped, as text). */
  readonly error?: string;
  readonly durationMs: number;
  /**
   * Fan-out start to the end of this invocation; set on the last invocation of each symbol tick
   * only, so these are exactly the values the summary's latency percentiles are taken over.
   */
  readonly latencyMs?: number;
}

/**
 * The parts of the run summary a run report reads. A whole {@link RunSummary} fits; naming the
 * parts keeps the report (and its fixtures) independent of fields the summary gains later.
 */
export type ReportedSummary = Pick<
  RunSummary,
  | 'ticks'
  | 'symbols'
  | 'invocations'
  | 'succeeded'
  | 'failed'
  | 'retried'
  | 'deadLettered'
  | 'skipped'
  | 'orders'
  | 'trades'
  | 'latencyMs'
> & {
  readonly perSymbol: Readonly<
    Record<
      string,
      Pick<
        SymbolSummary,
        'ticks' | 'succeeded' | 'failed' | 'orders' | 'position' | 'pnl' | 'latencyMs'
      >
    >
  >;
};

/** Everything a run report is built from; all of it is at hand at the end of `runLocal`. */
export interface RunReportData {
  readonly summary: ReportedSummary;
  /**
   * Each symbol's candles over the run span, oldest first, from the simulator: the closes are
   * the price line and mark the equity curve.
   */
  readonly candles: Readonly<Record<string, readonly Candle[]>>;
  readonly invocations: readonly RunInvocation[];
  /**
   * Quote-currency value each symbol's equity curve starts from. Default 0, which draws the curve
   * as that symbol's PnL. (The simulator's balance is shared by every symbol of one quote
   * currency, so giving each symbol the whole balance would count it several times.)
   */
  readonly startBalanceQuote?: number;
  /** Fee rate charged on the value of each fill, in the quote currency; default 0.001. */
  readonly feeRate?: number;
  /** Scheduled times (epoch ms) of the run's first and last tick, for the subtitle. */
  readonly span?: { readonly firstTick: number; readonly lastTick: number };
  /** Ticks the trade function skipped, one per tick result, listed in the failure table. */
  readonly skips?: readonly { readonly symbol: string; readonly reason: string }[];
  /** Default `tickfan run report`. */
  readonly title?: string;
}

type Trade = RunSummary['trades'][number];

/** The fee rate of the simulator and of `paper.feeRate` when the config leaves it out. */
export const defaultFeeRate = 0.001;

/**
 * The report's view of the event source's invocation records, with the latency `summarise` takes
 * its percentiles over ({@link tickLatencies}) on the invocation that ended each symbol tick.
 */
export function runInvocations(
  records: readonly InvocationRecord[],
  fanOutStartedAt: ReadonlyMap<string, number>,
): RunInvocation[] {
  const latencies = tickLatencies(records, fanOutStartedAt);
  return records.map((r) => {
    const ok = r.outcome.ok && !r.itemFailed;
    const latencyMs = latencies.get(r);
    const failure = r.outcome.ok
      ? { kind: 'batch item failure' }
      : {
          kind: r.outcome.timedOut ? 'timeout' : r.outcome.error.name || 'error',
          error: r.outcome.error.message,
        };
    return {
      ...(r.symbol === undefined ? {} : { symbol: r.symbol }),
      ok,
      ...(ok ? {} : failure),
      durationMs: r.outcome.durationMs,
      ...(latencyMs === undefined ? {} : { latencyMs }),
    };
  });
}

/**
 * The headline figures of a run, each the summary JSON's own number as `String(n)` prints it
 * (which is how JSON prints it too).
 */
export function runFigures(summary: ReportedSummary): [label: string, value: string][] {
  const figures: [string, number][] = [
    ['ticks', summary.ticks],
    ['invocations', summary.invocations],
    ['succeeded', summary.succeeded],
    ['failed', summary.failed],
    ['retried', summary.retried],
    ['dead-lettered', summary.deadLettered],
    ['skipped: stale', summary.skipped.stale],
    ['skipped: halted', summary.skipped.halted],
    ['skipped: breaker', summary.skipped.breaker],
    ['orders: intents', summary.orders.intents],
    ['orders: on the exchange', summary.orders.exchange],
    ['orders: duplicates', summary.orders.duplicates],
    ['trades', summary.trades.length],
    ['latency p50 (ms)', summary.latencyMs.p50],
    ['latency p99 (ms)', summary.latencyMs.p99],
  ];
  return figures.map(([label, value]) => [label, String(value)]);
}

/**
 * Mark-to-market value of one symbol's trading at each candle's close: `start`, plus the cash of
 * every fill up to and including that candle (a buy pays `price × amount × (1 + feeRate)`, a
 * sell receives `price × amount × (1 − feeRate)`), plus the amount held times the close. A fill
 * is applied at the candle its `candleTime` names, whose close it was filled at.
 */
export function equityCurve(
  candles: readonly Candle[],
  trades: readonly Trade[],
  feeRate: number,
  start = 0,
): TimePoint[] {
  const sorted = [...trades].sort((a, b) => a.candleTime - b.candleTime);
  const curve: TimePoint[] = [];
  let cash = start;
  let held = 0;
  let next = 0;
  for (const candle of candles) {
    for (let t = sorted[next]; t !== undefined && t.candleTime <= candle.time; t = sorted[next]) {
      const value = t.price * t.amount;
      if (t.side === 'sell') {
        cash += value * (1 - feeRate);
        held -= t.amount;
      } else {
        cash -= value * (1 + feeRate);
        held += t.amount;
      }
      next++;
    }
    curve.push({ time: candle.time, value: cash + held * candle.close });
  }
  return curve;
}

// Below this a position counts as flat, as in lib/domain/position.ts.
const dust = 1e-12;

/**
 * Pairs each symbol's fills into round trips: buys open or add to a position at their average
 * price, each sell closes what it sells with its share of the entry fees; a position still held
 * at the end is a row without an exit. Rows are ordered by entry time.
 */
export function roundTrips(trades: readonly Trade[], feeRate: number): TradeRow[] {
  const rows: TradeRow[] = [];
  const bySymbol = new Map<string, Trade[]>();
  for (const t of trades) bySymbol.set(t.symbol, [...(bySymbol.get(t.symbol) ?? []), t]);
  for (const [symbol, fills] of bySymbol) {
    let held = 0;
    let cost = 0;
    let entryFee = 0;
    let entryTime = 0;
    for (const t of [...fills].sort((a, b) => a.candleTime - b.candleTime)) {
      const fee = t.price * t.amount * feeRate;
      if (t.side !== 'sell') {
        if (held <= dust) entryTime = t.candleTime;
        held += t.amount;
        cost += t.price * t.amount;
        entryFee += fee;
        continue;
      }
      // A long-only bot never sells what it does not hold; such a fill has no entry to pair with.
      if (held <= dust) continue;
      const sold = Math.min(t.amount, held);
      const entryPrice = cost / held;
      const feeIn = entryFee * (sold / held);
      const feeOut = t.price * sold * feeRate;
      rows.push({
        symbol,
        entryTime,
        exitTime: t.candleTime,
        entryPrice,
        exitPrice: t.price,
        amount: sold,
        fee: feeIn + feeOut,
        pnl: sold * (t.price - entryPrice) - feeIn - feeOut,
      });
      held -= sold;
      cost -= entryPrice * sold;
      entryFee -= feeIn;
      if (held <= dust) {
        held = 0;
        cost = 0;
        entryFee = 0;
      }
    }
    if (held > dust) {
      rows.push({ symbol, entryTime, entryPrice: cost / held, amount: held, fee: entryFee });
    }
  }
  return rows.sort((a, b) => a.entryTime - b.entryTime || a.symbol.localeCompare(b.symbol));
}

/** Failed invocations grouped by symbol and kind, then skipped ticks by symbol and reason. */
function failureRows(
  invocations: readonly RunInvocation[],
  skips: RunReportData['skips'],
): FailureRow[] {
  const groups = new Map<
    string,
    { symbol: string; kind: string; count: number; example?: string }
  >();
  const add = (symbol: string, kind: string, example: string | undefined) => {
    const key = JSON.stringify([symbol, kind]);
    const group = groups.get(key) ?? { symbol, kind, count: 0 };
    group.count++;
    if (group.example === undefined && example) group.example = example;
    groups.set(key, group);
  };
  for (const i of invocations) {
    if (!i.ok) add(i.symbol ?? '(unknown)', i.kind ?? 'error', i.error);
  }
  for (const s of skips ?? []) add(s.symbol, `skipped: ${s.reason}`, undefined);
  return [...groups.values()].sort(
    (a, b) => a.symbol.localeCompare(b.symbol) || a.kind.localeCompare(b.kind),
  );
}

function symbolReport(
  symbol: string,
  data: RunReportData,
  feeRate: number,
  start: number,
): SymbolReport {
  const { summary } = data;
  const candles = data.candles[symbol] ?? [];
  const trades = summary.trades.filter((t) => t.symbol === symbol);
  const quote = symbol.split('/')[1];
  const own = summary.perSymbol[symbol];
  const figures: [string, string][] = own
    ? [
        ['ticks', String(own.ticks)],
        ['succeeded', String(own.succeeded)],
        ['failed', String(own.failed)],
        ['orders', String(own.orders)],
        ['position', formatNumber(own.position)],
        ['pnl', formatNumber(own.pnl)],
        ['latency p50 (ms)', String(own.latencyMs.p50)],
        ['latency p99 (ms)', String(own.latencyMs.p99)],
      ]
    : [];
  const currency = quote ?? 'the quote currency';
  return {
    symbol,
    ...(quote === undefined ? {} : { quote }),
    figures,
    prices: candles.map((c) => ({ time: c.time, close: c.close })),
    // Every fill is a marker; a side other than buy or sell cannot come out of the order store.
    markers: trades.flatMap((t) =>
      t.side === 'buy' || t.side === 'sell'
        ? [{ time: t.candleTime, side: t.side, price: t.price }]
        : [],
    ),
    equity: equityCurve(candles, trades, feeRate, start),
    equityNote:
      `${formatNumber(start)} ${currency} at the start, plus the cash of this symbol's fills ` +
      `(fee ${formatNumber(feeRate * 100)} % of each fill's value), plus the amount held at each ` +
      "candle's close; the last value less the start is the symbol's pnl.",
  };
}

/** The run report of a local run: figures, per-symbol charts, latencies, failures, trades. */
export function runReportInput(data: RunReportData): ReportInput {
  const { summary } = data;
  const feeRate = data.feeRate ?? defaultFeeRate;
  const start = data.startBalanceQuote ?? 0;
  const span = data.span
    ? `${summary.ticks} ticks from ${isoMinute(data.span.firstTick)} to ${isoMinute(data.span.lastTick)}`
    : `${summary.ticks} ticks`;
  return {
    title: data.title ?? 'tickfan run report',
    subtitle: `${span} · ${summary.symbols.join(', ')}`,
    figures: runFigures(summary),
    symbols: summary.symbols.map((s) => symbolReport(s, data, feeRate, start)),
    latenciesMs: data.invocations.flatMap((i) => (i.latencyMs === undefined ? [] : [i.latencyMs])),
    failures: failureRows(data.invocations, data.skips),
    trades: roundTrips(summary.trades, feeRate),
  };
}
