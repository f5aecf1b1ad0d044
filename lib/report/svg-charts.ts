/**
 * Chart primitives for the HTML reports: inline SVG drawn on the server, so a report is one
 * self-contained file that renders offline, byte for byte the same for the same input, and that
 * tests can read through stable `data-*` hooks.
 *
 * Honesty rules every chart follows: straight segments between the given points (no smoothing),
 * the value axis scaled to the data's minimum and maximum (markers and reference lines included,
 * so nothing is clipped) and extended only to the nearest round tick, tick labels on both axes,
 * times in UTC.
 *
 * The maths is d3's, run on numbers and strings only (no DOM): d3-scale's `scaleLinear().nice()`
 * and `scaleUtc()` give the axes and their ticks, d3-array's `bin()` the histogram buckets.
 */
import { bin, extent, thresholdFreedmanDiaconis, tickStep } from 'd3-array';
import { scaleLinear, scaleUtc } from 'd3-scale';
import { quantileOfSorted } from '../stats/percentile.js';
import { escapeHtml } from './escape-html.js';
import { formatNumber } from './format-number.js';

/** One point of a time series: epoch ms and a value. */
export interface TimePoint {
  readonly time: number;
  readonly value: number;
}

/** A trade drawn on a time series: ▲ for a buy, ▼ for a sell, the apex at its price. */
export interface ChartMarker {
  readonly time: number;
  readonly value: number;
  readonly side: 'buy' | 'sell';
  /** Tooltip text; a default naming side, price and time is used without it. */
  readonly label?: string;
}

/** Most points a line keeps before it is downsampled. */
export const defaultMaxPoints = 1500;

/**
 * Thins `points` to at most `maxPoints` (at least 4) while keeping what the eye must see: the
 * first and last point, and the lowest and highest point of each of `(maxPoints - 2) / 2` equal
 * buckets in between, in their original order. Every spike survives, so the series' overall
 * minimum and maximum are always kept. Shorter input is returned as a copy.
 */
export function downsampleMinMax<T>(
  points: readonly T[],
  maxPoints: number,
  value: (point: T) => number,
): T[] {
  const n = points.length;
  const limit = Math.max(4, Math.floor(maxPoints));
  if (n <= limit) return [...points];
  const buckets = Math.floor((limit - 2) / 2);
  const inner = n - 2;
  const keep = new Set<number>([0, n - 1]);
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      const v = value(points[i] as T);
      if (v < value(points[lo] as T)) lo = i;
      if (v > value(points[hi] as T)) hi = i;
    }
    if (start < end) {
      keep.add(lo);
      keep.add(hi);
    }
  }
  return [...keep].sort((a, b) => a - b).map((i) => points[i] as T);
}

/** A value axis: its domain, extended to round values, and the ticks and labels inside it. */
export interface ValueAxis {
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
  readonly labels: readonly string[];
}

// The domain is niced on a finer step than the labels, so rounding it out costs at most about a
// tenth of the height: a line as flat as the data, not squeezed into the middle of its chart.
const domainSteps = 10;

/**
 * The value axis d3 gives `[min, max]`: the domain `scaleLinear().domain([min, max])
 * .nice(10)`, extended to round values on a step a tenth of the range or finer, and inside it
 * `ticks(count)` (1, 2 or 5 × 10ᵏ apart) with their `tickFormat(count)` labels. With fewer than
 * three ticks it asks for one more at a time (up to 10), since an axis with two labels hardly
 * reads as a scale.
 */
export function valueAxis(min: number, max: number, count = 5): ValueAxis {
  const scale = scaleLinear().domain([min, max]).nice(Math.max(domainSteps, count));
  let wanted = Math.max(1, count);
  while (scale.ticks(wanted).length < 3 && wanted < 10 && max > min) wanted++;
  const ticks = scale.ticks(wanted);
  const format = scale.tickFormat(wanted);
  const [d0 = min, d1 = max] = scale.domain();
  return { domain: [d0, d1], ticks, labels: ticks.map((t) => format(t)) };
}

/**
 * Tick times inside `[min, max]` (epoch ms) where d3's `scaleUtc().ticks(count)` puts them: on
 * round UTC minutes, hours, days, weeks, months or years, about `count` of them.
 */
