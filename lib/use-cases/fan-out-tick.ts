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
  readonly store: Pick<StateStore, 'getHealth' | 'getControl' | 'getPosition'>;
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
 * 3. Unless the kill switch halts trading, send them to the symbol queue, ten per batch; the
 *    queue retries failed entries. (Close-only still dispatches: exits must go on.) While halted,
 *    and for a disabled symbol, only a symbol holding a position is sent: its tick trades
 *    nothing, but reconciles the stop that protects what it holds.
 * 4. Read every enabled symbol's health: count open breakers and symbols silent for
 *    `silencePeriods` of their periods (silence is an alarm, not an absence of logs).
 * 5. Count what was due, dispatched and lost, and return it.
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
  const [control, health] = await Promise.all([
    deps.store.getControl(),
    Promise.all(enabled.map((s) => deps.store.getHealth(s.symbol))),
  ]);
  const halted = control.mode === TradingMode.Halted;
  const guarded = await heldOnly(
    deps.store,
    config.symbols.filter((s) => due(s) && (halted || !s.enabled)),
  );
  const protecting = guarded.map((symbol) => ({ symbol, scheduledAt }));
  const sending = halted ? protecting : [...ticks, ...protecting];
  const result = sending.length > 0 ? await deps.queue.send(sending) : { sent: 0, failed: [] };
  const silent = enabled
    .filter((s, i) => {
      const h = health[i];
      const window = config.guards.silencePeriods * timeframeMs(s.timeframe);
      return h !== undefined && isSilent(h, scheduledAt, window);
    })
    .map((s) => s.symbol);
  const openBreakers = health.filter((h) => h.breaker !== BreakerState.Closed).map((h) => h.symbol);
  metrics.add('TicksScheduled', ticks.length);
  metrics.add('SymbolsDispatched', result.sent);
  metrics.add('DispatchFailures', result.failed.length);
  metrics.add('SilentSymbols', silent.length);
  metrics.add('OpenBreakers', openBreakers.length);
  metrics.add('TradingHalted', control.mode === TradingMode.Active ? 0 : 1);
  const undispatched = halted ? ticks.filter((t) => !guarded.includes(t.symbol)).length : 0;
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

/** The symbols of `candidates` holding a position. */
async function heldOnly(
  store: Pick<StateStore, 'getPosition'>,
  candidates: readonly { readonly symbol: string }[],
): Promise<string[]> {
  const positions = await Promise.all(candidates.map((s) => store.getPosition(s.symbol)));
  return candidates.filter((_, i) => (positions[i]?.amount ?? 0) > 0).map((s) => s.symbol);
}
