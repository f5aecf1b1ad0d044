import { parseDirectInvocation } from '../domain/direct-invocation.js';
import { tickId } from '../domain/tick.js';
import type { Clock } from '../ports/clock.js';
import { TickFailedError } from './process-symbol-tick.js';
import type { RecordedTickResult, TickRunner } from './tick-runner.js';

export interface InvokeSymbolDeps {
  /** The configured symbols and their timeframes. */
  readonly config: Parameters<typeof parseDirectInvocation>[1];
  readonly clock: Clock;
  /** Runs the tick once per tick id; a tick that already ran answers its recorded result. */
  readonly runTickOnce: TickRunner;
  /** Runs the tick past its idempotency record: a fresh decision. */
  readonly runTickAfresh: TickRunner;
}

/**
 * A person's direct invocation of one symbol, `{ symbol, at?, rerun? }`:
 *
 * 1. parse it against the config at the clock's now (an unknown symbol or a bad time throws
 *    `InvalidInvocationError` naming the field); `at` picks the tick it falls in;
 * 2. run that tick once per tick id: a tick that already ran answers its recorded result,
 *    marked `replayed: true`, its own `startedAt` saying when it ran;
 * 3. with `rerun: true`, run it afresh instead: a new decision on the current state. It still
 *    cannot send a second order for the same intent, since the order's client id comes from the
 *    intent and its record is looked up before anything is sent;
 * 4. a tick that fails answers its result: the person wants to see it, not a retry.
 */
export async function invokeSymbol(
  deps: InvokeSymbolDeps,
  event: unknown,
): Promise<RecordedTickResult> {
  const { symbol, scheduledAt, rerun } = parseDirectInvocation(
    event,
    deps.config,
    deps.clock.now(),
  );
  const run = rerun ? deps.runTickAfresh : deps.runTickOnce;
  try {
    return await run({ tickId: tickId({ symbol, scheduledAt }), symbol, scheduledAt, attempt: 1 });
  } catch (error) {
    if (error instanceof TickFailedError) return error.result;
    throw error;
  }
}