export function timeTicks(min: number, max: number, count = 6): number[] {
  return scaleUtc()
    .domain([min, max])
    .ticks(count)
    .map((d) => d.getTime());
}

/** `2018-01-10T12:05Z`: an ISO 8601 UTC time to the minute. */
export function isoMinute(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16)}Z`;
}

/** Rounds an SVG coordinate to a tenth of a pixel: finer is invisible and only grows the file. */
const px = (n: number): string => String(Math.round(n * 10) / 10);

/** Approximate width of `text` in px at the 11 px label font, to size margins. */
const textWidth = (text: string): number => text.length * 6.6;

interface Frame {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** The value (vertical) axis: grid lines and labels at round values. */
function drawValueAxis(
  frame: Frame,
  ticks: readonly number[],
  labels: readonly string[],
  y: (v: number) => number,
): string {
  const parts = ticks.map((v, i) => {
    const at = px(y(v));
    return `<line x1="${px(frame.left)}" x2="${px(frame.right)}" y1="${at}" y2="${at}" class="grid"/><text x="${px(frame.left - 6)}" y="${at}" dy="0.32em" text-anchor="end" data-tick="${v}">${escapeHtml(labels[i] ?? '')}</text>`;
  });
  return `<g data-axis="y" class="axis">${parts.join('')}<line x1="${px(frame.left)}" x2="${px(frame.left)}" y1="${px(frame.top)}" y2="${px(frame.bottom)}" class="domain"/></g>`;
}

const day = 24 * 60 * 60_000;

/**
 * The time (horizontal) axis at d3's UTC ticks: hh:mm on one line and the date under the first
 * tick of each day, or the date alone when every tick falls on a midnight.
 */
function timeAxis(frame: Frame, min: number, max: number, x: (t: number) => number): string {
  const ticks = timeTicks(min, max, Math.max(2, Math.floor((frame.right - frame.left) / 110)));
  const daily = ticks.length > 1 && ticks.every((t) => t % day === 0);
  let lastDay = '';
  const parts = ticks.map((t) => {
    const iso = new Date(t).toISOString();
    const date = iso.slice(0, 10);
    const at = px(x(t));
    const lines: string[] = [];
    if (!daily) lines.push(iso.slice(11, 16));
    if (date !== lastDay || daily) lines.push(date);
    lastDay = date;
    const label = lines
      .map((line, i) => `<tspan x="${at}" dy="${i === 0 ? '1.1em' : '1.2em'}">${line}</tspan>`)
      .join('');
    return `<line x1="${at}" x2="${at}" y1="${px(frame.top)}" y2="${px(frame.bottom)}" class="grid"/><line x1="${at}" x2="${at}" y1="${px(frame.bottom)}" y2="${px(frame.bottom + 4)}" class="tick"/><text x="${at}" y="${px(frame.bottom + 4)}" text-anchor="middle" data-time="${iso}">${label}</text>`;
  });
  return `<g data-axis="x" class="axis">${parts.join('')}<line x1="${px(frame.left)}" x2="${px(frame.right)}" y1="${px(frame.bottom)}" y2="${px(frame.bottom)}" class="domain"/></g>`;
}

/** Hooks and labels common to every chart. */
export interface ChartHooks {
  /** `data-chart`, e.g. `price`. */
  readonly chart: string;
  /** `data-symbol`, when the chart belongs to one symbol. */
  readonly symbol?: string;
  /** The chart's accessible name (its `<title>`). */
  readonly title: string;
  readonly width?: number;
  readonly height?: number;
}

export interface TimeSeriesChartOptions extends ChartHooks {
  readonly series: readonly TimePoint[];
  /** `data-series` of the line, e.g. `close`. */
  readonly seriesName: string;
  /** Drawn on top of the line and never thinned out. */
  readonly markers?: readonly ChartMarker[];
  /** A dashed horizontal line, e.g. the starting equity. */
  readonly reference?: { readonly value: number; readonly label: string };
  /** Default {@link defaultMaxPoints}. */
  readonly maxPoints?: number;
  /** Label of the value axis, e.g. `close (BTC)`. */
  readonly valueLabel?: string;
  /** Least left margin in px: charts stacked with the same one share their time positions. */
  readonly minLeft?: number;
}

const markerSize = 9;

function markerPath(x: number, y: number, side: 'buy' | 'sell'): string {
  const half = markerSize / 2;
  // The apex sits on the price; the body points away from the line so it hides little of it.
  const dy = side === 'buy' ? markerSize : -markerSize;
  return `M${px(x)} ${px(y)}L${px(x - half)} ${px(y + dy)}H${px(x + half)}Z`;
}

function svgOpen(hooks: ChartHooks, width: number, height: number): string {
  const symbol = hooks.symbol === undefined ? '' : ` data-symbol="${escapeHtml(hooks.symbol)}"`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(hooks.title)}" data-chart="${escapeHtml(hooks.chart)}"${symbol}><title>${escapeHtml(hooks.title)}</title>`;
}

