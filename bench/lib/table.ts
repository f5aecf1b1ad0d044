import { textTable } from '../../lib/report/text-table.js';

/** A bound a figure must keep: `value <= limit` or `value >= limit`. */
export interface Target {
  readonly op: '<=' | '>=';
  readonly limit: number;
  /** How the target reads in the table, e.g. `<= 1.5 MB`. */
  readonly label: string;
}

/** `failed`: the section threw or timed out and has no figures. */
export type Verdict = 'pass' | 'miss' | 'failed' | '';

/** One line of the bench table. */
export interface Row {
  readonly section: string;
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  /** What the figure is compared with. */
  readonly anchor: string;
  readonly verdict: Verdict;
}

/** Whether `value` keeps `target`; empty for a figure without one. A NaN never passes. */
export function verdict(value: number, target: Target | undefined): Verdict {
  if (target === undefined) return '';
  if (Number.isNaN(value)) return 'miss';
  const ok = target.op === '<=' ? value <= target.limit : value >= target.limit;
  return ok ? 'pass' : 'miss';
}

const headers: Record<keyof Row, string> = {
  section: 'section',
  figure: 'figure',
  value: 'value',
  target: 'target',
  anchor: 'anchor',
  verdict: 'pass/miss',
};
const columns = Object.keys(headers) as (keyof Row)[];
// Numbers read best right-aligned; words left.
const rightAligned: ReadonlySet<keyof Row> = new Set(['value']);

/** The rows as a plain-text table: a header, a rule of dashes, one line per row. */
export function formatTable(rows: readonly Row[]): string {
  return textTable(
    columns.map((c) => headers[c]),
    rows.map((r) => columns.map((c) => r[c])),
    columns.map((c) => (rightAligned.has(c) ? 'right' : 'left')),
  );
}

/** The rows as a GitHub-flavoured Markdown table, for bench/RESULTS.md. */
export function formatMarkdownTable(rows: readonly Row[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${columns.map((c) => headers[c]).join(' | ')} |`,
    `|${columns.map((c) => (rightAligned.has(c) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => escapeCell(r[c])).join(' | ')} |`),
  ].join('\n');
}
