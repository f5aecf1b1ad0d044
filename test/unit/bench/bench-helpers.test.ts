import { describe, expect, it } from 'vitest';
import { benchConfig, inventedSymbols } from '../../../bench/lib/bench-markets.js';
import { fanOutLimitMs, fanOutRounds } from '../../../bench/lib/fan-out-limit.js';
import { abbaOrder } from '../../../bench/lib/run-order.js';
import { median, round } from '../../../bench/lib/stats.js';
import { formatMarkdownTable, formatTable, type Row, verdict } from '../../../bench/lib/table.js';
import { type BenchResults, rowsOf } from '../../../bench/results.js';
import { replayBackToBack } from '../../../bench/sections/backtest.js';
import { externalImportsOf } from '../../../bench/sections/cold-init.js';
import { loadConfigFile } from '../../../lib/config/load.js';
import { fixedSymbols } from '../../../lib/config/schema.js';

describe('median', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10],
  ])('of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('is NaN for no values, so an empty section cannot pass a target', () => {
    expect(median([])).toBeNaN();
  });

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('round', () => {
  it('keeps the asked-for decimals', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(712.46)).toBe(712.5);
  });
});

describe('fanOutLimitMs', () => {
  it('is ceil(N / batch) / concurrency round trips', () => {
    expect(fanOutLimitMs({ symbols: 1000, batchSize: 10, concurrency: 8, rttMs: 20 })).toBe(250);
    expect(fanOutLimitMs({ symbols: 1001, batchSize: 10, concurrency: 8, rttMs: 20 })).toBe(252.5);
    expect(fanOutLimitMs({ symbols: 10, batchSize: 10, concurrency: 8, rttMs: 20 })).toBe(2.5);
  });

  it('refuses a batch size or concurrency of zero', () => {
    expect(() => fanOutLimitMs({ symbols: 1, batchSize: 0, concurrency: 8, rttMs: 20 })).toThrow(
      RangeError,
    );
    expect(() => fanOutLimitMs({ symbols: 1, batchSize: 10, concurrency: 0, rttMs: 20 })).toThrow(
      RangeError,
    );
  });

  it('counts whole rounds of concurrent batches', () => {
    expect(fanOutRounds({ symbols: 1000, batchSize: 10, concurrency: 8 })).toBe(13);
    expect(fanOutRounds({ symbols: 800, batchSize: 10, concurrency: 8 })).toBe(10);
  });
});

describe('verdict', () => {
  const atMost = { op: '<=', limit: 10, label: '<= 10' } as const;
  const atLeast = { op: '>=', limit: 10, label: '>= 10' } as const;

  it.each([
    [10, atMost, 'pass'],
    [10.1, atMost, 'miss'],
    [10, atLeast, 'pass'],
    [9.9, atLeast, 'miss'],
    [Number.NaN, atMost, 'miss'],
    [5, undefined, ''],
  ] as const)('judges %d against %o as %j', (value, target, expected) => {
    expect(verdict(value, target)).toBe(expected);
  });
});

describe('formatTable', () => {
  const rows: Row[] = [
    {
      section: 'bundle',
      figure: 'tradeBytes',
      value: '1,340,851 B',
      target: '<= 1.5 MB',
      anchor: '1.5 MB',
      verdict: 'pass',
    },
    {
      section: 'fanOut',
      figure: 'ms',
      value: '466 ms',
      target: '',
      anchor: '1,000 symbols',
      verdict: '',
    },
  ];

  it('aligns every column under its header, values to the right', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines).toEqual([
      'section  figure            value  target     anchor         pass/miss',
      '-------  ----------  -----------  ---------  -------------  ---------',
      'bundle   tradeBytes  1,340,851 B  <= 1.5 MB  1.5 MB         pass',
      'fanOut   ms               466 ms             1,000 symbols',
    ]);
  });

  it('writes the same rows as a Markdown table, escaping pipes', () => {
    const text = formatMarkdownTable([{ ...rows[1], anchor: 'a | b' } as Row]);
    expect(text.split('\n')).toEqual([
      '| section | figure | value | target | anchor | pass/miss |',
      '|---|---|---:|---|---|---|',
      '| fanOut | ms | 466 ms |  | a \\| b |  |',
    ]);
  });
});

