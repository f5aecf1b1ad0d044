import { scaleLinear, scaleUtc } from 'd3-scale';
import { describe, expect, it } from 'vitest';
import {
  downsampleMinMax,
  histogramBuckets,
  timeSeriesChart,
  timeTicks,
  valueAxis,
} from '../../lib/report/svg-charts.js';
import { seeded } from './fixtures.js';

const value = (p: { value: number }) => p.value;

/** A random walk with one spike up and one down, far apart. */
function walk(n: number): { time: number; value: number }[] {
  const random = seeded(3);
  let v = 100;
  return Array.from({ length: n }, (_, i) => {
    v += random() - 0.5;
    const spike = i === 1234 ? 50 : i === 4321 ? -60 : 0;
    return { time: 1_515_560_100_000 + i * 300_000, value: v + spike };
  });
}

describe('downsampleMinMax', () => {
  it('keeps the minimum, the maximum, the first and the last point', () => {
    const points = walk(6000);
    const thinned = downsampleMinMax(points, 1500, value);
    const values = points.map(value);
    expect(thinned.length).toBeLessThanOrEqual(1500);
    expect(thinned.length).toBeGreaterThan(1000);
    expect(Math.max(...thinned.map(value))).toBe(Math.max(...values));
    expect(Math.min(...thinned.map(value))).toBe(Math.min(...values));
    expect(thinned[0]).toBe(points[0]);
    expect(thinned.at(-1)).toBe(points.at(-1));
  });

  it('keeps every bucket’s extremes, so a spike inside any bucket survives', () => {
    const points = walk(6000);
    const thinned = new Set(downsampleMinMax(points, 100, value));
    expect(thinned.has(points[1234] as (typeof points)[number])).toBe(true);
    expect(thinned.has(points[4321] as (typeof points)[number])).toBe(true);
  });

  it('keeps the original order', () => {
    const thinned = downsampleMinMax(walk(6000), 1500, value);
    const times = thinned.map((p) => p.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('returns short input whole', () => {
    const points = walk(10);
    expect(downsampleMinMax(points, 1500, value)).toEqual(points);
    expect(downsampleMinMax([], 1500, value)).toEqual([]);
  });
});

describe('histogramBuckets', () => {
  describe.each([
    ['latencies of a run', Array.from({ length: 1000 }, (_, i) => 80 + ((i * 7919) % 400))],
    ['one value', [120]],
    ['equal values', [5, 5, 5, 5]],
    ['fractions', [0.2, 0.7, 1.4, 2.9, 3.1]],
    ['a long tail', [...Array.from({ length: 500 }, () => 100), 10_000]],
  ])('%s', (_, values) => {
    const histogram = histogramBuckets(values);

    it('counts every value exactly once', () => {
      expect(histogram.n).toBe(values.length);
      expect(histogram.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(values.length);
    });

    it('puts each value in the bucket whose [lo, hi) holds it, or from lo up in an open one', () => {
      for (const b of histogram.buckets) {
        const inside = values.filter((v) => v >= b.lo && (b.open === true || v < b.hi));
        expect(b.count).toBe(inside.length);
      }
    });

    it('uses equal widths of 1, 2 or 5 × 10ᵏ, at most 40 buckets', () => {
      expect(String(histogram.width)).toMatch(/^(0\.0*)?[125]0*$/);
      expect(histogram.buckets.length).toBeLessThanOrEqual(40);
      for (const b of histogram.buckets) expect(b.hi - b.lo).toBeCloseTo(histogram.width, 9);
    });
  });

  it('sizes buckets to the bulk and gathers a long tail in an open last bucket', () => {
    const bulk = Array.from({ length: 500 }, (_, i) => 100 + (i % 100));
    const { buckets } = histogramBuckets([...bulk, 4800, 4900]);
    const filled = buckets.filter((b) => b.count > 0 && !b.open);
    expect(filled.length).toBeGreaterThanOrEqual(5);
    expect(buckets.at(-1)).toMatchObject({ open: true, count: 2 });
    expect(buckets.filter((b) => b.open)).toHaveLength(1);
  });

  it('opens no bucket when the range fits', () => {
    const { buckets } = histogramBuckets(Array.from({ length: 1000 }, (_, i) => 80 + (i % 400)));
    expect(buckets.some((b) => b.open)).toBe(false);
    expect(buckets[0]?.lo).toBe(50);
    expect(buckets.at(-1)?.hi).toBe(500);
  });

  it('has no buckets for no values', () => {
    expect(histogramBuckets([])).toMatchObject({ n: 0, buckets: [] });
  });

  it('ignores values that are not finite', () => {
    expect(histogramBuckets([1, Number.NaN, 2, Number.POSITIVE_INFINITY]).n).toBe(2);
  });
});

describe('axis ticks', () => {
  it('extends a value axis to d3’s nice domain and puts its ticks 1, 2 or 5 × 10ᵏ apart', () => {
    const axis = valueAxis(0.016907, 0.01923, 5);

    const d3 = scaleLinear().domain([0.016907, 0.01923]).nice(10);
    expect(axis.domain).toEqual(d3.domain());
    expect(axis.ticks).toEqual(d3.ticks(5));
    expect(axis.domain).toEqual([0.0168, 0.0194]);
    expect(axis.labels).toEqual(['0.0170', '0.0175', '0.0180', '0.0185', '0.0190']);
  });

  it('labels at least three values when a coarse step would leave two', () => {
    const axis = valueAxis(-0.0069, 0, 1);
    expect(axis.ticks.length).toBeGreaterThanOrEqual(3);
    expect(axis.domain[0]).toBeLessThanOrEqual(-0.0069);
    expect(axis.domain[1]).toBe(0);
    for (const t of axis.ticks) {
      expect(t).toBeGreaterThanOrEqual(axis.domain[0]);
      expect(t).toBeLessThanOrEqual(axis.domain[1]);
    }
  });

  it('puts time ticks where d3’s scaleUtc puts them: on round UTC times', () => {
    const start = Date.parse('2018-01-10T04:55:00Z');
    const daily = timeTicks(start, start + 20 * 86_400_000, 6);
    expect(daily).toEqual(
      scaleUtc()
        .domain([start, start + 20 * 86_400_000])
        .ticks(6)
        .map((d) => d.getTime()),
    );
    expect(daily.every((t) => t % 86_400_000 === 0)).toBe(true);
    const hourly = timeTicks(start, start + 5 * 3_600_000, 6);
    expect(hourly.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '05:00',
      '06:00',
      '07:00',
      '08:00',
      '09:00',
    ]);
  });
});

describe('timeSeriesChart', () => {
  const yRange = (svg: string) => {
    const d = /data-series="close"[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? '';
    const ys = [...d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    return [Math.min(...ys), Math.max(...ys)];
  };

  it('draws a downsampled line that reaches the same highs and lows as the full one', () => {
    const series = walk(6000);
    const options = { chart: 'price', title: 't', series, seriesName: 'close' };
    const thinned = timeSeriesChart(options);
    const full = timeSeriesChart({ ...options, maxPoints: Number.POSITIVE_INFINITY });
    expect(Number(/data-points="(\d+)"/.exec(thinned)?.[1])).toBeLessThanOrEqual(1500);
    expect(Number(/data-points="(\d+)"/.exec(full)?.[1])).toBe(6000);
    expect(yRange(thinned)).toEqual(yRange(full));
  });

  it('draws the y axis at d3’s nice ticks for the data’s extent', () => {
    const series = [0.016907, 0.018, 0.01923].map((value, i) => ({
      time: 1_515_560_100_000 + i * 300_000,
      value,
    }));
    const svg = timeSeriesChart({ chart: 'price', title: 't', series, seriesName: 'close' });
    const yAxis = /<g data-axis="y"[\s\S]*?<\/g>/.exec(svg)?.[0] ?? '';
    const ticks = [...yAxis.matchAll(/data-tick="([^"]+)">([^<]*)</g)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    // 260 px high: about five ticks
    const d3 = scaleLinear().domain([0.016907, 0.01923]).nice(10);
    expect(ticks).toEqual(d3.ticks(5).map((t) => [t, d3.tickFormat(5)(t)]));
  });

  it('labels the time axis with UTC hours and dates', () => {
    const svg = timeSeriesChart({
      chart: 'price',
      title: 't',
      series: walk(60),
      seriesName: 'close',
    });
    expect(svg).toContain('>2018-01-10</tspan>');
    expect(svg).toMatch(/<tspan[^>]*>\d\d:\d\d<\/tspan>/);
    expect(svg).toContain('time (UTC)');
  });
});
