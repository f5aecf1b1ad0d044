import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../lib/cli/format.js';
import { flatPosition, type Position } from '../../lib/domain/position.js';
import type { SkipReason, TickResult } from '../../lib/domain/tick.js';
import { tickId } from '../../lib/domain/tick.js';
import type { InvocationRecord } from '../../lib/local/sqs-event-source.js';
import { type SummaryInput, summarise } from '../../lib/local/summary.js';
import type { OrderRecord } from '../../lib/ports/state-store.js';

const period = 300_000;
const t0 = Date.parse('2018-01-10T12:00:00.000Z');
const iso = (k: number) => new Date(t0 + k * period).toISOString();
const ok = { ok: true, value: undefined, durationMs: 50, coldStart: false } as const;
const timedOut = {
  ok: false,
  error: { name: 'Error', message: 'Task timed out' },
  timedOut: true,
  durationMs: 3000,
  coldStart: false,
} as const;

function invocation(
  messageId: string,
  k: number,
  outcome: InvocationRecord['outcome'],
  receiveCount = 1,
): InvocationRecord {
  const endedAt = 1_000 + k * 10 + receiveCount;
  return {
    messageId,
    symbol: 'LTC/BTC',
    scheduledAt: iso(k),
    receiveCount,
    outcome,
    itemFailed: false,
    duplicate: false,
    startedAt: endedAt - outcome.durationMs,
    endedAt,
  };
}

function result(
  k: number,
  status: TickResult['status'],
  skipReason: SkipReason = 'stale',
): TickResult {
  const scheduledAt = iso(k);
  return {
    tickId: tickId({ symbol: 'LTC/BTC', scheduledAt: Date.parse(scheduledAt) }),
    symbol: 'LTC/BTC',
    scheduledAt,
    status,
    ...(status === 'skipped' ? { skipReason } : {}),
    signal: 'none',
    position: { amount: 0, entryPrice: 0, realisedPnl: 0 },
    startedAt: scheduledAt,
    durationMs: 50,
  };
}

// Five ticks of one symbol: two ok, one skipped as stale, one ok only on its retry, and one whose
// every attempt timed out (it recorded no result).
const invocations = [
  invocation('m0', 0, ok),
  invocation('m1', 1, ok),
  invocation('m2', 2, ok),
  invocation('m3', 3, timedOut),
  invocation('m3', 3, ok, 2),
  invocation('m4', 4, timedOut),
  invocation('m4', 4, timedOut, 2),
];
const position: Position = {
  ...flatPosition('LTC/BTC'),
  amount: 2,
  entryPrice: 0.01,
  realisedPnl: 0.003,
};

function input(overrides: Partial<SummaryInput> = {}): SummaryInput {
  return {
    ticks: 5,
    symbols: ['LTC/BTC'],
    invocations,
    fanOutStartedAt: new Map([0, 1, 2, 3, 4].map((k) => [iso(k), 900 + k * 10])),
    tickResults: [result(0, 'ok'), result(1, 'ok'), result(2, 'skipped'), result(3, 'ok')],
    orders: [],
    positions: [position],
    health: [],
    silent: [],
    timeScale: 0.1,
    exchangeOrders: [],
    haltedDispatches: 0,
    deadLettered: 1,
    deadLetteredBySymbol: new Map([['LTC/BTC', 1]]),
    poisoned: 0,
    exchange: 'binance',
    exchangeRequests: { requests: 12, weight: 30, http429: 1, http418: 0, marketsRequests: 2 },
    peakRssBytes: 300 * 2 ** 20,
    tickPeriodMs: period,
    lastPrices: { 'LTC/BTC': 0.0125 },
    ...overrides,
  };
}