describe('rowsOf', () => {
  it('marks a figure past its target as a miss, and one within as a pass', () => {
    const results: BenchResults = {
      date: '2026-01-01T00:00:00.000Z',
      fanOut: {
        symbols: 1000,
        ms: 600,
        limitMs: 250,
        ratio: 2.4,
        rttMs: 20,
        concurrency: 8,
        rounds: 13,
        directMs: 300,
        callsPerDispatch: 100,
        repeats: 5,
      },
      backtest: {
        candles: 1_000_000,
        candlesPerSec: 2_000_000,
        firstRunCandlesPerSec: 1,
        runs: 3,
        orders: 0,
      },
    };
    const rows = rowsOf(results);
    expect(rows.find((r) => r.section === 'fanOut' && r.figure === 'ratio')?.verdict).toBe('miss');
    expect(rows.find((r) => r.figure === 'candlesPerSec')?.verdict).toBe('pass');
    expect(rows.map((r) => r.section)).toEqual(['fanOut', 'fanOut', 'fanOut', 'backtest']);
  });
});

describe('rowsOf scale', () => {
  const fanOut = {
    symbols: 1000,
    repeats: 7,
    p50Ms: 636.3,
    p95Ms: 1150.9,
    cpuP50Ms: 219.4,
    batchReads: 11,
    itemReads: 0,
    sendCalls: 100,
    dispatched: 1000,
  };
  const tick = {
    symbols: 1000,
    concurrency: 10,
    timeScale: 1,
    tickLatenciesMs: [21_000, 19_500],
    latencyMs: 21_000,
    singleSymbolTicksMs: [400, 150, 160, 170, 155],
    singleSymbolMs: 157.5,
    limitMs: 15_750,
    ratio: 1.333,
    pass: false,
    dueSymbolTicks: 2000,
    lost: 0,
    failedInvocations: 0,
    exchange: { requests: 2030, weight: 4400, http429: 0, http418: 0, marketsRequests: 11 },
    peakRssMb: 1500,
    processMaxRssMb: 1600,
    runWallMs: 60_000,
    runCpuMs: 100_000,
    cores: 2,
  };

  it("lists the scale section's fan-out figures under named fields, with the calls it made", () => {
    const results: BenchResults = { date: '2026-01-01T00:00:00.000Z', scale: { fanOut } };

    const rows = rowsOf(results);

    expect(rows.map((r) => `${r.section}.${r.figure}=${r.value}`)).toEqual([
      'scale.fanOut.p50Ms=636 ms',
      'scale.fanOut.p95Ms=1,151 ms',
      'scale.fanOut.cpuP50Ms=219 ms',
    ]);
    expect(rows[1]?.anchor).toBe(
      'per fan-out: 11 BatchGetItem, 0 GetItem, 100 SendMessageBatch calls',
    );
  });

  it("judges the whole tick's ratio against 1 and lists its losses and exchange counters", () => {
    const rows = rowsOf({ date: '2026-01-01T00:00:00.000Z', scale: { tick } });

    expect(rows.find((r) => r.figure === 'tick.ratio')).toMatchObject({
      value: '1.333',
      target: '<= 1',
      verdict: 'miss',
    });
    expect(rows.find((r) => r.figure === 'tick.limitMs')?.anchor).toBe(
      'ceil(1000 / 10) x singleSymbolMs',
    );
    expect(rows.find((r) => r.figure === 'tick.exchange.requests')?.anchor).toBe(
      'weight 4,400, http429 0, http418 0, marketsRequests 11',
    );
    expect(rows.map((r) => r.figure)).toContain('tick.lost');
    expect(rows.map((r) => r.figure)).toContain('tick.peakRssMb');
  });

  it('lists the rate budget per tick and the memory per container, each with its load row', () => {
    const sectionRun = { load1Before: 1, load1After: 1.5, load1Max: 2, wallMs: 7000, attempts: 1 };
    const first = { reservations: 10, writes: 19, reads: 0 };
    const budgetTick = { reservations: 1000, granted: 1000, writes: 1009, reads: 0 };
    const rows = rowsOf({
      date: '2026-01-01T00:00:00.000Z',
      scale: {
        rateBudget: {
          symbols: 1000,
          containers: 10,
          exchange: 'binance',
          weightPerReservation: 2,
          windowMs: 60_000,
          tickPeriodMs: 300_000,
          ticks: [1, 2].map(() => ({ ...budgetTick, firstOfWindow: first })),
          firstTick: { writes: 1009, reads: 0 },
          writesPerTick: 1009,
          readsPerTick: 0,
          steadyWritesPerReservation: 1,
          sectionRun,
        },
        memoryPerContainerMb: {
          mb: 51.3,
          firstContainerMb: 47.6,
          afterTickMb: 60.2,
          containers: 10,
          symbols: 1000,
          invocations: 1000,
          functionMemoryMb: 512,
          rssMb: { base: 373, first: 421, all: 883, afterTick: 972 },
          how: 'RSS growth',
          sectionRun,
        },
      },
    });

    expect(rows.map((r) => `${r.figure}=${r.value}`)).toEqual([
      'rateBudget.writesPerTick=1,009',
      'rateBudget.readsPerTick=0',
      'rateBudget.firstTick.writes=1,009',
      'rateBudget.steadyWritesPerReservation=1',
      'rateBudget.load1=1.00 -> 1.50',
      'memoryPerContainerMb=51.3 MB',
      'memoryPerContainerMb.firstContainerMb=47.6 MB',
      'memoryPerContainerMb.afterTickMb=60.2 MB',
      'memoryPerContainerMb.load1=1.00 -> 1.50',
    ]);
  });

  it('records a failed measurement as its own failed row and keeps the others', () => {
    const rows = rowsOf({
      date: '2026-01-01T00:00:00.000Z',
      scale: {
        fanOut,
        tick: {
          failed: true,
          timedOut: false,
          reason: 'Error: boom',
          sectionRun: { load1Before: 1, load1After: 2, load1Max: 2, wallMs: 1000, attempts: 1 },
        },
      },
    });

    expect(rows.filter((r) => r.verdict === 'failed')).toEqual([
      expect.objectContaining({ section: 'scale', figure: 'tick', anchor: 'Error: boom' }),
    ]);
    expect(rows.find((r) => r.figure === 'tick.load1')?.value).toBe('1.00 -> 2.00');
    expect(rows.map((r) => r.figure)).toContain('fanOut.p50Ms');
  });
});

