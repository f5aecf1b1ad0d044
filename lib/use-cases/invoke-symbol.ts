import { type BotConfig, fixedSymbols, selectedPairs } from '../config/schema.js';
import { type InvocableSymbols, parseDirectInvocation } from '../domain/direct-invocation.js';
import { SkipReason, tickId } from '../domain/tick.js';
import type { Clock } from '../ports/clock.js';
import type { StateStore } from '../ports/state-store.js';
import { TickFailedError } from './process-symbol-tick.js';
import type { RecordedTickResult, TickRunner } from './tick-runner.js';

export interface InvokeSymbolDeps {
  /** The configured symbols and selectors, their timeframes and whether they trade. */
  readonly config: Pick<BotConfig, 'symbols'>;
  /** Where the pairs the volume selectors picked are stored. */
  readonly store: Pick<StateStore, 'getSelection'>;
  readonly clock: Clock;
  /** Runs the tick once per tick id; a tick that already ran answers its recorded result. */
  readonly runTickOnce: TickRunner;
  /** Runs the tick past its idempotency record: a fresh decision. */
  readonly runTickAfresh: TickRunner;
}

/** A direct invocation's answer: the tick result, with a note when the symbol is disabled. */
export type InvokeAnswer = RecordedTickResult & { readonly note?: string };

/**
 * A person's direct invocation of one symbol, `{ symbol, at?, rerun? }`:
 *
 * 1. parse it against the config's fixed symbols and, for any other symbol, the stored pair
 *    selection, at the clock's now (an unknown symbol or a bad time throws
 *    `InvalidInvocationError` naming the field); `at` picks the tick it falls in; a selected
 *    pair runs with its selector's settings, exit-only once it has left its list;
 * 2. run that tick once per tick id: a tick that already ran answers its recorded result,
 *    marked `replayed: true`, its own `startedAt` saying when it ran;
 * 3. with `rerun: true`, run it afresh instead: a new decision on the current state. It still
 *    cannot send a second order for the same intent, since the order's client id comes from the
 *    intent and its record is looked up before anything is sent;
 * 4. a tick that fails answers its result: the person wants to see it, not a retry;
 * 5. a symbol that is `enabled: false` is never traded (the tick ends `skipped: disabled`), and
 *    the answer says so in a `note`, also when it replays a result recorded while it was enabled.
 */
export async function invokeSymbol(deps: InvokeSymbolDeps, event: unknown): Promise<InvokeAnswer> {
  const { symbol, scheduledAt, rerun, pair } = parseDirectInvocation(
    event,
    await invocableSymbols(deps, event),
    deps.clock.now(),
  );
  const run = rerun ? deps.runTickAfresh : deps.runTickOnce;
  let result: RecordedTickResult;
  try {
    result = await run({
      tickId: tickId({ symbol, scheduledAt }),
      symbol,
      scheduledAt,
      attempt: 1,
      ...(pair === undefined ? {} : { pair }),
    });
  } catch (error) {
    if (!(error instanceof TickFailedError)) throw error;
    result = error.result;
  }
  if (fixedSymbols(deps.config).find((s) => s.symbol === symbol)?.enabled !== false) return result;
  const note =
    result.skipReason === SkipReason.Disabled
      ? `${symbol} is disabled in the config (enabled: false): the tick was skipped and nothing was traded`
      : `${symbol} is disabled in the config (enabled: false): this result was recorded while it was enabled, and no tick of it trades now`;
  return { ...result, note };
}

/**
 * The config's fixed symbols, and the selected pairs when the invocation names another symbol
 * (the selection is read only then: one item).
 */
async function invocableSymbols(deps: InvokeSymbolDeps, event: unknown): Promise<InvocableSymbols> {
  const fixed = fixedSymbols(deps.config);
  const named = (event as { symbol?: unknown } | null)?.symbol;
  if (fixed.some((s) => s.symbol === named)) return { symbols: fixed };
  return { symbols: [...fixed, ...selectedPairs(deps.config, await deps.store.getSelection())] };
}
