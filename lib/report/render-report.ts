/**
 * Lays a {@link ReportInput} out as one self-contained HTML page: inline CSS and inline SVG drawn
 * here (lib/report/svg-charts.ts), no scripts and nothing fetched, so the file opens offline and
 * the same input always gives the same bytes.
 */
import { escapeHtml } from './escape-html.js';
import { feeSignificant, formatNumber, formatPercent } from './format-number.js';
import type {
  FailureRow,
  MarketSteps,
  ReportInput,
  SymbolReport,
  SymbolTable,
  TradeRow,
} from './report-input.js';
import { histogramBuckets, histogramChart, isoMinute, timeSeriesChart } from './svg-charts.js';

// No script may run and nothing may load: a report is a document, and an error message that
// slipped past escaping still could not execute.
const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const css = `
:root { color-scheme: light; font-family: 'DejaVu Sans', system-ui, sans-serif; color: #1f2933; }
body { margin: 0; background: #f7f8fa; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 14px 0 4px; font-weight: 600; }
.subtitle, .note { color: #52606d; font-size: 13px; margin: 4px 0; }
section { background: #fff; border: 1px solid #e4e7eb; border-radius: 6px; padding: 4px 16px 14px; margin-top: 16px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.figures th { font-weight: normal; color: #52606d; }
table.figures td { font-weight: 600; text-align: right; font-variant-numeric: tabular-nums; }
.figure-grid { display: flex; flex-wrap: wrap; gap: 0 24px; }
td.example { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; white-space: pre-wrap; word-break: break-word; max-width: 520px; }
svg { display: block; width: 100%; height: auto; font-size: 11px; }
svg text { fill: #52606d; }
svg .grid { stroke: #eef0f3; }
svg .tick, svg .domain { stroke: #9aa5b1; }
svg .line { fill: none; stroke: #2563eb; stroke-width: 1.2; stroke-linejoin: round; }
svg[data-chart="equity"] .line { stroke: #7c3aed; }
svg .dot { fill: #2563eb; }
svg .marker.buy { fill: #16a34a; stroke: #fff; stroke-width: 0.6; }
svg .marker.sell { fill: #dc2626; stroke: #fff; stroke-width: 0.6; }
svg .reference { stroke: #9aa5b1; stroke-dasharray: 4 3; }
svg .bar { fill: #2563eb; }
svg .bar.open { fill: #1e3a8a; }
svg .axis-label { fill: #7b8794; }
.legend .buy { color: #16a34a; } .legend .sell { color: #dc2626; }
.empty { color: #7b8794; font-style: italic; }
`;