describe('abbaOrder', () => {
  it('alternates the pairs so neither kind always runs last', () => {
    expect(abbaOrder(1)).toEqual([false, true]);
    expect(abbaOrder(2)).toEqual([false, true, true, false]);
    expect(abbaOrder(3)).toEqual([false, true, true, false, false, true]);
  });
});

describe('bench markets', () => {
  it('invents distinct symbols no shipped file uses', () => {
    expect(inventedSymbols(3)).toEqual(['AAA/BTC', 'BBB/BTC', 'CCC/BTC']);
    expect(new Set(inventedSymbols(20)).size).toBe(20);
    expect(() => inventedSymbols(27)).toThrow(RangeError);
  });

  it('configures every bench symbol like the first one of cdk.json', () => {
    const base = loadConfigFile('cdk.json');
    const config = benchConfig(base, ['AAA/BTC', 'BBB/BTC'], 10);
    expect(fixedSymbols(config).map((s) => s.symbol)).toEqual(['AAA/BTC', 'BBB/BTC']);
    expect(fixedSymbols(config)[1]).toMatchObject({
      timeframe: base.symbols[0]?.timeframe,
      params: base.symbols[0]?.params,
    });
    expect(config.queue.maxConcurrency).toBe(10);
  });
});

describe('replayBackToBack', () => {
  it('shifts each copy to open one timeframe after the last ends, gaps kept', () => {
    const candle = (time: number) => ({ time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    const out = replayBackToBack([candle(0), candle(60_000), candle(180_000)], 2, 60_000);
    expect(out.map((c) => c.time)).toEqual([0, 60_000, 180_000, 240_000, 300_000, 420_000]);
  });
});

describe('externalImportsOf', () => {
  it('lists the @aws-sdk packages a bundle imports, once each', () => {
    const bundle =
      'import{a}from"@aws-sdk/client-sqs";import{b}from"@aws-sdk/client-dynamodb";' +
      'import{c}from"@aws-sdk/client-sqs";import"./x.js";';
    expect(externalImportsOf(bundle)).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']);
  });
});