/**
 * A line over time with optional trade markers and reference line, or an empty-chart notice
 * (still carrying the chart's hooks) when there is nothing to draw. The line is thinned with
 * {@link downsampleMinMax}; markers never are.
 */
export function timeSeriesChart(options: TimeSeriesChartOptions): string {
  const width = options.width ?? 960;
  const height = options.height ?? 260;
  const markers = options.markers ?? [];
  const points = options.series.filter((p) => Number.isFinite(p.time) && Number.isFinite(p.value));
  const shown = downsampleMinMax(points, options.maxPoints ?? defaultMaxPoints, (p) => p.value);
  const drawnMarkers = markers.filter((m) => Number.isFinite(m.time) && Number.isFinite(m.value));
  if (shown.length === 0 && drawnMarkers.length === 0) {
    return `${svgOpen(options, width, 48)}<text x="${width / 2}" y="28" text-anchor="middle" class="empty" data-empty="${escapeHtml(options.chart)}">no data</text></svg>`;
  }

  const values = [
    ...shown.map((p) => p.value),
    ...drawnMarkers.map((m) => m.value),
    ...(options.reference ? [options.reference.value] : []),
  ];
  const times = [...shown.map((p) => p.time), ...drawnMarkers.map((m) => m.time)];
  let [vMin = 0, vMax = 0] = extent(values);
  if (vMin === vMax) {
    // A flat series gets a band around it so the axis still has round labels to show.
    const pad = Math.abs(vMin) * 0.01 || 1;
    vMin -= pad;
    vMax += pad;
  }
  const [tMin = 0, tMax = 0] = extent(times);

  const axis = valueAxis(vMin, vMax, Math.max(2, Math.floor(height / 50)));
  const labelWidth = Math.max(...axis.labels.map(textWidth), 24);
  const frame: Frame = {
    left: Math.max(
      options.minLeft ?? 0,
      Math.ceil(labelWidth + 14 + (options.valueLabel ? 14 : 0)),
    ),
    top: 10,
    right: width - 40,
    // two lines of tick labels (hour, date) and the axis label under them
    bottom: height - 50,
  };
  // Inset the data so a marker at the extreme price stays inside the frame.
  const inset = markerSize + 2;
  // d3 maps a one-instant domain to the middle of the range.
  const xScale = scaleUtc().domain([tMin, tMax]).range([frame.left, frame.right]);
  const yScale = scaleLinear()
    .domain(axis.domain)
    .range([frame.bottom - inset, frame.top + inset]);
  const x = (t: number) => xScale(t);
  const y = (v: number) => yScale(v);

  const line =
    shown.length === 0
      ? ''
      : `<path data-series="${escapeHtml(options.seriesName)}" data-points="${shown.length}" class="line" d="${shown
          .map((p, i) => `${i === 0 ? 'M' : 'L'}${px(x(p.time))} ${px(y(p.value))}`)
          .join('')}"/>`;
  const dot =
    shown.length === 1 && shown[0]
      ? `<circle cx="${px(x(shown[0].time))}" cy="${px(y(shown[0].value))}" r="2.5" class="dot"/>`
      : '';
  const reference = options.reference
    ? `<g data-reference="${escapeHtml(options.reference.label)}"><line x1="${px(frame.left)}" x2="${px(frame.right)}" y1="${px(y(options.reference.value))}" y2="${px(y(options.reference.value))}" class="reference"/><text x="${px(frame.right - 4)}" y="${px(y(options.reference.value) - 4)}" text-anchor="end" class="reference-label">${escapeHtml(options.reference.label)}</text></g>`
    : '';
  const markerParts = drawnMarkers.map((m) => {
    const iso = new Date(m.time).toISOString();
    const label = m.label ?? `${m.side} @ ${formatNumber(m.value)} at ${isoMinute(m.time)}`;
    return `<path data-marker="${m.side}" data-time="${iso}" data-price="${m.value}" class="marker ${m.side}" d="${markerPath(x(m.time), y(m.value), m.side)}"><title>${escapeHtml(label)}</title></path>`;
  });
  const valueLabel = options.valueLabel
    ? `<text transform="translate(12 ${px((frame.top + frame.bottom) / 2)}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(options.valueLabel)}</text>`
    : '';
  const timeLabel = `<text x="${px(frame.right)}" y="${height - 3}" text-anchor="end" class="axis-label">time (UTC)</text>`;

  return `${svgOpen(options, width, height)}${drawValueAxis(frame, axis.ticks, axis.labels, y)}${timeAxis(frame, tMin, tMax, x)}${valueLabel}${timeLabel}${reference}${line}${dot}<g data-markers="${drawnMarkers.length}">${markerParts.join('')}</g></svg>`;
}

