import { describe, expect, it } from 'vitest';
import { AlarmIds } from '../../../infra/stack-facts.js';
import {
  defaultTradeDurationMs,
  parseEvery,
  readSummaryFacts,
} from '../../../lib/cli/cost-input.js';
import {
  type CostInput,
  type CostLine,
  customMetricCount,
  estimateMonthlyCost,
} from '../../../lib/cost/cost-model.js';
import { formatCostBreakdown, formatUnitPrice, formatUsd } from '../../../lib/cost/format.js';
import { unitPrices } from '../../../lib/cost/prices.js';
import { metricCatalogue } from '../../../lib/metrics/catalogue.js';

const tenSymbolsEveryMinute: CostInput = {
  symbols: 10,
  everyMs: 60_000,
  tradeDurationMs: 500,
  fanOutDurationMs: 100,
  tradeMemoryMb: 512,
  fanOutMemoryMb: 256,
  orderRate: 0.01,
  live: false,
  marketsRefreshMinutes: 60,
};

/** 730 hours of one-minute ticks. */
const ticks = 730 * 60;
const symbolTicks = ticks * 10;

function lineOf(lines: readonly CostLine[], item: string): CostLine {
  const found = lines.find((l) => l.item.startsWith(item));
  if (found === undefined) throw new Error(`no line ${item}`);
  return found;
}

describe('estimateMonthlyCost', () => {
  const { lines, totalUsd, byService, ticksPerMonth } = estimateMonthlyCost(tenSymbolsEveryMinute);

  it('counts a 730-hour month of ticks, one trade invocation per symbol tick, a markets run an hour', () => {
    expect(ticksPerMonth).toBe(43_800);
    expect(lineOf(lines, 'requests').quantity).toBe(symbolTicks + ticks + 730);
    expect(lineOf(lines, 'requests').usd).toBeCloseTo((482_530 / 1e6) * 0.2, 10);
    expect(lineOf(lines, 'markets compute').quantity).toBeCloseTo(730 * 2 * 0.5, 6);
  });

  it('bills trade compute as invocations × seconds × GB at the arm64 price', () => {
    const trade = lineOf(lines, 'trade compute');

    expect(trade.quantity).toBeCloseTo(438_000 * 0.5 * 0.5, 6);
    expect(trade.usd).toBeCloseTo(109_500 * 0.0000133334, 8);
    expect(lineOf(lines, 'fan-out compute').quantity).toBeCloseTo(43_800 * 0.1 * 0.25, 6);
  });

  it('counts FIFO requests: one send per ten symbols, one receive and one delete per message', () => {
    expect(lineOf(lines, 'SendMessageBatch').quantity).toBe(ticks);
    expect(lineOf(lines, 'ReceiveMessage').quantity).toBe(symbolTicks);
    expect(lineOf(lines, 'DeleteMessage').quantity).toBe(symbolTicks);
    expect(lineOf(lines, 'idle long polls').quantity).toBe(730 * 60 * 15);
    expect(lineOf(lines, 'ReceiveMessage').usd).toBeCloseTo(0.219, 10);
  });

  it('sends eleven symbols in two batches', () => {
    const eleven = estimateMonthlyCost({ ...tenSymbolsEveryMinute, symbols: 11 });

    expect(lineOf(eleven.lines, 'SendMessageBatch').quantity).toBe(2 * ticks);
  });

  it('counts DynamoDB units per tick and per order', () => {
    const orders = symbolTicks * 0.01;

    // A tick's writes include the rate budget's reservation; each symbol's market rules are
    // read once per refresh.
    expect(lineOf(lines, 'writes').quantity).toBeCloseTo(symbolTicks * 5 + orders * 7, 6);
    expect(lineOf(lines, 'reads').quantity).toBeCloseTo(
      symbolTicks * 2 + orders * 3 + ticks * 11 + 10 * 730,
      6,
    );
    expect(lineOf(lines, 'writes').usd).toBeCloseTo(
      ((symbolTicks * 5 + orders * 7) / 1e6) * 0.625,
      8,
    );
  });

  it('keeps 30 days of 1 KB tick results in storage and PITR', () => {
    const gb = (10 * 30 * 1440 * 1024) / 1024 ** 3;

    expect(lineOf(lines, 'storage').quantity).toBeCloseTo(gb, 10);
    expect(lineOf(lines, 'point-in-time').usd).toBeCloseTo(gb * 0.2, 10);
  });

  it('bills one Scheduler invocation per tick', () => {
    expect(lineOf(lines, 'invocations').quantity).toBe(ticks);
    expect(lineOf(lines, 'invocations').usd).toBeCloseTo(0.0438, 10);
  });

  it('bills the catalogue metrics, every alarm, the dashboard and the log volume', () => {
    expect(lineOf(lines, 'custom metrics').quantity).toBe(customMetricCount());
    expect(lineOf(lines, 'alarms').quantity).toBe(Object.keys(AlarmIds).length);
    expect(lineOf(lines, 'alarms').usd).toBeCloseTo(Object.keys(AlarmIds).length * 0.1, 10);
    expect(lineOf(lines, 'dashboard').usd).toBe(3);
    expect(lineOf(lines, 'log ingestion').quantity).toBeCloseTo(
      (symbolTicks * 3000 + ticks * 2000) / 1024 ** 3,
      10,
    );
  });

  it('adds the secret in live mode only', () => {
    expect(lines.some((l) => l.service === 'Secrets Manager')).toBe(false);
    const live = estimateMonthlyCost({ ...tenSymbolsEveryMinute, live: true });

    expect(lineOf(live.lines, 'exchange API keys').usd).toBe(0.4);
  });

  it('adds the lines up per service and in total', () => {
    const sum = lines.reduce((s, l) => s + l.usd, 0);

    expect(totalUsd).toBeCloseTo(sum, 10);
    expect(byService.reduce((s, l) => s + l.usd, 0)).toBeCloseTo(sum, 10);
    expect(byService.map((s) => s.service)).toEqual([
      'Lambda',
      'SQS',
      'DynamoDB',
      'Scheduler',
      'CloudWatch',
      'KMS',
    ]);
  });

  it('refuses a tick period under a minute', () => {
    expect(() => estimateMonthlyCost({ ...tenSymbolsEveryMinute, everyMs: 30_000 })).toThrow(
      RangeError,
    );
  });
});

