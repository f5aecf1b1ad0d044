import { beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../lib/domain/candle.js';
import { applyFill, flatPosition, type Position, totalPnl } from '../../lib/domain/position.js';
import {
  equityCurve,
  type ReportedSummary,
  roundTrips,
  runFigures,
  runInvocations,
  runReportInput,
} from '../../lib/local/run-report.js';
import type { InvocationRecord } from '../../lib/local/sqs-event-source.js';
import { percentile, summarise } from '../../lib/local/summary.js';
import { feeRate, realisticRun, shippedCandles, smaCrossTrades } from './fixtures.js';

let run: Awaited<ReturnType<typeof realisticRun>>;
beforeAll(async () => {
  run = await realisticRun();
});

describe('runReportInput', () => {
  it('shows every headline figure as the summary JSON has it', () => {
    const json = JSON.parse(JSON.stringify(run.summary)) as ReportedSummary;
    const figures = Object.fromEntries(runReportInput(run).figures);
    expect(figures).toEqual({
      ticks: String(json.ticks),
      invocations: String(json.invocations),
      succeeded: String(json.succeeded),
      failed: String(json.failed),
      retried: String(json.retried),
      'dead-lettered': String(json.deadLettered),
      'skipped: stale': String(json.skipped.stale),
      'skipped: halted': String(json.skipped.halted),
      'skipped: breaker': String(json.skipped.breaker),
      'orders: intents': String(json.orders.intents),
      'orders: on the exchange': String(json.orders.exchange),
      'orders: duplicates': String(json.orders.duplicates),
      trades: String(json.trades.length),
      'latency p50 (ms)': String(json.latencyMs.p50),
      'latency p99 (ms)': String(json.latencyMs.p99),
    });
  });

  it('gives each symbol its candles, one marker per fill and an equity point per candle', () => {
    const input = runReportInput(run);
    expect(input.symbols.map((s) => s.symbol)).toEqual(['LTC/BTC', 'ETC/BTC']);
    for (const s of input.symbols) {
      const fills = run.summary.trades.filter((t) => t.symbol === s.symbol);
      expect(fills.length).toBeGreaterThan(20);
      expect(s.markers).toEqual(
        fills.map((t) => ({ time: t.candleTime, side: t.side, price: t.price })),
      );
      expect(s.prices).toHaveLength(run.candles[s.symbol]?.length ?? -1);
      expect(s.equity).toHaveLength(s.prices.length);
      expect(s.quote).toBe('BTC');
    }
  });

  it('ends each equity curve at the symbol’s pnl as the summary marks it', () => {
    for (const s of runReportInput(run).symbols) {
      expect(s.equity.at(-1)?.value).toBeCloseTo(run.summary.perSymbol[s.symbol]?.pnl ?? 1, 12);
    }
  });

  it('feeds the histogram exactly the latencies the summary’s percentiles are taken over', () => {
    const { latenciesMs } = runReportInput(run);
    expect(latenciesMs).toHaveLength(
      Object.values(run.candles).reduce((sum, c) => sum + c.length, 0),
    );
    expect(percentile(latenciesMs ?? [], 50)).toBe(run.summary.latencyMs.p50);
    expect(percentile(latenciesMs ?? [], 99)).toBe(run.summary.latencyMs.p99);
  });

  it('groups failures by symbol and kind, with skips as their own rows', () => {
    const failures = runReportInput(run).failures ?? [];
    expect(failures).toEqual([
      { symbol: 'ETC/BTC', kind: 'timeout', count: 6, example: 'Task timed out after 30 s' },
      {
        symbol: 'LTC/BTC',
        kind: 'ExchangeError',
        count: 3,
        example: '<script>window.pwned = true</script> & "quoted" <b>bold</b>',
      },
      { symbol: 'LTC/BTC', kind: 'skipped: stale', count: 2 },
      { symbol: 'LTC/BTC', kind: 'timeout', count: 6, example: 'Task timed out after 30 s' },
    ]);
    const failed = failures.filter((f) => !f.kind.startsWith('skipped'));
    expect(failed.reduce((sum, f) => sum + f.count, 0)).toBe(run.summary.failed);
  });

  it('says the span and the symbols under the title', () => {
    expect(runReportInput(run).subtitle).toBe(
      '5760 ticks from 2018-01-10T04:55Z to 2018-01-30T04:50Z · LTC/BTC, ETC/BTC',
    );
  });
});

describe('equityCurve', () => {
  const candles: Candle[] = [1, 2, 3, 4].map((close, i) => ({
    time: i * 60_000,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
  }));
  const trade = (side: string, i: number, amount: number) => ({
    symbol: 'A/B',
    side,
    candleTime: i * 60_000,
    price: candles[i]?.close ?? 0,
    amount,
    clientOrderId: `${side}${i}`,
  });

  it('marks the position at each close, with fees taken from the cash', () => {
    const curve = equityCurve(candles, [trade('buy', 1, 10), trade('sell', 3, 10)], 0.01, 100);
    // buy 10 at 2 pays 20 + 0.2 fee; sell 10 at 4 receives 40 - 0.4 fee
    const expected = [100, 99.8, 109.8, 119.4];
    expect(curve.map((p) => p.time)).toEqual(candles.map((c) => c.time));
    for (const [i, p] of curve.entries()) expect(p.value).toBeCloseTo(expected[i] ?? 0, 12);
  });

  it('is flat at the start without trades', () => {
    expect(equityCurve(candles, [], feeRate).map((p) => p.value)).toEqual([0, 0, 0, 0]);
  });

  it('agrees with the domain’s own position arithmetic over real candles', async () => {
    const real = await shippedCandles('LTC/BTC');
    const trades = smaCrossTrades('LTC/BTC', real);
    const curve = equityCurve(real, trades, feeRate);
    let position: Position = flatPosition('LTC/BTC');
    let next = 0;
    for (const [i, candle] of real.entries()) {
      for (let t = trades[next]; t && t.candleTime <= candle.time; t = trades[++next]) {
        const side = t.side === 'sell' ? 'sell' : 'buy';
        position = applyFill(position, { ...t, side, fee: t.price * t.amount * feeRate });
      }
      if (i % 97 === 0) expect(curve[i]?.value).toBeCloseTo(totalPnl(position, candle.close), 12);
    }
  });
});

describe('roundTrips', () => {
  it('pairs each entry with its exit and leaves an open position without one', async () => {
    const real = await shippedCandles('ETC/BTC');
    const trades = smaCrossTrades('ETC/BTC', real);
    const rows = roundTrips(trades, feeRate);
    expect(rows).toHaveLength(Math.ceil(trades.length / 2));
    const closed = rows.filter((r) => r.exitTime !== undefined);
    expect(closed).toHaveLength(Math.floor(trades.length / 2));
    const equity = equityCurve(real, trades, feeRate);
    const open = rows.find((r) => r.exitTime === undefined);
    const last = real.at(-1)?.close ?? 0;
    const openValue = open ? open.amount * (last - open.entryPrice) - open.fee : 0;
    const realised = closed.reduce((sum, r) => sum + (r.pnl ?? 0), 0);
    expect(realised + openValue).toBeCloseTo(equity.at(-1)?.value ?? 1, 12);
  });
});

describe('runFigures', () => {
  it('prints numbers as JSON prints them', () => {
    const figures = Object.fromEntries(
      runFigures({ ...run.summary, latencyMs: { p50: 118.5, p99: 1e21 } }),
    );
    expect(figures['latency p50 (ms)']).toBe('118.5');
    expect(figures['latency p99 (ms)']).toBe(JSON.stringify(1e21));
  });
});

describe('runInvocations', () => {
  const at = (iso: string) => Date.parse(iso);
  const record = (
    messageId: string,
    symbol: string,
    scheduledAt: string,
    endedAt: number,
    outcome: InvocationRecord['outcome'],
    extra: Partial<Pick<InvocationRecord, 'receiveCount' | 'itemFailed'>> = {},
  ): InvocationRecord => {
    const timing = { startedAt: endedAt - outcome.durationMs, endedAt };
    return {
      messageId,
      symbol,
      scheduledAt,
      receiveCount: 1,
      outcome,
      duplicate: false,
      itemFailed: false,
      ...timing,
      ...extra,
    };
  };
  const ok = { ok: true, value: undefined, durationMs: 50, coldStart: false } as const;
  const tick1 = '2018-01-10T12:00:00.000Z';
  const tick2 = '2018-01-10T12:05:00.000Z';
  const fanOutStartedAt = new Map([
    [tick1, at('2030-01-01T00:00:00Z')],
    [tick2, at('2030-01-01T00:00:10Z')],
  ]);
  const records = [
    record('m1', 'LTC/BTC', tick1, at('2030-01-01T00:00:00.120Z'), ok),
    record('m2', 'ETC/BTC', tick1, at('2030-01-01T00:00:00.300Z'), {
      ok: false,
      error: { name: 'Error', message: 'Task timed out' },
      timedOut: true,
      durationMs: 30_000,
      coldStart: false,
    }),
    record('m2', 'ETC/BTC', tick1, at('2030-01-01T00:00:02.000Z'), ok, { receiveCount: 2 }),
    record('m3', 'LTC/BTC', tick2, at('2030-01-01T00:00:10.090Z'), {
      ok: false,
      error: { name: 'ExchangeError', message: 'InsufficientFunds' },
      timedOut: false,
      durationMs: 20,
      coldStart: false,
    }),
    record('m4', 'ETC/BTC', tick2, at('2030-01-01T00:00:10.200Z'), ok, { itemFailed: true }),
  ];

  it('measures latency as summarise does: to the end of each message’s last invocation', () => {
    const invocations = runInvocations(records, fanOutStartedAt);
    const summary = summarise({
      ticks: 2,
      symbols: ['LTC/BTC', 'ETC/BTC'],
      invocations: records,
      fanOutStartedAt,
      tickResults: [],
      orders: [],
      positions: [],
      exchangeOrders: [],
      deadLettered: 0,
      tickPeriodMs: 300_000,
      lastPrices: {},
      health: [],
      silent: [],
      timeScale: 1,
      deadLetteredBySymbol: new Map(),
      poisoned: 0,
      haltedDispatches: 0,
    });
    const latencies = invocations.flatMap((i) => (i.latencyMs === undefined ? [] : [i.latencyMs]));
    expect(latencies).toEqual([120, 2000, 90, 200]);
    expect(percentile(latencies, 50)).toBe(summary.latencyMs.p50);
    expect(percentile(latencies, 99)).toBe(summary.latencyMs.p99);
    expect(invocations.filter((i) => i.ok)).toHaveLength(summary.succeeded);
  });

  it('names what failed: a timeout, the error, or a batch item failure', () => {
    const failed = runInvocations(records, fanOutStartedAt).filter((i) => !i.ok);
    expect(failed.map((i) => [i.kind, i.error])).toEqual([
      ['timeout', 'Task timed out'],
      ['ExchangeError', 'InsufficientFunds'],
      ['batch item failure', undefined],
    ]);
  });
});
