import { table } from '../cli/format.js';
import type { Candle } from '../domain/candle.js';
import { clientOrderId } from '../domain/order-intent.js';
import type { RiskLimits } from '../domain/sizing.js';
import type { ReportInput } from '../report/report-input.js';
import type { BacktestResult, BacktestSummary, RoundTrip } from './run-backtest.js';

/** A finished backtest with what it was run on, as the CLI prints and saves it. */
export interface BacktestRun {
  readonly result: BacktestResult;
  /** Every candle of the data file (the result's indices point into it). */
  readonly candles: readonly Candle[];
  readonly params: Readonly<Record<string, unknown>>;
  readonly risk: RiskLimits;
  readonly feeRate: number;
  /** The data file, as given. */
  readonly data: string;
}

/** One filled order in `--json`: the `npm start` summary's trade fields plus the fee. */
export interface TradeRecord {
  readonly symbol: string;
  readonly side: string;
  readonly candleTime: number;
  /** `candleTime` as ISO 8601. */
  readonly time: string;
  readonly price: number;
  readonly amount: number;
  readonly fee: number;
  /** The client order id the trade function derives for the same intent. */
  readonly clientOrderId: string;
}

/** What `--json` writes. */
export interface BacktestJson {
  readonly symbol: string;
  readonly timeframe: string;
  readonly strategy: { readonly name: string; readonly params: Readonly<Record<string, unknown>> };
  readonly data: string;
  readonly risk: RiskLimits;
  readonly feeRate: number;
  readonly from: string;
  readonly to: string;
  readonly summary: BacktestSummary;
  readonly trades: readonly TradeRecord[];
  readonly roundTrips: readonly RoundTrip[];
}

/** How the Sharpe ratio is annualised, for every place that shows it. */
export const sharpeNote = 'per-candle equity returns, mean / sd × √(candles per 365-day year)';

/** The orders of a backtest with the ids the trade function would give them. */
export function tradeRecords(result: BacktestResult): TradeRecord[] {
  const strategy = result.summary.strategy;
  return result.trades.map((t) => ({
    symbol: t.symbol,
    side: t.side,
    candleTime: t.candleTime,
    time: new Date(t.candleTime).toISOString(),
    price: t.price,
    amount: t.amount,
    fee: t.fee,
    clientOrderId: clientOrderId({
      strategy,
      symbol: t.symbol,
      candleTime: t.candleTime,
      side: t.side,
    }),
  }));
}

/** The `--json` document: the printed figures, every order and every round trip. */
export function backtestJson(run: BacktestRun): BacktestJson {
  const { summary } = run.result;
  return {
    symbol: summary.symbol,
    timeframe: summary.timeframe,
    strategy: { name: summary.strategy, params: run.params },
    data: run.data,
    risk: run.risk,
    feeRate: run.feeRate,
    from: iso(summary.firstCandle),
    to: iso(summary.lastCandle),
    summary,
    trades: tradeRecords(run.result),
    roundTrips: run.result.roundTrips,
  };
}

/** The headline figures as label and formatted value, shared by stdout and the HTML report. */
export function backtestFigures(run: BacktestRun): [label: string, value: string][] {
  const s = run.result.summary;
  const quote = s.symbol.split('/')[1] ?? '';
  return [
    ['total return', `${percent(s.totalReturn)} of the ${s.capital} ${quote} stake`],
    ['pnl', `${amount(s.pnl)} ${quote}`],
    ['fees', `${amount(s.fees)} ${quote}`],
    ['buy and hold', percent(s.buyAndHoldReturn)],
    ['max drawdown', percent(s.maxDrawdown)],
    ['sharpe', s.sharpe === null ? 'n/a' : s.sharpe.toFixed(2)],
    ['win rate', s.winRate === null ? 'n/a' : `${percent(s.winRate)} (${s.wins}/${s.roundTrips})`],
    ['exposure', percent(s.exposure)],
    ['orders', `${s.orders}${s.rejected > 0 ? ` (${s.rejected} refused)` : ''}`],
    ['open position', `${s.position} ${s.symbol.split('/')[0] ?? ''}`],
    ['candles', String(s.candles)],
    ['gaps', `${s.gaps} (${s.missingCandles} missing candles, no decision)`],
  ];
}

/** The text printed to stdout: header, figures, then one row per round trip. */
export function formatBacktest(run: BacktestRun): string {
  const s = run.result.summary;
  const trips = run.result.roundTrips.map((t) => [
    minute(t.entryTime),
    t.exitTime === undefined ? 'open' : minute(t.exitTime),
    String(t.entryPrice),
    t.exitPrice === undefined ? '-' : String(t.exitPrice),
    String(t.amount),
    amount(t.fees),
    amount(t.pnl),
    percent(t.return),
  ]);
  return [
    `backtest ${s.symbol} ${s.timeframe}  ${s.strategy} ${JSON.stringify(run.params)}  ${minute(s.firstCandle)} → ${minute(s.lastCandle)}`,
    `data ${run.data}  stake ${run.risk.stakePerTrade}  max position ${run.risk.maxPosition}  fee ${percent(run.feeRate)}`,
    '',
    table(['figure', 'value'], backtestFigures(run)),
    `sharpe: ${sharpeNote}; returns are on the stake, the most the strategy holds`,
    '',
    trips.length === 0
      ? 'no trades'
      : table(
          ['entry', 'exit', 'entry price', 'exit price', 'amount', 'fees', 'pnl', 'return'],
          trips,
        ),
  ].join('\n');
}

/** The HTML report's input: the figures, the price with the orders, equity and round trips. */
export function backtestReportInput(run: BacktestRun): ReportInput {
  const { result, candles } = run;
  const s = result.summary;
  const quote = s.symbol.split('/')[1] ?? '';
  const span = candles.slice(result.firstIndex, result.lastIndex + 1);
  return {
    title: `Backtest ${s.symbol} ${s.timeframe} · ${s.strategy}`,
    subtitle: `${minute(s.firstCandle)} → ${minute(s.lastCandle)} · params ${JSON.stringify(run.params)} · stake ${run.risk.stakePerTrade} ${quote} · fee ${percent(run.feeRate)} · data ${run.data}`,
    figures: backtestFigures(run),
    symbols: [
      {
        symbol: s.symbol,
        quote,
        prices: span.map((c) => ({ time: c.time, close: c.close })),
        markers: result.trades.map((t) => ({ time: t.candleTime, side: t.side, price: t.price })),
        equity: span.map((c, k) => ({ time: c.time, value: result.equity[k] ?? 0 })),
        equityNote: `the ${s.capital} ${quote} stake plus pnl, marked at each close; sharpe: ${sharpeNote}`,
      },
    ],
    trades: result.roundTrips.map((t) => ({
      symbol: s.symbol,
      entryTime: t.entryTime,
      entryPrice: t.entryPrice,
      amount: t.amount,
      fee: t.fees,
      ...(t.exitTime === undefined ? {} : { exitTime: t.exitTime }),
      ...(t.exitPrice === undefined ? {} : { exitPrice: t.exitPrice }),
      ...(t.open ? {} : { pnl: t.pnl }),
    })),
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)} %`;
}

function amount(value: number): string {
  return value.toFixed(8);
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

function minute(time: number): string {
  return `${iso(time).slice(0, 16)}Z`;
}