/** Renders `input` as one self-contained HTML page (see the module comment). */
export function renderReport(input: ReportInput): string {
  const subtitle = input.subtitle ? `<p class="subtitle">${escapeHtml(input.subtitle)}</p>` : '';
  const sections = [
    figuresSection(input.figures),
    input.symbolTable ? symbolTableSection(input.symbolTable) : '',
    ...input.symbols.map(symbolSection),
    input.latenciesMs ? latencySection(input.latenciesMs) : '',
    input.failures ? failureSection(input.failures) : '',
    input.trades ? tradeSection(input.trades, input.markets ?? {}) : '',
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${css}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(input.title)}</h1>${subtitle}</header>
${sections.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}

function figureTable(figures: readonly (readonly [string, string])[], hook: string): string {
  const rows = figures
    .map(
      ([label, value]) =>
        `<tr><th scope="row">${escapeHtml(label)}</th><td data-figure="${escapeHtml(label)}">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  return `<table class="figures" data-table="${hook}"><tbody>${rows}</tbody></table>`;
}

function figuresSection(figures: ReportInput['figures']): string {
  // Two columns of figures read faster than one long list.
  const half = Math.ceil(figures.length / 2);
  const columns = figures.length > 8 ? [figures.slice(0, half), figures.slice(half)] : [figures];
  return `<section data-section="figures"><h2>Figures</h2><div class="figure-grid">${columns
    .map((c) => figureTable(c, 'figures'))
    .join('')}</div></section>`;
}

function symbolTableSection(table: SymbolTable): string {
  const head = table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = table.rows
    .map((r) => {
      const hook = r.symbol === undefined ? ' data-rest' : ` data-symbol="${escapeHtml(r.symbol)}"`;
      const cells = r.cells
        .map((c, i) => `<td${i === 0 ? '' : ' class="num"'}>${escapeHtml(c)}</td>`)
        .join('');
      return `<tr${hook}>${cells}</tr>`;
    })
    .join('');
  const note = table.note ? `<p class="note">${escapeHtml(table.note)}</p>` : '';
  return `<section data-section="symbols"><h2>${escapeHtml(table.caption)}</h2>${note}<table data-table="symbols"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></section>`;
}

// Wide enough for eight-digit price labels, so a symbol's price and equity charts line up in time.
const chartLeft = 88;

function symbolSection(report: SymbolReport): string {
  const symbol = escapeHtml(report.symbol);
  const quote = report.quote ? ` (${escapeHtml(report.quote)})` : '';
  const buys = report.markers.filter((m) => m.side === 'buy').length;
  const sells = report.markers.length - buys;
  const figures = report.figures?.length ? figureTable(report.figures, 'symbol-figures') : '';
  const price = timeSeriesChart({
    chart: 'price',
    symbol: report.symbol,
    title: `${report.symbol} close price with trades`,
    series: report.prices.map((p) => ({ time: p.time, value: p.close })),
    seriesName: 'close',
    markers: report.markers.map((m) => ({ time: m.time, value: m.price, side: m.side })),
    valueLabel: `close${report.quote ? ` (${report.quote})` : ''}`,
    height: 280,
    minLeft: chartLeft,
  });
  const start = report.equity[0];
  const equity = timeSeriesChart({
    chart: 'equity',
    symbol: report.symbol,
    title: `${report.symbol} equity`,
    series: report.equity,
    seriesName: 'equity',
    ...(start ? { reference: { value: start.value, label: 'start' } } : {}),
    valueLabel: `equity${report.quote ? ` (${report.quote})` : ''}`,
    height: 180,
    minLeft: chartLeft,
  });
  const note = report.equityNote ? `<p class="note">${escapeHtml(report.equityNote)}</p>` : '';
  return `<section data-section="symbol" data-symbol="${symbol}"><h2>${symbol}</h2>${figures}
<h3>Close price${quote}</h3><p class="note legend">${report.prices.length} candles, trades at the close of their candle: <span class="buy">▲ ${buys} buy${buys === 1 ? '' : 's'}</span>, <span class="sell">▼ ${sells} sell${sells === 1 ? '' : 's'}</span></p>
${price}
<h3>Equity${quote}</h3>${note}
${equity}</section>`;
}

function latencySection(latencies: readonly number[]): string {
  const histogram = histogramBuckets(latencies);
  const open = histogram.buckets.at(-1)?.open ? histogram.buckets.at(-1) : undefined;
  const rule =
    histogram.n === 0
      ? 'No latencies were recorded.'
      : `${histogram.n} values from ${formatNumber(histogram.min)} to ${formatNumber(histogram.max)} ms. ` +
        `Each bar counts the values v with lo ≤ v < lo + ${histogram.width} ms. The width is about ` +
        '2 × IQR / ∛n (Freedman–Diaconis; the range over ⌈√n⌉ when the quartiles are equal), taken ' +
        'to the nearest 1, 2 or 5 × 10ᵏ ms as d3 steps its ticks, and at least 1 ms; the first bar ' +
        'starts at a multiple of it' +
        (open
          ? `; there are at most 40 bars, and the last one counts every value from ${open.lo} ms up.`
          : '.');
  return `<section data-section="latency"><h2>Latency</h2><p class="note" data-bucket-rule>${escapeHtml(rule)}</p>${histogramChart(
    {
      chart: 'latency',
      title: 'Latency histogram',
      histogram,
      valueLabel: 'latency (ms)',
    },
  )}</section>`;
}

function failureSection(failures: readonly FailureRow[]): string {
  if (failures.length === 0) {
    return `<section data-section="failures"><h2>Failures</h2><p class="empty" data-empty="failures">no failures</p></section>`;
  }
  const rows = failures
    .map(
      (f) =>
        `<tr data-failure><td>${escapeHtml(f.symbol)}</td><td>${escapeHtml(f.kind)}</td><td class="num">${f.count}</td><td class="example">${escapeHtml(f.example ?? '')}</td></tr>`,
    )
    .join('');
  return `<section data-section="failures"><h2>Failures</h2><table data-table="failures"><thead><tr><th>symbol</th><th>kind</th><th>count</th><th>example</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function tradeSection(
  trades: readonly TradeRow[],
  markets: Readonly<Record<string, MarketSteps>>,
): string {
  const heading = (caption: string) =>
    `<section data-section="trades"><h2 data-caption>${escapeHtml(caption)}</h2>`;
  if (trades.length === 0) {
    return `${heading('Round trips')}<p class="empty" data-empty="trades">no round trips</p></section>`;
  }
  const open = trades.filter((t) => t.exitTime === undefined).length;
  const caption = `Round trips: ${trades.length - open} closed${open > 0 ? `, ${open} open` : ''}`;
  const rows = trades
    .map((t) => {
      const steps = markets[t.symbol];
      const price = (v: number | undefined) =>
        v === undefined
          ? ''
          : formatNumber(v, steps?.priceStep === undefined ? {} : { step: steps.priceStep });
      const amount = formatNumber(
        t.amount,
        steps?.amountStep === undefined ? {} : { step: steps.amountStep },
      );
      const isOpen = t.exitTime === undefined;
      const exit = isOpen ? 'open' : isoMinute(t.exitTime as number);
      const exitPrice = isOpen
        ? t.markPrice === undefined
          ? ''
          : `${price(t.markPrice)} (last close)`
        : price(t.exitPrice);
      const pnl =
        t.pnl === undefined ? '' : `${formatNumber(t.pnl)}${isOpen ? ' (unrealised)' : ''}`;
      const ret = t.return === undefined ? '' : formatPercent(t.return);
      return `<tr data-trade${isOpen ? ' data-open' : ''}><td>${escapeHtml(t.symbol)}</td><td>${isoMinute(t.entryTime)}</td><td class="num">${price(t.entryPrice)}</td><td>${exit}</td><td class="num">${exitPrice}</td><td class="num">${amount}</td><td class="num">${formatNumber(t.fee, { significant: feeSignificant })}</td><td class="num" data-pnl>${pnl}</td><td class="num" data-return>${ret}</td></tr>`;
    })
    .join('');
  return `${heading(caption)}<p class="note">An entry and its exit, fees included; an open position is marked at the last close, its pnl unrealised.</p><table data-table="trades"><thead><tr><th>symbol</th><th>entry (UTC)</th><th>entry price</th><th>exit (UTC)</th><th>exit price</th><th>amount</th><th>fees</th><th>pnl</th><th>return %</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
