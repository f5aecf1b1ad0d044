import { type BotConfig, fixedSymbols, selectedPairs } from '../config/schema.js';
import { isDue, type Timeframe, timeframeMs } from '../domain/candle.js';
import { TradingMode } from '../domain/control.js';
import { needsTicks } from '../domain/position.js';
import { BreakerState, isSilent } from '../domain/symbol-health.js';
import type { SymbolTick, TickPair } from '../domain/tick.js';
import type { MetricsSink } from '../ports/metrics.js';
import type { StateStore, SymbolStates } from '../ports/state-store.js';
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
   * Ticks dispatched only for what a symbol holds: to reconcile the stop of a position held while
   * trading is halted or the symbol is disabled (the trade function ends them skipped), or to
   * manage an exit-only pair (stop and exits, no entry).
   */
  readonly protecting: number;
  /** Pairs the volume selectors have listed, as this tick found the stored selection. */
  readonly selected: number;
  /** Pairs that left their selector's list while holding, managed for exits until flat. */
  readonly exitOnly: number;
}

/** A symbol the fan-out may dispatch: a fixed one of the config, or a selected pair. */
interface Dispatchable {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Ticks may enter: an enabled fixed symbol, or a listed pair of an enabled selector. */
  readonly enabled: boolean;
  readonly pair?: TickPair;
}

/**
 * Fans one schedule tick out into one queued message per due symbol.
 *
 * 1. Align the scheduled time to its minute (Scheduler fires within the minute).
 * 2. Read the kill switch, the stored pair selection, every enabled fixed symbol's health and the
 *    position of every due disabled one in one batched read.
 * 3. The symbols: the fixed ones of the config, and the selected pairs. A listed pair of an
 *    enabled selector trades with that selector's settings; a pair that left its list, or whose
 *    selector was removed or disabled, is exit-only with the settings it was picked with. Read
 *    the enabled pairs' health and the due exit-only pairs' positions in a second batched read.
 *    While halted, also read the due enabled symbols' positions (a running bot does not pay a
 *    thousand position reads a tick it has no use for).
 * 4. Pick the enabled symbols whose timeframe starts a new candle at that time. Unless the kill
 *    switch halts trading, send them to the symbol queue, ten per batch and several batches at
 *    once; the queue retries failed entries. (Close-only still dispatches: exits must go on.)
 *    While halted, and for a disabled symbol or an exit-only pair, only a symbol holding a
 *    position or an order in flight is sent: its tick reconciles the stop that protects what it
 *    holds (an exit-only pair's also exits), so nothing held is orphaned.
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
  const due = (s: { readonly timeframe: Timeframe }) => isDue(scheduledAt, s.timeframe);
  const fixed = fixedSymbols(config);
  const read = await deps.store.getSymbolStates({
    health: fixed.filter((s) => s.enabled).map((s) => s.symbol),
    positions: fixed.filter((s) => !s.enabled && due(s)).map((s) => s.symbol),
    selection: true,
  });
  const pairs: readonly Dispatchable[] = selectedPairs(config, read.selection);
  const symbols: Dispatchable[] = [...fixed, ...pairs];
  const enabled = symbols.filter((s) => s.enabled);
  const ticks = enabled.filter(due).map((s) => tickOf(s, scheduledAt));
  const { control } = read;
  const halted = control.mode === TradingMode.Halted;
  const more = await readMore(deps.store, {
    health: pairs.filter((p) => p.enabled).map((p) => p.symbol),
    positions: [
      ...pairs.filter((p) => !p.enabled && due(p)),
      ...(halted ? enabled.filter(due) : []),
    ].map((s) => s.symbol),
  });
  const positions = new Map([...read.positions, ...more.positions]);
  const healthRead = new Map([...read.health, ...more.health]);
  const protecting = symbols
    .filter((s) => due(s) && (halted || !s.enabled))
    .filter((s) => {
      const position = positions.get(s.symbol);
      return position !== undefined && needsTicks(position);
    })
    .map((s) => tickOf(s, scheduledAt));
  const sending = halted ? protecting : [...ticks, ...protecting];
  const result = sending.length > 0 ? await deps.queue.send(sending) : { sent: 0, failed: [] };
  const health = enabled.flatMap((s) => {
    const h = healthRead.get(s.symbol);
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
  metrics.add('SelectedPairs', pairs.filter((p) => p.enabled).length);
  metrics.add('ExitOnlyPairs', pairs.filter((p) => !p.enabled).length);
  metrics.add('TradingHalted', control.mode === TradingMode.Active ? 0 : 1);
  const held = new Set(protecting.map((t) => t.symbol));
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
    selected: pairs.filter((p) => p.enabled).length,
    exitOnly: pairs.filter((p) => !p.enabled).length,
  };
}

function tickOf(s: Dispatchable, scheduledAt: number): SymbolTick {
  return s.pair === undefined
    ? { symbol: s.symbol, scheduledAt }
    : { symbol: s.symbol, scheduledAt, pair: s.pair };
}

/** A second batched read, only when there is something to read. */
async function readMore(
  store: FanOutDeps['store'],
  request: { health: readonly string[]; positions: readonly string[] },
): Promise<Pick<SymbolStates, 'health' | 'positions'>> {
  if (request.health.length === 0 && request.positions.length === 0) {
    return { health: new Map(), positions: new Map() };
  }
  return store.getSymbolStates(request);
}