describe('customMetricCount', () => {
  it('counts one series per emitter, times the values of each extra dimension', () => {
    expect(
      customMetricCount({
        A: { emittedBy: 'trade' },
        B: { emittedBy: 'both' },
        C: { emittedBy: 'trade', dimensions: ['call'] },
        D: { emittedBy: 'both', dimensions: ['function_name'] },
      }),
    ).toBe(1 + 2 + 4 + 2);
  });

  it('counts at least one series per catalogue metric', () => {
    expect(customMetricCount()).toBeGreaterThanOrEqual(Object.keys(metricCatalogue).length);
  });
});

describe('formatting', () => {
  it('prints unit prices with the digits they need', () => {
    expect(formatUnitPrice(unitPrices.lambdaArmGbSecond)).toBe('$0.0000133334 / GB-s');
    expect(formatUnitPrice(unitPrices.sqsFifoRequests)).toBe('$0.50 / 1M requests');
    expect(formatUnitPrice(unitPrices.dynamoWriteUnits)).toBe('$0.625 / 1M WRU');
    expect(formatUsd(0.004)).toBe('0.0040');
    expect(formatUsd(12.345)).toBe('12.35');
  });

  it('prints every line with its unit price, the prices date and the total', () => {
    const text = formatCostBreakdown(estimateMonthlyCost(tenSymbolsEveryMinute), ['a note']);

    expect(text).toContain('10 symbol(s), a tick every 1m');
    expect(text).toContain('a note');
    expect(text).toContain('us-east-1 list prices as of 2025-06');
    expect(text).toMatch(
      /trade compute \(512 MB × 500 ms\)\s+109,500\s+\$0\.0000133334 \/ GB-s\s+1\.46/,
    );
    expect(text).toMatch(/total\s+\d+\.\d\d$/);
  });
});

describe('cost CLI inputs', () => {
  it.each([
    ['1m', 60_000],
    ['15m', 900_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
  ])('reads --every %s', (text, ms) => {
    expect(parseEvery(text)).toBe(ms);
  });

  it('names the flag and the value it cannot read', () => {
    expect(() => parseEvery('90s')).toThrow('--every must look like 1m, 5m, 1h or 1d (got "90s")');
  });

  it('takes the p50 latency and the order rate from a run summary', () => {
    const summary = JSON.stringify({
      invocations: 300,
      orders: { intents: 6, exchange: 6, duplicates: 0 },
      latencyMs: { p50: 117.5, p99: 381 },
    });

    expect(readSummaryFacts(summary, 's.json')).toEqual({ p50Ms: 118, orderRate: 0.02 });
  });

  it('refuses a summary without latency', () => {
    expect(() => readSummaryFacts('{}', 's.json')).toThrow(/s\.json has no latencyMs\.p50/);
  });

  it('states a default trade duration', () => {
    expect(defaultTradeDurationMs).toBeGreaterThan(0);
  });
});
