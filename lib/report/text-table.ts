/** How a column lines up: words read best on the left, numbers on the right. */
export type Align = 'left' | 'right';

/**
 * `rows` as a plain-text table: the header, a rule of dashes, one line per row, columns two
 * spaces apart and as wide as their widest cell, trailing spaces trimmed. `align` gives each
 * column's alignment; by default the first column is left-aligned and the others right-aligned
 * (a label, then figures). Used for every table the terminal prints.
 */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const alignOf = (i: number): Align => align?.[i] ?? (i === 0 ? 'left' : 'right');
  const line = (cells: readonly string[]) =>
    widths
      .map((width, i) => {
        const cell = cells[i] ?? '';
        return alignOf(i) === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
