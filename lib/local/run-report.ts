/**
 * Turns a local run (`npm start`) into the {@link ReportInput} that `renderReport` draws. Every
 * headline figure is copied from the {@link RunSummary}, never recomputed, so the page and
 * `--summary-json` cannot disagree.
 */
import type { Candle } from '../domain/candle.js';
import { defaultFeeRate } from '../domain/fee-rate.js';
import { equityCurve, roundTrips, type TradeFill } from '../domain/round-trips.js';
import { Side } from '../domain/signal.js';
import { feeSignificant, formatNumber } from '../report/format-number.js';
import type {
  FailureRow,
  MarketSteps,
  ReportInput,
  SymbolReport,
  SymbolTable,
  TradeRow,
} from '../report/report-input.js';
import { isoMinute } from '../report/svg-charts.js';
import { notificationFigures } from './notifier.js';
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
  | 'tickOutcomes'
  | 'orders'
  | 'positions'
  | 'trades'
  | 'latencyMs'
  | 'notifications'
> &
  Partial<
    Pick<
      RunSummary,
      'exchange' | 'synthetic' | 'dueSymbolTicks' | 'lost' | 'peakRssBytes' | 'tickLatency'
    >
  > & {
    readonly perSymbol: Readonly<
      Record<
        string,
        Pick<
          SymbolSummary,
          | 'ticks'
          | 'ok'
          | 'skipped'
          | 'failedTicks'
          | 'succeeded'
          | 'failed'
          | 'orders'
          | 'position'
          | 'pnl'
          | 'unrealisedPnl'
          | 'markPrice'
          | 'latencyMs'
        > &
          Partial<Pick<SymbolSummary, 'synthetic'>>
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
  /** Fee rate charged on the value of each fill, in the quote currency; default 0.1 %. */
  readonly feeRate?: number;
  /**
   * Each symbol's price tick and amount step, where known, to round prices and amounts to;
   * figures without one are shown to six significant digits.
   */
  readonly markets?: Readonly<Record<string, MarketSteps>>;
  /** Scheduled times (epoch ms) of the run's first and last tick, for the subtitle. */
  readonly span?: { readonly firstTick: number; readonly lastTick: number };
  /** Ticks the trade function skipped, one per tick result, listed in the failure table. */
  readonly skips?: readonly { readonly symbol: string; readonly reason: string }[];
  /** Default `tickfan run report`. */
  readonly title?: string;
}

type Trade = RunSummary['trades'][number];

/** The fee rate of the simulator and of `paper.feeRate` when the config leaves it out. */
export { defaultFeeRate } from '../domain/fee-rate.js';

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
 * The headline figures of a run: the summary JSON's own numbers, shown with the one formatting
 * helper. Fills are the filled orders; round trips are the entries closed by an exit.
 */
export function runFigures(
  summary: ReportedSummary,
  feeRate = defaultFeeRate,
): [label: string, value: string][] {
  const fills = fillsOf(summary.trades, feeRate);
  const closed = [...fills.values()]
    .flatMap((f) => roundTrips(f, Number.NaN))
    .filter((t) => !t.open).length;
  const figures: [string, number][] = [
    ['ticks', summary.ticks],
    ['symbol ticks: ok', summary.tickOutcomes.ok],
    ['symbol ticks: skipped', summary.tickOutcomes.skipped],
    ['symbol ticks: failed', summary.tickOutcomes.failed],
    ['invocations', summary.invocations],
    ['succeeded', summary.succeeded],
    ['failed', summary.failed],
    ['retried', summary.retried],
    ['dead-lettered', summary.deadLettered],
    ...Object.entries(summary.skipped).map(([reason, n]): [string, number] => [
      `skipped: ${reason}`,
      n,
    ]),
    ['orders: intents', summary.orders.intents],
    ['orders: on the exchange', summary.orders.exchange],
    ['orders: duplicates', summary.orders.duplicates],
    ['fills', summary.trades.length],
    ['positions: open', summary.positions.open],
    ['positions: with their stop on the exchange', summary.positions.withStopOnExchange],
    ['round trips', closed],
    ['latency p50 (ms)', summary.latencyMs.p50],
    ['latency p99 (ms)', summary.latencyMs.p99],
    ...scaleFigures(summary),
    ...notificationFigures(summary.notifications),
  ];
  return figures.map(([label, value]) => [label, formatNumber(value)]);
}

