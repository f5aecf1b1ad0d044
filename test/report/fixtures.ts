import { join } from 'node:path';
import type { Candle } from '../../lib/domain/candle.js';
import { applyFill, flatPosition, type Position, totalPnl } from '../../lib/domain/position.js';
import { Signal } from '../../lib/domain/signal.js';
import { createStrategy } from '../../lib/domain/strategies/registry.js';
import type { ReportedSummary, RunInvocation, RunReportData } from '../../lib/local/run-report.js';
import { percentile } from '../../lib/local/summary.js';
import { defaultDataDir, loadCandles } from '../../lib/market-data/ohlcv-data.js';

export const feeRate = 0.001;
const stake = 0.01;

/** Deterministic pseudo-random numbers in [0, 1), so a fixture is the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The shipped candles of `symbol` (5m), e.g. `LTC/BTC` → `LTC_BTC-5m.json`. */
export function shippedCandles(symbol: string): Promise<readonly Candle[]> {
  return loadCandles(join(defaultDataDir, `${symbol.replace('/', '_')}-5m.json`));
}

type Trade = ReportedSummary['trades'][number];

/** Fills sma-cross would make over `candles`: a stake's worth on each entry, all of it on exit. */
export function smaCrossTrades(symbol: string, candles: readonly Candle[]): Trade[] {
  const run = createStrategy('sma-cross', {}).start();
  const trades: Trade[] = [];
  let held = 0;
  for (const candle of candles) {
    const signal = run.next(candle);
    const side =
      signal === Signal.Enter && held === 0
        ? 'buy'
        : signal === Signal.Exit && held > 0
          ? 'sell'
          : undefined;
    if (side === undefined) continue;
    const amount = side === 'buy' ? Math.round((stake / candle.close) * 1000) / 1000 : held;
    held = side === 'buy' ? amount : 0;
    trades.push({
      symbol,
      side,
      candleTime: candle.time,
      price: candle.close,
      amount,
      clientOrderId: `sma-cross:${symbol}:${candle.time}:${side}`,
    });
  }
  return trades;
}

/**
 * A realistic run over the shipped 5m candles of `symbols`: sma-cross fills, one symbol tick per
 * candle with latencies of a few hundred ms, some retried failures (one message carrying markup),
 * a dead-lettered message and stale skips, and the RunSummary those records add up to.
 */
export async function realisticRun(
  symbols: readonly string[] = ['LTC/BTC', 'ETC/BTC'],
): Promise<RunReportData> {
  const random = seeded(7);
  const candles: Record<string, readonly Candle[]> = {};
  const trades: Trade[] = [];
  const invocations: RunInvocation[] = [];
  const perSymbol: Record<string, ReportedSummary['perSymbol'][string]> = {};
  const latencies: number[] = [];
  let retried = 0;
  let ticks = 0;
  for (const symbol of symbols) {
    const mine = await shippedCandles(symbol);
    candles[symbol] = mine;
    ticks = Math.max(ticks, mine.length);
    const fills = smaCrossTrades(symbol, mine);
    trades.push(...fills);

    const own: RunInvocation[] = [];
    const ownLatencies: number[] = [];
    for (let i = 0; i < mine.length; i++) {
      // Every 997th tick fails once with a timeout and succeeds on its retry.
      if (i % 997 === 500) {
        own.push({
          symbol,
          ok: false,
          kind: 'timeout',
          error: 'Task timed out after 30 s',
          durationMs: 30_000,
        });
        retried++;
      }
      const latency = Math.round(90 + 60 * -Math.log(1 - random()) + (random() < 0.01 ? 900 : 0));
      own.push({ symbol, ok: true, durationMs: latency - 20, latencyMs: latency });
      ownLatencies.push(latency);
    }
    invocations.push(...own);
    latencies.push(...ownLatencies);

    const last = mine.at(-1)?.close ?? 0;
    const position = fills.reduce<Position>(
      (p, t) =>
        applyFill(p, {
          side: t.side === 'sell' ? 'sell' : 'buy',
          amount: t.amount,
          price: t.price,
          fee: t.price * t.amount * feeRate,
        }),
      flatPosition(symbol),
    );
    // The first symbol's two stale skips and its dead-lettered message (below) are its only
    // ticks that did not end ok.
    const [skipped, failedTicks] = symbol === symbols[0] ? [2, 1] : [0, 0];
    perSymbol[symbol] = {
      ticks: mine.length,
      ok: mine.length - skipped - failedTicks,
      skipped,
      failedTicks,
      succeeded: own.filter((r) => r.ok).length,
      failed: own.filter((r) => !r.ok).length,
      orders: fills.length,
      position: position.amount,
      pnl: totalPnl(position, last),
      unrealisedPnl: totalPnl(position, last) - position.realisedPnl,
      markPrice: last,
      latencyMs: { p50: percentile(ownLatencies, 50), p99: percentile(ownLatencies, 99) },
    };
  }
  // A message that failed three times with markup in its error, then went to the dead-letter queue.
  const poisoned = symbols[0] ?? 'LTC/BTC';
  for (let i = 0; i < 3; i++) {
    invocations.push({
      symbol: poisoned,
      ok: false,
      kind: 'ExchangeError',
      error: '<script>window.pwned = true</script> & "quoted" <b>bold</b>',
      durationMs: 40,
    });
  }
  retried += 2;

  trades.sort((a, b) => a.candleTime - b.candleTime || a.symbol.localeCompare(b.symbol));
  const summary: ReportedSummary = {
    ticks,
    symbols,
    invocations: invocations.length,
    succeeded: invocations.filter((r) => r.ok).length,
    failed: invocations.filter((r) => !r.ok).length,
    retried,
    deadLettered: 1,
    skipped: { stale: 2, halted: 0, breaker: 0 },
    tickOutcomes: {
      ok: Object.values(perSymbol).reduce((sum, s) => sum + s.ok, 0),
      skipped: 2,
      failed: 1,
    },
    orders: { intents: trades.length, exchange: trades.length, duplicates: 0 },
    positions: { open: 1, withStopOnExchange: 1 },
    trades,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    perSymbol,
  };
  const first = Math.min(...Object.values(candles).map((c) => c[0]?.time ?? 0));
  const lastTick = Math.max(...Object.values(candles).map((c) => c.at(-1)?.time ?? 0));
  return {
    summary,
    candles,
    invocations,
    feeRate,
    span: { firstTick: first, lastTick },
    skips: [
      { symbol: poisoned, reason: 'stale' },
      { symbol: poisoned, reason: 'stale' },
    ],
  };
}