/** One histogram bucket: values `v` with `lo <= v < hi`, or `lo <= v` for the open last one. */
export interface HistogramBucket {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** The last bucket when the values ran past the bucket limit: it holds every `v >= lo`. */
  readonly open?: boolean;
}

export interface Histogram {
  /** Width of every bucket (the open one is drawn as wide). */
  readonly width: number;
  readonly buckets: readonly HistogramBucket[];
  /** Finite values counted; the buckets' counts add up to it. */
  readonly n: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Buckets the finite `values` into equal-width buckets with d3-array's `bin()`. The width is the
 * d3 tick step (1, 2 or 5 × 10ᵏ) for the bucket count Freedman–Diaconis asks for
 * (`thresholdFreedmanDiaconis`: a width of 2 × IQR / ∛n, which fits the bulk of the values and is
 * not stretched by a long tail; ⌈√n⌉ buckets when the quartiles are equal), at
 * least `minWidth`, and the first bucket starts at a multiple of it. Bucket `i` holds
 * `lo <= v < hi`. When more than `maxBuckets` would be needed, the last bucket is open and holds
 * every value from its `lo` up, so a few outliers cannot squeeze the rest into one bar; the
 * buckets' counts always add up to `n`.
 */
export function histogramBuckets(
  values: readonly number[],
  maxBuckets = 40,
  minWidth = 1,
): Histogram {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  const min = sorted[0];
  const max = sorted.at(-1);
  if (min === undefined || max === undefined) {
    return { width: minWidth, buckets: [], n: 0, min: 0, max: 0 };
  }
  const iqr = quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25);
  const count = iqr > 0 ? thresholdFreedmanDiaconis(sorted, min, max) : Math.ceil(Math.sqrt(n));
  const step = max > min ? tickStep(min, max, count) : 0;
  const width = Math.max(step, minWidth);
  const decimals = Math.max(0, Math.ceil(-Math.log10(width) - 1e-9));
  const start = Math.floor(min / width) * width;
  const edge = (i: number) => Number((start + i * width).toFixed(decimals));
  const needed = Math.floor((max - start) / width) + 1;
  const buckets = Math.min(needed, Math.max(1, maxBuckets));
  const open = needed > buckets;
  // The last bin of d3's bin() holds its upper edge too: end the domain past the maximum (or at
  // it, for an open last bucket, which holds every value from its lower edge up).
  const bins = bin()
    .domain([edge(0), open ? max : edge(buckets)])
    .thresholds(Array.from({ length: buckets - 1 }, (_, i) => edge(i + 1)))(sorted);
  return {
    width,
    buckets: bins.map((b, i) => ({
      lo: edge(i),
      hi: edge(i + 1),
      count: b.length,
      ...(open && i === buckets - 1 ? { open: true } : {}),
    })),
    n,
    min,
    max,
  };
}