/** The figures that tell a run of many symbols kept up: losses, tick latency, memory, requests. */
function scaleFigures(summary: ReportedSummary): [string, number][] {
  const { exchange, tickLatency } = summary;
  return [
    ...(summary.synthetic === undefined
      ? []
      : ([['synthetic symbols', summary.synthetic]] as [string, number][])),
    ...(summary.lost === undefined || summary.dueSymbolTicks === undefined
      ? []
      : ([
          ['symbol ticks: due', summary.dueSymbolTicks],
          ['symbol ticks: lost', summary.lost],
        ] as [string, number][])),
    ...(tickLatency === undefined
      ? []
      : ([
          ['tick latency p50 (ms)', tickLatency.p50Ms],
          ['tick latency p99 (ms)', tickLatency.p99Ms],
          ['tick latency max (ms)', tickLatency.max],
          [
            'ticks done within their period',
            tickLatency.ticks.filter((t) => t.withinPeriod).length,
          ],
        ] as [string, number][])),
    ...(summary.peakRssBytes === undefined
      ? []
      : ([['peak memory (MiB)', Math.round(summary.peakRssBytes / 2 ** 20)]] as [
          string,
          number,
        ][])),
    ...(exchange === undefined
      ? []
      : ([
          ['exchange requests', exchange.requests],
          ['exchange request weight', exchange.weight],
          ['exchange 429 answers', exchange.http429],
          ['exchange 418 answers', exchange.http418],
          ['exchange markets requests', exchange.marketsRequests],
        ] as [string, number][])),
  ];
}

/**
 * Each symbol's fills as the shared round-trip and equity computation takes them, the fee of
 * each being `feeRate` of its value (the summary lists no fees). A side other than `sell` buys,
 * as nothing else comes out of the order store.
 */
export function fillsOf(trades: readonly Trade[], feeRate: number): Map<string, TradeFill[]> {
  const bySymbol = new Map<string, TradeFill[]>();
  for (const t of trades) {
    const fills = bySymbol.get(t.symbol) ?? [];
    fills.push({
      side: t.side === Side.Sell ? Side.Sell : Side.Buy,
      candleTime: t.candleTime,
      price: t.price,
      amount: t.amount,
      fee: t.price * t.amount * feeRate,
    });
    bySymbol.set(t.symbol, fills);
  }
  return bySymbol;
}

/**
 * The run's round trips, every symbol's, ordered by entry; a position still open is marked at
 * its symbol's last close (`lastCloses`), its pnl unrealised.
 */
