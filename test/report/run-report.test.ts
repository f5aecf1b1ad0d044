import { beforeAll, describe, expect, it } from 'vitest';
import { applyFill, flatPosition, type Position, totalPnl } from '../../lib/domain/position.js';
import {
  fillsOf,
  type ReportedSummary,
  type RunReportData,
  reportedFailures,
  reportedSymbols,
  runFigures,
  runInvocations,
  runReportInput,
  tradeRows,
} from '../../lib/local/run-report.js';
import type { InvocationRecord } from '../../lib/local/sqs-event-source.js';
import { percentile, summarise } from '../../lib/local/summary.js';
import { formatNumber } from '../../lib/report/format-number.js';
import { renderReport } from '../../lib/report/render-report.js';
import { feeRate, realisticRun, shippedCandles, smaCrossTrades } from './fixtures.js';

let run: Awaited<ReturnType<typeof realisticRun>>;
beforeAll(async () => {
  run = await realisticRun();
});

describe('runReportInput', () => {
  it('shows every headline figure as the summary JSON has it, fills and round trips apart', () => {
    const json = JSON.parse(JSON.stringify(run.summary)) as ReportedSummary;
    const figures = Object.fromEntries(runReportInput(run).figures);
    const closed = (runReportInput(run).trades ?? []).filter((t) => t.exitTime !== undefined);
    const shown = (n: number) => formatNumber(n);
    expect(figures).toEqual({
      ticks: shown(json.ticks),
      'symbol ticks: ok': shown(json.tickOutcomes.ok),
      'symbol ticks: skipped': shown(json.tickOutcomes.skipped),
      'symbol ticks: failed': shown(json.tickOutcomes.failed),
      invocations: shown(json.invocations),
      succeeded: shown(json.succeeded),
      failed: shown(json.failed),
      retried: shown(json.retried),
      'dead-lettered': shown(json.deadLettered),
      'skipped: stale': shown(json.skipped.stale),
      'skipped: halted': shown(json.skipped.halted),
      'skipped: breaker': shown(json.skipped.breaker),
      'orders: intents': shown(json.orders.intents),
      'orders: on the exchange': shown(json.orders.exchange),
      'orders: duplicates': shown(json.orders.duplicates),
      fills: shown(json.trades.length),
      'positions: open': shown(json.positions.open),
      'positions: with their stop on the exchange': shown(json.positions.withStopOnExchange),
      'round trips': shown(closed.length),
      'latency p50 (ms)': shown(json.latencyMs.p50),
      'latency p99 (ms)': shown(json.latencyMs.p99),
    });
    expect(closed.length).toBeLessThan(json.trades.length);
  });

  it('shows deadline and disabled skips as figures of their own, like the other skip reasons', () => {
    const skipped = { stale: 1, halted: 0, breaker: 2, deadline: 20, disabled: 3 };

    const figures = Object.fromEntries(runFigures({ ...run.summary, skipped }));

    expect(figures).toMatchObject({
      'skipped: stale': '1',
      'skipped: breaker': '2',
      'skipped: deadline': '20',
      'skipped: disabled': '3',
    });
  });

  it('shows each symbol’s open position with its unrealised pnl at the last close', () => {
    for (const s of runReportInput(run).symbols) {
      const own = run.summary.perSymbol[s.symbol];
      const figures = Object.fromEntries(s.figures ?? []);
      const open = (runReportInput(run).trades ?? []).filter(
        (t) => t.symbol === s.symbol && t.exitTime === undefined,
      );
      if ((own?.position ?? 0) > 0) {
        expect(figures['unrealised pnl']).toBe(
          `${formatNumber(own?.unrealisedPnl ?? Number.NaN)} (at ${formatNumber(own?.markPrice ?? Number.NaN)})`,
        );
        expect(open).toHaveLength(1);
        // The round trip's pnl is after its entry fee; the position's unrealised part is not.
        const fee = open[0]?.fee ?? Number.NaN;
        expect(open[0]?.pnl).toBeCloseTo((own?.unrealisedPnl ?? Number.NaN) - fee, 12);
        expect(open[0]?.markPrice).toBe(run.candles[s.symbol]?.at(-1)?.close);
      } else {
        expect(figures['unrealised pnl']).toBe('0');
        expect(open).toHaveLength(0);
      }
    }
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

/** A run of `configured` plus `synthetic` symbols, one tick each, all ok unless `failing`. */
function manySymbols(
  configured: number,
  synthetic: number,
  failing: readonly string[] = [],
): RunReportData {
  const symbols = [
    ...Array.from({ length: configured }, (_, i) => `C${i}/BTC`),
    ...Array.from({ length: synthetic }, (_, i) => `SYN${i}/USDT`),
  ];
  const perSymbol = Object.fromEntries(
    symbols.map((symbol, i) => {
      const failed = failing.includes(symbol) ? 1 : 0;
      return [
        symbol,
        {
          ticks: 1,
          ok: 1 - failed,
          skipped: 0,
          failedTicks: failed,
          succeeded: 1 - failed,
          failed,
          orders: 0,
          position: 0,
          pnl: 0,
          unrealisedPnl: 0,
          markPrice: 1,
          latencyMs: { p50: 10, p99: 10 },
          synthetic: i >= configured,
        },
      ] as const;
    }),
  );
  return {
    summary: {
      ...run.summary,
      ticks: 1,
      symbols,
      synthetic,
      perSymbol,
      trades: [],
    },
    candles: {},
    invocations: failing.map((symbol) => ({
      symbol,
      ok: false,
      kind: 'timeout',
      error: 'Task timed out',
      durationMs: 30_000,
    })),
  };
}

describe('runReportInput with a thousand symbols', () => {
  it('charts at most reportedSymbols symbols, the configured and the failing ones first', () => {
    const data = manySymbols(3, 1000, ['SYN500/USDT', 'SYN900/USDT']);

    const charted = runReportInput(data).symbols.map((s) => s.symbol);

    expect(charted).toHaveLength(reportedSymbols);
    expect(charted.slice(0, 5)).toEqual([
      'C0/BTC',
      'C1/BTC',
      'C2/BTC',
      'SYN500/USDT',
      'SYN900/USDT',
    ]);
  });

  it('gives the charted symbols a row each, synthetic ones marked, and sums the rest in one row', () => {
    const table = runReportInput(manySymbols(3, 1000, ['SYN500/USDT'])).symbolTable;

    expect(table?.caption).toBe('Symbols: 1003, 1000 of them synthetic');
    expect(table?.rows).toHaveLength(reportedSymbols + 1);
    expect(table?.rows[3]?.cells[0]).toBe('SYN500/USDT (synthetic)');
    expect(table?.rows[0]?.cells[0]).toBe('C0/BTC');
    expect(table?.rows.at(-1)?.symbol).toBeUndefined();
    expect(table?.rows.at(-1)?.cells.slice(0, 5)).toEqual([
      `${1003 - reportedSymbols} other symbols (${1003 - reportedSymbols} synthetic)`,
      String(1003 - reportedSymbols),
      String(1003 - reportedSymbols),
      '0',
      '0',
    ]);
  });

  it('lists at most reportedFailures failure groups and sums the rest by kind', () => {
    const failing = Array.from({ length: 80 }, (_, i) => `SYN${i}/USDT`);

    const failures = runReportInput(manySymbols(0, 1000, failing)).failures ?? [];

    expect(failures).toHaveLength(reportedFailures + 1);
    expect(failures.at(-1)).toEqual({ symbol: '30 other symbols', kind: 'timeout', count: 30 });
    expect(failures.reduce((sum, f) => sum + f.count, 0)).toBe(80);
  });

  it('names the configured symbols under the title and counts the synthetic ones', () => {
    expect(runReportInput(manySymbols(12, 1000)).subtitle).toBe(
      '1 ticks · C0/BTC, C1/BTC, C2/BTC, C3/BTC, C4/BTC, C5/BTC, C6/BTC, C7/BTC, C8/BTC, C9/BTC and 2 more + 1000 synthetic',
    );
  });

  it('renders a page that stays small: no chart for the symbols summed in the last row', () => {
    const html = renderReport(runReportInput(manySymbols(3, 1000)));

    expect(html.match(/data-section="symbol"/g)).toHaveLength(reportedSymbols);
    expect(html).toContain('data-rest');
    expect(html.length).toBeLessThan(1_000_000);
  });
});

describe('tradeRows', () => {
  it('pairs each entry with its exit and marks an open position at the last close', async () => {
    const real = await shippedCandles('ETC/BTC');
    const trades = smaCrossTrades('ETC/BTC', real);
    const last = real.at(-1)?.close ?? 0;
    const rows = tradeRows(trades, feeRate, { 'ETC/BTC': last });
    expect(rows).toHaveLength(Math.ceil(trades.length / 2));
    const closed = rows.filter((r) => r.exitTime !== undefined);
    expect(closed).toHaveLength(Math.floor(trades.length / 2));
    const position = trades.reduce<Position>(
      (p, t) =>
        applyFill(p, {
          side: t.side === 'sell' ? 'sell' : 'buy',
          amount: t.amount,
          price: t.price,
          fee: t.price * t.amount * feeRate,
        }),
      flatPosition('ETC/BTC'),
    );
    const total = rows.reduce((sum, r) => sum + (r.pnl ?? 0), 0);
    expect(total).toBeCloseTo(totalPnl(position, last), 12);
    for (const r of rows) {
      expect(r.return).toBeCloseTo((r.pnl ?? 0) / (r.entryPrice * r.amount), 12);
    }
  });

  it('charges each fill the fee rate on its value', () => {
    const fills = fillsOf(
      [{ symbol: 'A/B', side: 'buy', candleTime: 0, price: 2, amount: 10, clientOrderId: 'x' }],
      0.01,
    );
    expect(fills.get('A/B')?.[0]?.fee).toBeCloseTo(0.2, 12);
  });
});

describe('runFigures', () => {
  it('rounds a figure to six significant digits, whole numbers kept whole', () => {
    const figures = Object.fromEntries(
      runFigures({ ...run.summary, latencyMs: { p50: 118.5, p99: 1234.5678912 } }),
    );
    expect(figures['latency p50 (ms)']).toBe('118.5');
    expect(figures['latency p99 (ms)']).toBe('1234.57');
    expect(figures.ticks).toBe(String(run.summary.ticks));
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
      exchange: 'binance',
      exchangeRequests: { requests: 0, weight: 0, http429: 0, http418: 0, marketsRequests: 0 },
      peakRssBytes: 0,
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
