import type { BotConfig } from '../config/schema.js';
import { isDue, type Timeframe, timeframeMs } from '../domain/candle.js';
import { TradingMode } from '../domain/control.js';
import { BreakerState, isSilent } from '../domain/symbol-health.js';
import type { SymbolTick } from '../domain/tick.js';
import type { MetricsSink } from '../ports/metrics.js';
import type { StateStore } from '../ports/state-store.js';
import type { SymbolQueue } from '../ports/symbol-queue.js';

export interface FanOutDeps {
  readonly queue: SymbolQueue;
  readonly metrics: MetricsSink;
  /** Read in batches: a tick of a thousand symbols must not cost a thousand round trips. */
  readonly store: Pick<StateStore, 'getSymbolStates'>;
  readonly config: Pick<BotConfig, 'symbols' | 'guards'>;
}

export interface FanOutResult {
  readonly scheduledAt: string;
  /** Symbol ticks due at this tick. */
  readonly scheduled: number;
  readonly dispatched: number;
  readonly failed: readonly { readonly symbol: string; readonly error: string }[];
  /** Enabled symbols with no successful tick for `guards.silencePeriods` of their periods. */
  readonly silent: readonly string[];
  readonly openBreakers: readonly string[];
  /** The kill switch as this tick found it. */
  readonly trading: TradingMode;
  /** Due symbol ticks not dispatched because trading is halted. */
  readonly halted: number;
  /**
   * Ticks dispatched only to reconcile the stop of a position held while trading is halted or
   * the symbol is disabled; the trade function ends them skipped.
   */
  readonly protecting: number;
}

/**
 * Fans one schedule tick out into one queued message per due symbol.
 *
 * 1. Align the scheduled time to its minute (Scheduler fires within the minute).
 * 2. Pick the enabled symbols whose timeframe starts a new candle at that time.
 * 3. Read the kill switch, every enabled symbol's health and the position of every due disabled
 *    symbol in one batched read; only while halted, read the due enabled symbols' positions in a
 *    second (a running bot does not pay a thousand position reads a tick it has no use for).
 * 4. Unless the kill switch halts trading, send the due symbols to the symbol queue, ten per
 *    batch and several batches at once; the queue retries failed entries. (Close-only still
 *    dispatches: exits must go on.) While halted, and for a disabled symbol, only a symbol
 *    holding a position is sent: its tick trades nothing, but reconciles the stop that protects
 *    what it holds.
 * 5. From the health read, count open breakers and symbols silent for `silencePeriods` of their
 *    periods (silence is an alarm, not an absence of logs).
 * 6. Count what was due, dispatched and lost, and return it.
 */
export async function fanOutTick(
  deps: FanOutDeps,
  input: { scheduledAt: number },
): Promise<FanOutResult> {
  const { config, metrics } = deps;
  const scheduledAt = Math.floor(input.scheduledAt / 60_000) * 60_000;
  const enabled = config.symbols.filter((s) => s.enabled);
  const due = (s: { readonly timeframe: Timeframe }) => isDue(scheduledAt, s.timeframe);
  const ticks: SymbolTick[] = enabled.filter(due).map((s) => ({ symbol: s.symbol, scheduledAt }));
  const read = await deps.store.getSymbolStates({
    health: enabled.map((s) => s.symbol),
    positions: config.symbols.filter((s) => !s.enabled && due(s)).map((s) => s.symbol),
  });
  const { control } = read;
  const halted = control.mode === TradingMode.Halted;
  const positions =
    halted && ticks.length > 0
      ? new Map([
          ...read.positions,
          ...(
            await deps.store.getSymbolStates({ health: [], positions: ticks.map((t) => t.symbol) })
          ).positions,
        ])
      : read.positions;
  const guarded = config.symbols
    .filter((s) => due(s) && (halted || !s.enabled))
    .filter((s) => (positions.get(s.symbol)?.amount ?? 0) > 0)
    .map((s) => s.symbol);
  const protecting = guarded.map((symbol) => ({ symbol, scheduledAt }));
  const sending = halted ? protecting : [...ticks, ...protecting];
  const result = sending.length > 0 ? await deps.queue.send(sending) : { sent: 0, failed: [] };
  const health = enabled.flatMap((s) => {
    const h = read.health.get(s.symbol);
    return h === undefined ? [] : [{ config: s, health: h }];
  });
  const silent = health
    .filter(({ config: s, health: h }) => {
      const window = config.guards.silencePeriods * timeframeMs(s.timeframe);
      return isSilent(h, scheduledAt, window);
    })
    .map(({ config: s }) => s.symbol);
  const openBreakers = health
    .filter(({ health: h }) => h.breaker !== BreakerState.Closed)
    .map(({ health: h }) => h.symbol);
  metrics.add('TicksScheduled', ticks.length);
  metrics.add('SymbolsDispatched', result.sent);
  metrics.add('DispatchFailures', result.failed.length);
  metrics.add('SilentSymbols', silent.length);
  metrics.add('OpenBreakers', openBreakers.length);
  metrics.add('TradingHalted', control.mode === TradingMode.Active ? 0 : 1);
  const held = new Set(guarded);
  const undispatched = halted ? ticks.filter((t) => !held.has(t.symbol)).length : 0;
  if (halted) metrics.add('HaltRefusals', undispatched);
  return {
    scheduledAt: new Date(scheduledAt).toISOString(),
    scheduled: ticks.length,
    dispatched: result.sent,
    failed: result.failed.map((f) => ({ symbol: f.tick.symbol, error: f.error })),
    silent,
    openBreakers,
    trading: control.mode,
    halted: undispatched,
    protecting: protecting.length,
  };
}