export function tradeRows(
  trades: readonly Trade[],
  feeRate: number,
  lastCloses: Readonly<Record<string, number>>,
): TradeRow[] {
  const rows: TradeRow[] = [];
  for (const [symbol, fills] of fillsOf(trades, feeRate)) {
    const mark = lastCloses[symbol] ?? fills.at(-1)?.price ?? Number.NaN;
    for (const t of roundTrips(fills, mark)) {
      rows.push({
        symbol,
        entryTime: t.entryTime,
        entryPrice: t.entryPrice,
        ...(t.exitTime === undefined ? {} : { exitTime: t.exitTime }),
        ...(t.exitPrice === undefined ? {} : { exitPrice: t.exitPrice }),
        ...(t.open ? { markPrice: mark } : {}),
        amount: t.amount,
        fee: t.fees,
        pnl: t.pnl,
        return: t.return,
      });
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
  fills: readonly TradeFill[],
  feeRate: number,
  start: number,
): SymbolReport {
  const { summary } = data;
  const candles = data.candles[symbol] ?? [];
  const trades = summary.trades.filter((t) => t.symbol === symbol);
  const quote = symbol.split('/')[1];
  const own = summary.perSymbol[symbol];
  const steps = data.markets?.[symbol];
  const amount = steps?.amountStep === undefined ? {} : { step: steps.amountStep };
  const price = steps?.priceStep === undefined ? {} : { step: steps.priceStep };
  const figures: [string, string][] = own
    ? [
        ['ticks', String(own.ticks)],
        ['ok', String(own.ok)],
        ['skipped', String(own.skipped)],
        ['failed', String(own.failedTicks)],
        ['invocations succeeded', String(own.succeeded)],
        ['invocations failed', String(own.failed)],
        ['orders', String(own.orders)],
        ['fills', String(trades.length)],
        ['position', formatNumber(own.position, amount)],
        ['pnl', formatNumber(own.pnl)],
        [
          'unrealised pnl',
          own.position > 0
            ? `${formatNumber(own.unrealisedPnl)} (at ${formatNumber(own.markPrice, price)})`
            : '0',
        ],
        ['latency p50 (ms)', formatNumber(own.latencyMs.p50)],
        ['latency p99 (ms)', formatNumber(own.latencyMs.p99)],
      ]
    : [];
  const currency = quote ?? 'the quote currency';
  const equity = equityCurve(candles, fills, start);
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
    equity: candles.map((c, k) => ({ time: c.time, value: equity[k] ?? start })),
    equityNote:
      `${formatNumber(start)} ${currency} at the start, plus the pnl of this symbol's fills ` +
      `(fee ${formatNumber(feeRate * 100, { significant: feeSignificant })} % of each fill's value), with the amount held marked at each ` +
      "candle's close; the last value less the start is the symbol's pnl.",
  };
}

/**
 * Symbols a run report charts and gives a row of their own at most; with more, the ones worth a
 * look come first and the rest are summed in one row, so a thousand symbols stay one readable page.
 */
export const reportedSymbols = 25;

/** Failure groups a run report lists at most; the rest are summed by kind. */
export const reportedFailures = 50;

/**
 * The symbols in the order a report shows them: all of them as configured when they fit;
 * otherwise the configured before the synthetic, each those with failed, then skipped ticks,
 * then the most orders first.
 */
export function rankSymbols(summary: ReportedSummary): string[] {
  if (summary.symbols.length <= reportedSymbols) return [...summary.symbols];
  const own = (symbol: string) => summary.perSymbol[symbol];
  return summary.symbols
    .map((symbol, index) => ({ symbol, index, s: own(symbol) }))
    .sort(
      (a, b) =>
        Number(a.s?.synthetic ?? false) - Number(b.s?.synthetic ?? false) ||
        (b.s?.failedTicks ?? 0) - (a.s?.failedTicks ?? 0) ||
        (b.s?.skipped ?? 0) - (a.s?.skipped ?? 0) ||
        (b.s?.orders ?? 0) - (a.s?.orders ?? 0) ||
        a.index - b.index,
    )
    .map((r) => r.symbol);
}

/** One row per symbol shown, and one summing the others (see {@link reportedSymbols}). */
function symbolTable(summary: ReportedSummary, ranked: readonly string[]): SymbolTable {
  const shown = ranked.slice(0, reportedSymbols);
  const rest = ranked.slice(reportedSymbols).flatMap((symbol) => {
    const own = summary.perSymbol[symbol];
    return own === undefined ? [] : [own];
  });
  const rows = shown.flatMap((symbol) => {
    const s = summary.perSymbol[symbol];
    if (s === undefined) return [];
    return [
      {
        symbol,
        cells: [
          s.synthetic ? `${symbol} (synthetic)` : symbol,
          String(s.ticks),
          String(s.ok),
          String(s.skipped),
          String(s.failedTicks),
          String(s.orders),
          formatNumber(s.pnl),
          formatNumber(s.latencyMs.p50),
          formatNumber(s.latencyMs.p99),
        ],
      },
    ];
  });
  if (rest.length > 0) {
    const sum = (pick: (s: (typeof rest)[number]) => number) =>
      String(rest.reduce((total, s) => total + pick(s), 0));
    const synthetic = rest.filter((s) => s.synthetic).length;
    rows.push({
      cells: [
        `${rest.length} other symbols${synthetic > 0 ? ` (${synthetic} synthetic)` : ''}`,
        sum((s) => s.ticks),
        sum((s) => s.ok),
        sum((s) => s.skipped),
        sum((s) => s.failedTicks),
        sum((s) => s.orders),
        formatNumber(rest.reduce((total, s) => total + s.pnl, 0)),
        '',
        '',
      ],
    } as (typeof rows)[number]);
  }
  const synthetic = summary.synthetic ?? 0;
  return {
    caption: `Symbols: ${summary.symbols.length}${synthetic > 0 ? `, ${synthetic} of them synthetic` : ''}`,
    note:
      (rest.length > 0
        ? `The ${shown.length} symbols worth a look first (failed, then skipped ticks, then orders; configured before synthetic), charted below; the other ${rest.length} summed in the last row. `
        : '') +
      "A synthetic market is generated by the simulator (npm start -- --synthetic N), not one of the config's symbols.",
    head: ['symbol', 'ticks', 'ok', 'skipped', 'failed', 'orders', 'pnl', 'p50 ms', 'p99 ms'],
    rows,
  };
}

/** The first {@link reportedFailures} failure groups, and the rest summed by kind. */
function cappedFailures(rows: readonly FailureRow[]): FailureRow[] {
  if (rows.length <= reportedFailures) return [...rows];
  const byKind = new Map<string, { symbols: Set<string>; count: number }>();
  for (const r of rows.slice(reportedFailures)) {
    const kind = byKind.get(r.kind) ?? { symbols: new Set<string>(), count: 0 };
    kind.symbols.add(r.symbol);
    kind.count += r.count;
    byKind.set(r.kind, kind);
  }
  return [
    ...rows.slice(0, reportedFailures),
    ...[...byKind].map(([kind, k]) => ({
      symbol: `${k.symbols.size} other symbols`,
      kind,
      count: k.count,
    })),
  ];
}

/** The symbols under the title: all of them when few, else the first few and how many more. */
function symbolsLine(summary: ReportedSummary): string {
  const synthetic = summary.synthetic ?? 0;
  const configured = summary.symbols.length - synthetic;
  const named = summary.symbols.slice(0, Math.min(configured, 10));
  const more = configured - named.length;
  return [
    named.join(', ') + (more > 0 ? ` and ${more} more` : ''),
    ...(synthetic > 0 ? [`${synthetic} synthetic`] : []),
  ].join(' + ');
}

/** The run report of a local run: figures, per-symbol charts, latencies, failures, trades. */
export function runReportInput(data: RunReportData): ReportInput {
  const { summary } = data;
  const feeRate = data.feeRate ?? defaultFeeRate;
  const start = data.startBalanceQuote ?? 0;
  const fills = fillsOf(summary.trades, feeRate);
  const lastCloses: Record<string, number> = {};
  for (const [symbol, candles] of Object.entries(data.candles)) {
    const last = candles.at(-1);
    if (last !== undefined) lastCloses[symbol] = last.close;
  }
  const span = data.span
    ? `${summary.ticks} ticks from ${isoMinute(data.span.firstTick)} to ${isoMinute(data.span.lastTick)}`
    : `${summary.ticks} ticks`;
  const ranked = rankSymbols(summary);
  const charted = ranked.slice(0, reportedSymbols);
  return {
    title: data.title ?? 'tickfan run report',
    subtitle: `${span} · ${symbolsLine(summary)}`,
    figures: runFigures(summary, feeRate),
    symbolTable: symbolTable(summary, ranked),
    symbols: charted.map((s) => symbolReport(s, data, fills.get(s) ?? [], feeRate, start)),
    latenciesMs: data.invocations.flatMap((i) => (i.latencyMs === undefined ? [] : [i.latencyMs])),
    failures: cappedFailures(failureRows(data.invocations, data.skips)),
    trades: tradeRows(summary.trades, feeRate, lastCloses),
    ...(data.markets === undefined ? {} : { markets: data.markets }),
  };
}