export interface HistogramChartOptions extends ChartHooks {
  readonly histogram: Histogram;
  /** Label of the value axis, e.g. `latency (ms)`. */
  readonly valueLabel: string;
}

/**
 * Bars of a {@link Histogram}, each `<rect data-bucket="lo-hi" data-count="n">`; an open last
 * bucket is `data-bucket="lo-"`, labelled `≥ lo`.
 */
export function histogramChart(options: HistogramChartOptions): string {
  const width = options.width ?? 960;
  const height = options.height ?? 220;
  const { buckets } = options.histogram;
  const first = buckets[0];
  const last = buckets.at(-1);
  if (first === undefined || last === undefined) {
    return `${svgOpen(options, width, 48)}<text x="${width / 2}" y="28" text-anchor="middle" class="empty" data-empty="${escapeHtml(options.chart)}">no values</text></svg>`;
  }
  const maxCount = Math.max(1, ...buckets.map((b) => b.count));
  const axis = valueAxis(0, maxCount, Math.max(2, Math.floor(height / 50)));
  // Counts are whole numbers: a step below 1 would label fractions of a value.
  const countTicks = axis.ticks.filter((t) => Number.isInteger(t));
  const labelWidth = Math.max(...countTicks.map((t) => textWidth(String(t))), 18);
  const frame: Frame = {
    left: Math.ceil(labelWidth + 28),
    top: 10,
    right: width - 40,
    bottom: height - 38,
  };
  const xScale = scaleLinear().domain([first.lo, last.hi]).range([frame.left, frame.right]);
  const yScale = scaleLinear()
    .domain(axis.domain)
    .range([frame.bottom, frame.top + 6]);
  const x = (v: number) => xScale(v);
  const y = (c: number) => yScale(c);
  const unit = escapeHtml(options.valueLabel);

  const bars = buckets.map((b) => {
    const x0 = x(b.lo);
    const x1 = x(b.hi);
    const top = y(b.count);
    const range = b.open ? `≥ ${b.lo}` : `${b.lo}–${b.hi}`;
    return `<rect data-bucket="${b.lo}-${b.open ? '' : b.hi}" data-count="${b.count}" class="bar${b.open ? ' open' : ''}" x="${px(x0 + 0.5)}" y="${px(top)}" width="${px(Math.max(0.5, x1 - x0 - 1))}" height="${px(frame.bottom - top)}"><title>${range} ${unit}: ${b.count}</title></rect>`;
  });
  // Label at most ~10 bucket edges so the labels never overlap; an open bucket has no upper edge.
  const every = Math.max(1, Math.ceil((buckets.length + 1) / 10));
  const edges = [...buckets.map((b) => b.lo), ...(last.open ? [] : [last.hi])].filter(
    (_, i) => i % every === 0,
  );
  const label = (at: string, text: string) =>
    `<line x1="${at}" x2="${at}" y1="${px(frame.bottom)}" y2="${px(frame.bottom + 4)}" class="tick"/><text x="${at}" y="${px(frame.bottom + 4)}" dy="1.1em" text-anchor="middle">${text}</text>`;
  const xAxis = [
    ...edges.filter((e) => !(last.open && e === last.lo)).map((e) => label(px(x(e)), String(e))),
    ...(last.open ? [label(px((x(last.lo) + x(last.hi)) / 2), `≥ ${last.lo}`)] : []),
  ].join('');
  const yAxis = drawValueAxis(frame, countTicks, countTicks.map(String), y);
  return `${svgOpen(options, width, height)}${yAxis}<g data-axis="x" class="axis">${xAxis}<line x1="${px(frame.left)}" x2="${px(frame.right)}" y1="${px(frame.bottom)}" y2="${px(frame.bottom)}" class="domain"/></g><text transform="translate(12 ${px((frame.top + frame.bottom) / 2)}) rotate(-90)" text-anchor="middle" class="axis-label">count</text><text x="${px(frame.right)}" y="${height - 2}" text-anchor="end" class="axis-label">${unit}</text><g data-bars="${buckets.length}">${bars.join('')}</g></svg>`;
}
