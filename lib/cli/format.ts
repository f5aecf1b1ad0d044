import type { RunSummary } from '../local/summary.js';

/** Renders rows as a left-aligned text table with a header rule. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The per-symbol table and totals printed at the end of a run. */
export function formatSummary(summary: RunSummary): string {
  const rows = Object.entries(summary.perSymbol).map(([symbol, s]) => [
    symbol,
    String(s.ticks),
    String(s.succeeded),
    String(s.failed),
    String(s.skipped),
    s.breaker,
    String(s.orders),
    s.position.toFixed(3),
    s.pnl.toFixed(8),
    String(s.latencyMs.p50),
    String(s.latencyMs.p99),
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
    'p50 ms',
    'p99 ms',
  ];
  const { skipped, orders } = summary;
  return [
    table(head, rows),
    '',
    `ticks ${summary.ticks}  invocations ${summary.invocations}  succeeded ${summary.succeeded}  failed ${summary.failed}  retried ${summary.retried}  dead-lettered ${summary.deadLettered}`,
    `skipped: stale ${skipped.stale}  halted ${skipped.halted}  breaker ${skipped.breaker}  poison messages ${summary.poisoned}`,
    `silent symbols: ${summary.silent.length > 0 ? summary.silent.join(', ') : 'none'}`,
    `orders: intents ${orders.intents}  on the exchange ${orders.exchange}  duplicates ${orders.duplicates}`,
    `latency (fan-out start to trade end): p50 ${summary.latencyMs.p50} ms  p99 ${summary.latencyMs.p99} ms`,
    `function timeouts scaled by ${summary.timeScale} for this local run`,
  ].join('\n');
}
