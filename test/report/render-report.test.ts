import { describe, expect, it } from 'vitest';
import { renderReport } from '../../lib/report/render-report.js';
import type { ReportInput, SymbolReport } from '../../lib/report/report-input.js';
import { seeded } from './fixtures.js';

const t0 = Date.parse('2018-01-10T05:00:00Z');
const step = 300_000;

function symbolReport(symbol: string, candles: number, trades: number): SymbolReport {
  const random = seeded(candles + trades);
  let close = 0.017;
  const prices = Array.from({ length: candles }, (_, i) => {
    close *= 1 + (random() - 0.5) * 0.004;
    return { time: t0 + i * step, close };
  });
  const markers = Array.from({ length: trades }, (_, i) => {
    const p = prices[Math.floor(((i + 0.5) * candles) / trades)] ?? { time: t0, close };
    return {
      time: p.time,
      price: p.close,
      side: i % 2 === 0 ? ('buy' as const) : ('sell' as const),
    };
  });
  return {
    symbol,
    quote: 'BTC',
    prices,
    markers,
    equity: prices.map((p, i) => ({ time: p.time, value: 1 + Math.sin(i / 50) * 0.001 })),
  };
}

const count = (html: string, pattern: RegExp) => [...html.matchAll(pattern)].length;

describe('renderReport', () => {
  it('escapes every text it shows, so markup in a symbol or an error message stays text', () => {
    const html = renderReport({
      title: 'Run <1> & "2"',
      subtitle: "it's <i>here</i>",
      figures: [['<b>failed</b>', '<img src=x onerror=alert(1)>']],
      symbols: [{ ...symbolReport('<svg onload=alert(1)>/BTC', 10, 2) }],
      failures: [
        {
          symbol: 'LTC/BTC',
          kind: '<em>ExchangeError</em>',
          count: 2,
          example: '<script>alert("x")</script>',
        },
      ],
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('<em>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<title>Run &lt;1&gt; &amp; &quot;2&quot;</title>');
    expect(html).toContain('data-symbol="&lt;svg onload=alert(1)&gt;/BTC"');
    expect(html).toContain('it&#39;s &lt;i&gt;here&lt;/i&gt;');
  });

  it('forbids scripts and outside resources in the page itself', () => {
    const html = renderReport({ title: 't', figures: [], symbols: [] });
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/\b(src|href)=/);
  });

  it('draws every trade marker at its time and price, however many candles are thinned out', () => {
    const report = symbolReport('LTC/BTC', 6000, 301);
    const html = renderReport({ title: 't', figures: [], symbols: [report] });
    expect(count(html, /data-marker="buy"/g)).toBe(151);
    expect(count(html, /data-marker="sell"/g)).toBe(150);
    for (const m of report.markers) {
      expect(html).toContain(
        `data-marker="${m.side}" data-time="${new Date(m.time).toISOString()}" data-price="${m.price}"`,
      );
    }
    const points = [...html.matchAll(/data-series="close" data-points="(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(points).toHaveLength(1);
    expect(points[0]).toBeLessThanOrEqual(1500);
  });

  it('draws a price chart and an equity chart per symbol, hooked by symbol', () => {
    const html = renderReport({
      title: 't',
      figures: [],
      symbols: [symbolReport('LTC/BTC', 100, 4), symbolReport('ETC/BTC', 100, 2)],
    });
    for (const symbol of ['LTC/BTC', 'ETC/BTC']) {
      expect(html).toContain(`data-chart="price" data-symbol="${symbol}"`);
      expect(html).toContain(`data-chart="equity" data-symbol="${symbol}"`);
    }
  });

  it('shows the figures as label and value', () => {
    const html = renderReport({
      title: 't',
      figures: [
        ['ticks', '60'],
        ['failed', '0'],
      ],
      symbols: [],
    });
    expect(html).toContain('<th scope="row">ticks</th><td data-figure="ticks">60</td>');
    expect(html).toContain('<th scope="row">failed</th><td data-figure="failed">0</td>');
  });

  it('buckets the latencies so the bars add up to every latency, and says the rule', () => {
    const random = seeded(11);
    const latenciesMs = Array.from({ length: 777 }, () => Math.round(80 + random() * 400));
    const html = renderReport({ title: 't', figures: [], symbols: [], latenciesMs });
    const counts = [...html.matchAll(/data-bucket="[^"]+" data-count="(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(counts.length).toBeGreaterThan(5);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(777);
    expect(html).toMatch(/data-bucket-rule>777 values from \d+ to \d+ ms\. Each bar counts/);
  });

  it('does not crash on empty inputs: a symbol without candles, trades or equity, no latencies', () => {
    const empty: ReportInput = {
      title: 'empty',
      figures: [],
      symbols: [{ symbol: 'LTC/BTC', prices: [], markers: [], equity: [] }],
      latenciesMs: [],
      failures: [],
      trades: [],
    };
    const html = renderReport(empty);
    expect(html).toContain('data-empty="price"');
    expect(html).toContain('data-empty="equity"');
    expect(html).toContain('data-empty="latency"');
    expect(html).toContain('no failures');
    expect(html).toContain('no round trips');
  });

  it('draws a symbol with candles but no trades, and a flat equity line', () => {
    const report = {
      ...symbolReport('LTC/BTC', 50, 0),
      equity: [
        { time: t0, value: 0 },
        { time: t0 + step, value: 0 },
      ],
    };
    const html = renderReport({ title: 't', figures: [], symbols: [report] });
    expect(count(html, /data-marker=/g)).toBe(0);
    expect(html).toMatch(/data-series="close" data-points="50" class="line" d="M[^"]+"/);
    expect(html).toMatch(/data-series="equity" data-points="2" class="line" d="M[^"]+"/);
    expect(html).not.toContain('NaN');
  });

  it('leaves out the sections it is not given', () => {
    const html = renderReport({ title: 't', figures: [], symbols: [] });
    expect(html).not.toContain('data-section="latency"');
    expect(html).not.toContain('data-section="failures"');
    expect(html).not.toContain('data-section="trades"');
  });

  it('lists failures and trades', () => {
    const html = renderReport({
      title: 't',
      figures: [],
      symbols: [],
      failures: [{ symbol: 'LTC/BTC', kind: 'timeout', count: 3, example: 'Task timed out' }],
      trades: [
        { symbol: 'LTC/BTC', entryTime: t0, entryPrice: 0.017, amount: 0.5, fee: 0.0000085 },
        {
          symbol: 'ETC/BTC',
          entryTime: t0,
          exitTime: t0 + step,
          entryPrice: 0.00265,
          exitPrice: 0.0027,
          amount: 3.7,
          fee: 0.00002,
          pnl: 0.000165,
        },
      ],
    });
    expect(count(html, /<tr data-failure>/g)).toBe(1);
    expect(html).toContain('<td class="num">3</td><td class="example">Task timed out</td>');
    expect(count(html, /<tr data-trade[ >]/g)).toBe(2);
    expect(html).toContain('<td>open</td>');
    expect(html).toContain('<td>2018-01-10T05:05Z</td>');
  });

  it('captions the round-trip table with what its rows are: closed and open round trips', () => {
    const html = renderReport({
      title: 't',
      figures: [],
      symbols: [],
      trades: [
        {
          symbol: 'A/B',
          entryTime: t0,
          exitTime: t0 + step,
          entryPrice: 1,
          exitPrice: 2,
          amount: 1,
          fee: 0,
          pnl: 1,
          return: 1,
        },
        {
          symbol: 'A/B',
          entryTime: t0 + 2 * step,
          entryPrice: 2,
          markPrice: 1.5,
          amount: 1,
          fee: 0.002,
          pnl: -0.502,
          return: -0.251,
        },
      ],
    });
    expect(html).toContain('<h2 data-caption>Round trips: 1 closed, 1 open</h2>');
    expect(count(html, /<tr data-trade[ >]/g)).toBe(2);
    expect(html).toContain('<td class="num">1.5 (last close)</td>');
    expect(html).toContain('<td class="num" data-pnl>-0.502 (unrealised)</td>');
    expect(html).toContain('<td class="num" data-return>-25.10</td>');
  });

  it('rounds prices and amounts to the market’s steps, fees to four significant digits', () => {
    const html = renderReport({
      title: 't',
      figures: [],
      symbols: [],
      markets: { 'LTC/BTC': { priceStep: 0.000001, amountStep: 0.001 } },
      trades: [
        {
          symbol: 'LTC/BTC',
          entryTime: t0,
          exitTime: t0 + step,
          entryPrice: 0.0175234567,
          exitPrice: 0.01760000001,
          amount: 0.5700000000001,
          fee: 0.000009999825,
          pnl: 0.0000042123456789,
          return: 0.00421234,
        },
      ],
    });
    expect(html).toContain(
      '<td class="num">0.017523</td><td>2018-01-10T05:05Z</td><td class="num">0.0176</td><td class="num">0.57</td><td class="num">0.00001</td><td class="num" data-pnl>0.00000421235</td><td class="num" data-return>0.42</td>',
    );
  });

  it('renders five symbols of 6000 candles quickly and small', () => {
    const input: ReportInput = {
      title: 't',
      figures: [],
      symbols: ['A/BTC', 'B/BTC', 'C/BTC', 'D/BTC', 'E/BTC'].map((s) => symbolReport(s, 6000, 200)),
      latenciesMs: Array.from({ length: 30_000 }, (_, i) => 80 + (i % 500)),
    };
    const started = performance.now();
    const html = renderReport(input);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(2000);
    expect(html.length).toBeLessThan(1_500_000);
  });

  it('gives the same bytes for the same input', () => {
    const input: ReportInput = { title: 't', figures: [], symbols: [symbolReport('X/Y', 500, 6)] };
    expect(renderReport(input)).toBe(renderReport(input));
  });
});
