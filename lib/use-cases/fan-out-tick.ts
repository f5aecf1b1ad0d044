import type { SymbolConfig } from '../config/schema.js';
import { isDue } from '../domain/candle.js';
import type { SymbolTick } from '../domain/tick.js';
import type { MetricsSink } from '../ports/metrics.js';
import type { SymbolQueue } from '../ports/symbol-queue.js';

export interface FanOutDeps {
  readonly queue: SymbolQueue;
  readonly metrics: MetricsSink;
  readonly symbols: readonly SymbolConfig[];
}

export interface FanOutResult {
  readonly scheduledAt: string;
  /** Symbol ticks due at this tick. */
  readonly scheduled: number;
  readonly dispatched: number;
  readonly failed: readonly { readonly symbol: string; readonly error: string }[];
}

/**
 * Fans one schedule tick out into one queued message per due symbol.
 *
 * 1. Align the scheduled time to its minute (Scheduler fires within the minute).
 * 2. Pick the enabled symbols whose timeframe starts a new candle at that time.
 * 3. Send them to the symbol queue, ten per batch; the queue retries failed entries.
 * 4. Count what was due, dispatched and lost, and return it.
 */
export async function fanOutTick(
  deps: FanOutDeps,
  input: { scheduledAt: number },
): Promise<FanOutResult> {
  const scheduledAt = Math.floor(input.scheduledAt / 60_000) * 60_000;
  const ticks: SymbolTick[] = deps.symbols
    .filter((s) => s.enabled && isDue(scheduledAt, s.timeframe))
    .map((s) => ({ symbol: s.symbol, scheduledAt }));
  const result = ticks.length > 0 ? await deps.queue.send(ticks) : { sent: 0, failed: [] };
  deps.metrics.add('TicksScheduled', ticks.length);
  deps.metrics.add('SymbolsDispatched', result.sent);
  deps.metrics.add('DispatchFailures', result.failed.length);
  return {
    scheduledAt: new Date(scheduledAt).toISOString(),
    scheduled: ticks.length,
    dispatched: result.sent,
    failed: result.failed.map((f) => ({ symbol: f.tick.symbol, error: f.error })),
  };
}