describe('summarise', () => {
  it('counts each symbol tick once as ok, skipped or failed, however often it was retried', () => {
    const summary = summarise(input());

    expect(summary.perSymbol['LTC/BTC']).toMatchObject({
      ticks: 5,
      ok: 3,
      skipped: 1,
      failedTicks: 1,
    });
    expect(summary.tickOutcomes).toEqual({ ok: 3, skipped: 1, failed: 1 });
    // the invocation counts stay as the summary JSON has always had them
    expect(summary.perSymbol['LTC/BTC']).toMatchObject({ succeeded: 4, failed: 3 });
    expect(summary).toMatchObject({ invocations: 7, succeeded: 4, failed: 3, retried: 2 });
  });

  it('splits an open position’s pnl into realised and unrealised, marked at the last price', () => {
    const own = summarise(input()).perSymbol['LTC/BTC'];

    // 2 held from 0.01, marked at 0.0125: 0.005 unrealised on top of 0.003 realised
    expect(own?.unrealisedPnl).toBeCloseTo(0.005, 15);
    expect(own?.pnl).toBeCloseTo(0.008, 15);
    expect(own?.markPrice).toBe(0.0125);
  });

  it('takes latency percentiles with the one quantile definition, interpolating between ranks', () => {
    const summary = summarise(input());

    // tick latencies: 1001-900, 1011-910, 1021-920, 1032-930, 1042-940 = 101, 101, 101, 102, 102
    expect(summary.latencyMs.p50).toBe(101);
    expect(summary.latencyMs.p99).toBeCloseTo(102, 12);
    expect(summarise(input({ invocations: [] })).latencyMs).toEqual({ p50: 0, p99: 0 });
  });

  it('counts deadline and disabled skips by reason, like stale, halted and breaker', () => {
    const summary = summarise(
      input({
        tickResults: [
          result(0, 'skipped', 'deadline'),
          result(1, 'skipped', 'deadline'),
          result(2, 'skipped', 'disabled'),
          result(3, 'skipped', 'stale'),
        ],
        haltedDispatches: 2,
      }),
    );

    expect(summary.skipped).toEqual({ stale: 1, halted: 2, breaker: 0, deadline: 2, disabled: 1 });
    // The reasons the summary has always listed stay, at 0 too; the others appear when they occur.
    expect(summarise(input()).skipped).toEqual({ stale: 1, halted: 0, breaker: 0 });
    expect(summary.tickOutcomes).toEqual({ ok: 0, skipped: 4, failed: 1 });
  });

  it('counts a second order decided for the same tick as a duplicate', () => {
    const order = (clientOrderId: string, time: number) => ({
      symbol: 'LTC/BTC',
      side: 'buy' as const,
      amount: 1,
      price: 0.01,
      fee: 0.00001,
      clientOrderId,
      orderId: time,
      type: 'market' as const,
      status: 'filled' as const,
      placedAt: time,
      time,
      updatedAt: time,
    });
    const summary = summarise(
      input({
        exchangeOrders: [
          order('other-1', t0 + 10),
          order('other-2', t0 + 20),
          order('other-3', t0 + period + 5),
        ],
      }),
    );

    expect(summary.orders.duplicates).toBe(1);
  });
});

const due = (ks: readonly number[], symbol = 'LTC/BTC') =>
  ks.map((k) => ({ symbol, scheduledAt: iso(k) }));

