import type { Candle } from '../domain/candle.js';
import type { RiskLimits } from '../domain/sizing.js';
import {
  feeSignificant,
  formatNumber,
  formatPercent,
  type NumberPrecision,
} from '../report/format-number.js';
import type { ReportInput } from '../report/report-input.js';
import { textTable } from '../report/text-table.js';
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
  return result.trades.map((t) => ({
    symbol: t.symbol,
    side: t.side,
    candleTime: t.candleTime,
    time: new Date(t.candleTime).toISOString(),
    price: t.price,
    amount: t.amount,
    fee: t.fee,
    clientOrderId: t.clientOrderId,
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
  const { summary: s, roundTrips, market } = run.result;
  const quote = s.symbol.split('/')[1] ?? '';
  const base = s.symbol.split('/')[0] ?? '';
  const open = roundTrips.filter((t) => t.open);
  const unrealised = open.reduce((sum, t) => sum + t.pnl, 0);
  const lastClose = run.candles[run.result.lastIndex]?.close;
  const position =
    s.position > 0
      ? `${formatNumber(s.position, amountPrecision(run))} ${base}, unrealised pnl ${formatNumber(unrealised)} ${quote}` +
        (lastClose === undefined
          ? ''
          : ` at the last close ${formatNumber(lastClose, { step: market.priceStep })}`)
      : `0 ${base}`;
  return [
    ['total return', `${percent(s.totalReturn)} of the ${formatNumber(s.capital)} ${quote} stake`],
    ['pnl', `${formatNumber(s.pnl)} ${quote} (realised and unrealised)`],
    ['fees', `${formatNumber(s.fees, { significant: feeSignificant })} ${quote}`],
    ['buy and hold', percent(s.buyAndHoldReturn)],
    ['max drawdown', percent(s.maxDrawdown)],
    ['sharpe', s.sharpe === null ? 'n/a' : s.sharpe.toFixed(2)],
    ['win rate', s.winRate === null ? 'n/a' : `${percent(s.winRate)} (${s.wins}/${s.roundTrips})`],
    ['exposure', percent(s.exposure)],
    ['fills', `${s.orders}${s.rejected > 0 ? ` (${s.rejected} orders refused)` : ''}`],
    ['round trips', `${s.roundTrips} closed${open.length > 0 ? `, ${open.length} open` : ''}`],
    ['open position', position],
    ['candles', String(s.candles)],
    ['gaps', `${s.gaps} (${s.missingCandles} missing candles, no decision)`],
  ];
}

/** The text printed to stdout: header, figures, then one row per round trip. */
export function formatBacktest(run: BacktestRun): string {
  const s = run.result.summary;
  const price = pricePrecision(run);
  const trips = run.result.roundTrips.map((t) => [
    minute(t.entryTime),
    t.exitTime === undefined ? 'open' : minute(t.exitTime),
    formatNumber(t.entryPrice, price),
    t.exitPrice === undefined ? '-' : formatNumber(t.exitPrice, price),
    formatNumber(t.amount, amountPrecision(run)),
    formatNumber(t.fees, { significant: feeSignificant }),
    `${formatNumber(t.pnl)}${t.open ? ' unrealised' : ''}`,
    formatPercent(t.return),
  ]);
  return [
    `backtest ${s.symbol} ${s.timeframe}  ${s.strategy} ${JSON.stringify(run.params)}  ${minute(s.firstCandle)} → ${minute(s.lastCandle)}`,
    `data ${run.data}  stake ${run.risk.stakePerTrade}  max position ${run.risk.maxPosition}  fee ${percent(run.feeRate)}`,
    '',
    textTable(['figure', 'value'], backtestFigures(run), ['left', 'left']),
    `sharpe: ${sharpeNote}; returns are on the stake, the most the strategy holds`,
    '',
    trips.length === 0
      ? 'no trades'
      : [
          `round trips (an open one is marked at the last close):`,
          textTable(
            ['entry', 'exit', 'entry price', 'exit price', 'amount', 'fees', 'pnl', 'return %'],
            trips,
            ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
          ),
        ].join('\n'),
  ].join('\n');
}

/** The HTML report's input: the figures, the price with the orders, equity and round trips. */
export function backtestReportInput(run: BacktestRun): ReportInput {
  const { result, candles } = run;
  const s = result.summary;
  const quote = s.symbol.split('/')[1] ?? '';
  const span = candles.slice(result.firstIndex, result.lastIndex + 1);
  const lastClose = span.at(-1)?.close;
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
      ...(t.open && lastClose !== undefined ? { markPrice: lastClose } : {}),
      pnl: t.pnl,
      return: t.return,
    })),
    markets: {
      [s.symbol]: { priceStep: result.market.priceStep, amountStep: result.market.amountStep },
    },
  };
}

function pricePrecision(run: BacktestRun): NumberPrecision {
  return { step: run.result.market.priceStep };
}

function amountPrecision(run: BacktestRun): NumberPrecision {
  return { step: run.result.market.amountStep };
}

function percent(value: number): string {
  return `${formatPercent(value)} %`;
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

function minute(time: number): string {
  return `${iso(time).slice(0, 16)}Z`;
}
