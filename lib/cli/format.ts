import { notificationLines } from '../local/notifier.js';
import type { RunSummary } from '../local/summary.js';
import { formatNumber, type NumberPrecision } from '../report/format-number.js';
import { textTable } from '../report/text-table.js';

/** How finely to print a symbol's figures: its market's steps where the caller knows them. */
export interface SummaryPrecision {
  readonly amount?: NumberPrecision;
  readonly pnl?: NumberPrecision;
}

// Latencies read best as whole milliseconds; the JSON keeps the fractions.
const ms = (value: number) => formatNumber(value, { step: 1 });

/**
 * The per-symbol table and totals printed at the end of a run. `ok`, `failed` and `skipped` count
 * symbol ticks by how they ended (they add up to `ticks`); the totals below count invocations.
 */
export function formatSummary(
  summary: RunSummary,
  precision: Readonly<Record<string, SummaryPrecision>> = {},
): string {
  const rows = Object.entries(summary.perSymbol).map(([symbol, s]) => [
    symbol,
    String(s.ticks),
    String(s.ok),
    String(s.failedTicks),
    String(s.skipped),
    s.breaker,
    String(s.orders),
    formatNumber(s.position, precision[symbol]?.amount),
    formatNumber(s.pnl, precision[symbol]?.pnl),
    formatNumber(s.unrealisedPnl, precision[symbol]?.pnl),
    ms(s.latencyMs.p50),
    ms(s.latencyMs.p99),
  ]);
  const head = [
    'symbol',
    'ticks',
    'ok',
    'failed',
    'skipped',
    'breaker',
    'orders',
    'position',
    'pnl',
    'unrealised',
    'p50 ms',
    'p99 ms',
  ];
  const { skipped, orders, tickOutcomes } = summary;
  const align = head.map((h) => (h === 'symbol' || h === 'breaker' ? 'left' : 'right'));
  return [
    textTable(head, rows, align),
    '',
    `symbol ticks: ok ${tickOutcomes.ok}  skipped ${tickOutcomes.skipped}  failed ${tickOutcomes.failed}`,
    `ticks ${summary.ticks}  invocations ${summary.invocations}  succeeded ${summary.succeeded}  failed ${summary.failed}  retried ${summary.retried}  dead-lettered ${summary.deadLettered}`,
    `skipped: ${Object.entries(skipped)
      .map(([reason, n]) => `${reason} ${n}`)
      .join('  ')}  poison messages ${summary.poisoned}`,
    `silent symbols: ${summary.silent.length > 0 ? summary.silent.join(', ') : 'none'}`,
    `exchange: ${summary.exchange} (simulator)  orders: intents ${orders.intents}  on the exchange ${orders.exchange}  duplicates ${orders.duplicates}  fills ${summary.trades.length}`,
    `positions: open ${summary.positions.open}  with their stop on the exchange ${summary.positions.withStopOnExchange}${summary.positions.open > summary.positions.withStopOnExchange ? '  UNPROTECTED' : ''}`,
    `latency (fan-out start to trade end): p50 ${ms(summary.latencyMs.p50)} ms  p99 ${ms(summary.latencyMs.p99)} ms`,
    `pnl is realised plus unrealised; unrealised marks the position held at the last close`,
    `function timeouts scaled by ${summary.timeScale} for this local run`,
    ...notificationLines(summary.notifications),
    ...resumeLines(summary),
  ].join('\n');
}

/** What a resume took over, and each symbol it refused to trade, one line each. */
function resumeLines({ resume }: RunSummary): string[] {
  if (resume === undefined) return [];
  return [
    `resumed from the tick at ${resume.fromTickAt}; symbol ticks left in flight and sent again ${resume.redelivered}`,
    ...resume.unreconciled.map(
      (u) => `NOT RECONCILED ${u.symbol}: ${u.reason}; ${u.ticksRefused} due tick(s) not traded`,
    ),
  ];
}