describe('summarise: a run of many symbols', () => {
  it('gives the exchange id with the requests, weight, 429s, 418s and markets requests the simulator counted', () => {
    expect(summarise(input()).exchange).toEqual({
      id: 'binance',
      requests: 12,
      weight: 30,
      http429: 1,
      http418: 0,
      marketsRequests: 2,
    });
  });

  it('counts the synthetic markets and marks each one, the configured symbols unmarked', () => {
    const summary = summarise(
      input({ symbols: ['LTC/BTC', 'SYN1/USDT'], syntheticSymbols: ['SYN1/USDT'] }),
    );

    expect(summary.synthetic).toBe(1);
    expect(summary.perSymbol['SYN1/USDT']?.synthetic).toBe(true);
    expect(summary.perSymbol['LTC/BTC']?.synthetic).toBe(false);
    expect(summarise(input()).synthetic).toBe(0);
  });

  it('reports the peak resident memory it was given, in bytes', () => {
    expect(summarise(input({ peakRssBytes: 123_456_789 })).peakRssBytes).toBe(123_456_789);
  });

  it('counts a due symbol tick that ended neither ok nor skipped as lost, and a halted one as not', () => {
    // ticks 0-3 ended ok or skipped; tick 4's every attempt timed out; tick 5 was never invoked;
    // tick 6 was held back by the kill switch
    const summary = summarise(
      input({
        dueTicks: [
          ...due([0, 1, 2, 3, 4, 5]),
          { symbol: 'LTC/BTC', scheduledAt: iso(6), halted: true },
        ],
      }),
    );

    expect(summary.dueSymbolTicks).toBe(7);
    expect(summary.lost).toBe(2);
    expect(summarise(input({ dueTicks: due([0, 1, 2, 3]) })).lost).toBe(0);
  });

  it('times each tick from its fan-out start to the end of its last invocation, retries included', () => {
    const summary = summarise(
      input({ dueTicks: due([0, 1, 2, 3, 4]), fanOutMs: new Map([[iso(0), 40]]) }),
    );

    // 1001-900, 1011-910, 1021-920, then ticks 3 and 4 end on their second attempt: 1032-930, 1042-940
    expect(summary.tickLatency.ticks.map((t) => t.latencyMs)).toEqual([101, 101, 101, 102, 102]);
    expect(summary.tickLatency.p50Ms).toBe(101);
    expect(summary.tickLatency.p99Ms).toBeCloseTo(102, 12);
    expect(summary.tickLatency.max).toBe(102);
    expect(summary.tickLatency.ticks[0]).toEqual({
      scheduledAt: iso(0),
      symbolTicks: 1,
      fanOutMs: 40,
      latencyMs: 101,
      lost: 0,
      withinPeriod: true,
    });
  });

  it('says per tick whether its last symbol finished within the tick period the run spaced ticks by', () => {
    const summary = summarise(input({ dueTicks: due([0, 1, 2, 3]), tickSpacingMs: 101.5 }));

    expect(summary.tickLatency.periodMs).toBe(101.5);
    expect(summary.tickLatency.ticks.map((t) => t.withinPeriod)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    // By default the spacing is the schedule's period times the time scale.
    expect(summarise(input()).tickLatency.periodMs).toBe(period * 0.1);
  });

  it('counts a tick with a lost symbol tick as not done within its period, however fast the rest', () => {
    const summary = summarise(input({ dueTicks: due([0, 1, 2, 3, 4]) }));

    expect(summary.tickLatency.ticks.map((t) => [t.lost, t.withinPeriod])).toEqual([
      [0, true],
      [0, true],
      [0, true],
      [0, true],
      [1, false],
    ]);
  });
});

describe('summarise: stops', () => {
  const simStop = (symbol: string, amount: number, orderId: number) => ({
    symbol,
    side: 'sell' as const,
    type: 'stop' as const,
    status: 'open' as const,
    amount,
    price: 0,
    fee: 0,
    clientOrderId: `tf-p-1-${orderId}`,
    orderId,
    stopPrice: 0.009,
    placedAt: 0,
    time: 0,
    updatedAt: 0,
  });
  const held = (symbol: string, amount: number) => ({
    symbol,
    amount,
    entryPrice: 0.01,
    realisedPnl: 0,
    version: 2,
  });

  it('counts the open positions holding exactly one stop for what they hold', () => {
    // Prepare: LTC protected, ETH with two stops, XRP with a stop for less, DOGE with none
    const summary = summarise(
      input({
        symbols: ['LTC/BTC', 'ETH/BTC', 'XRP/BTC', 'DOGE/BTC', 'ADA/BTC'],
        positions: [
          held('LTC/BTC', 1),
          held('ETH/BTC', 1),
          held('XRP/BTC', 1),
          held('DOGE/BTC', 1),
          held('ADA/BTC', 0),
        ],
        exchangeOpenOrders: [
          simStop('LTC/BTC', 1, 1),
          simStop('ETH/BTC', 1, 2),
          simStop('ETH/BTC', 1, 3),
          simStop('XRP/BTC', 0.5, 4),
        ],
      }),
    );

    // Assess
    expect(summary.positions).toEqual({ open: 4, withStopOnExchange: 1 });
  });

  it("books a stop's fill as a trade in the candle it filled in, with its reason, and as an intent only once filled", () => {
    // Prepare
    const record = (fields: Partial<OrderRecord>): OrderRecord => ({
      clientOrderId: 'tf-p-1-a',
      symbol: 'LTC/BTC',
      strategy: 'sma-cross',
      side: 'sell',
      candleTime: 1_000,
      amount: 1,
      referencePrice: 0.009,
      status: 'open',
      kind: 'stop',
      stopPrice: 0.009,
      exitReason: 'stoploss',
      createdAt: '2018-01-20T00:00:00.000Z',
      version: 3,
      ...fields,
    });

    // Act
    const summary = summarise(
      input({
        orders: [
          record({ clientOrderId: 'tf-p-1-open' }),
          record({
            clientOrderId: 'tf-p-2-filled',
            status: 'filled',
            filledAmount: 1,
            averagePrice: 0.009,
            fillCandleTime: 4_000,
          }),
        ],
      }),
    );

    // Assess
    expect(summary.orders.intents).toBe(1);
    expect(summary.trades).toEqual([
      expect.objectContaining({
        clientOrderId: 'tf-p-2-filled',
        candleTime: 4_000,
        reason: 'stoploss',
      }),
    ]);
  });
});

describe('formatSummary', () => {
  it('prints ok, failed and skipped symbol ticks apart, and the unrealised pnl', () => {
    const text = formatSummary(summarise(input()));
    const [header, , row] = text.split('\n');

    expect(header).toMatch(
      /^symbol\s+ticks\s+ok\s+failed\s+skipped\s+breaker\s+orders\s+position\s+pnl\s+unrealised\s+p50 ms\s+p99 ms$/,
    );
    expect(row).toMatch(
      /^LTC\/BTC\s+5\s+3\s+1\s+1\s+closed\s+0\s+2\s+0\.008\s+0\.005\s+101\s+102$/,
    );
    expect(text).toContain('symbol ticks: ok 3  skipped 1  failed 1');
  });

  it('lists deadline and disabled skips on the skipped line as soon as a tick ended with one', () => {
    const tickResults = [result(0, 'skipped', 'deadline'), result(2, 'skipped', 'disabled')];

    const text = formatSummary(summarise(input({ tickResults })));

    expect(text).toContain(
      'skipped: stale 0  halted 0  breaker 0  deadline 1  disabled 1  poison messages 0',
    );
    expect(formatSummary(summarise(input()))).toContain(
      'skipped: stale 1  halted 0  breaker 0  poison messages 0',
    );
  });

  it('marks synthetic symbols, lists the notable ones and sums the rest in one row', () => {
    const symbols = ['LTC/BTC', ...Array.from({ length: 30 }, (_, i) => `SYN${i}/USDT`)];
    const syn1 = { ...result(0, 'ok'), symbol: 'SYN1/USDT' };
    const tickResults = [
      result(0, 'ok'),
      result(1, 'ok'),
      { ...syn1, tickId: tickId({ symbol: 'SYN1/USDT', scheduledAt: Date.parse(iso(0)) }) },
    ];
    const text = formatSummary(
      summarise(
        input({
          symbols,
          syntheticSymbols: symbols.slice(1),
          tickResults,
          invocations: [
            ...invocations.slice(0, 2),
            { ...invocation('s1', 0, ok), symbol: 'SYN1/USDT' },
            { ...invocation('s2', 0, timedOut), symbol: 'SYN2/USDT' },
          ],
        }),
      ),
    );
    const lines = text.split('\n');

    expect(lines.find((l) => l.startsWith('LTC/BTC '))).toBeDefined();
    // SYN2's tick failed: it has a row of its own, marked
    expect(lines.find((l) => l.startsWith('SYN2/USDT *'))).toMatch(/^SYN2\/USDT \*\s+1\s+0\s+1\s/);
    expect(lines.some((l) => l.startsWith('SYN1/USDT'))).toBe(false);
    // the other 29 (SYN1's one tick ended ok) summed in one row
    expect(lines.find((l) => l.startsWith('29 more synthetic *'))).toMatch(
      /^29 more synthetic \*\s+1\s+1\s+0\s/,
    );
    expect(text).toContain('* synthetic market generated by the simulator (--synthetic 30)');
  });

  it('prints the exchange counters, the lost symbol ticks, the tick latency and the peak memory', () => {
    const text = formatSummary(
      summarise(input({ dueTicks: due([0, 1, 2, 3, 4]), tickSpacingMs: 101.5 })),
    );

    expect(text).toContain(
      'exchange: binance (simulator)  requests 12  weight 30  429 1  418 0  markets requests 2',
    );
    expect(text).toContain('symbol ticks: ok 3  skipped 1  failed 1  lost 1 of 5 due  LOST');
    expect(text).toContain('p50 101 ms  p99 102 ms  max 102 ms; 2 of 5 ticks NOT done within');
    expect(text).toContain('peak memory (resident, the whole run): 300 MiB');
  });

  it('rounds pnl to six significant digits and an amount to its market step', () => {
    const summary = summarise(
      input({ positions: [{ ...position, amount: 0.12345678, realisedPnl: 0.000009999825 }] }),
    );

    const text = formatSummary(summary, { 'LTC/BTC': { amount: { step: 0.001 } } });
    const row = text.split('\n')[2] ?? '';

    // pnl 0.000009999825 + 0.12345678 × 0.0025 = 0.000318641775
    expect(row).toMatch(/\s0\.123\s+0\.000318642\s+0\.000308642\s/);
  });
});
