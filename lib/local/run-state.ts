/**
 * The run state a local run leaves in its state directory (`run.json`), for the next
 * `npm start -- --resume` and for `npm run invoke`.
 *
 * It is written as each tick starts, not only when a run ends, so that a run killed at any moment
 * (SIGKILL included) is resumed from the tick it started last, and the symbol ticks it had
 * dispatched without seeing them through are sent again. Each write goes to a file aside and is
 * renamed over the old one: a reader never sees half a file, and a kill mid-write leaves the
 * previous state whole.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A symbol tick the run dispatched and had not seen through when the state was written. */
export interface InFlightTick {
  readonly symbol: string;
  /** The tick's scheduled time, ISO. */
  readonly scheduledAt: string;
}

/** What `<state-dir>/run.json` holds. */
export interface RunState {
  /**
   * The tick the next run continues from: after a finished run, the one after its last; while a
   * run is ticking (or after it was killed), the one it started last, which a resume runs again.
   */
  readonly nextTickAt: number;
  readonly symbols: readonly string[];
  /** The exchange the run traded on (`exchange.id`); its orders carry that exchange's ids. */
  readonly exchange?: string;
  /** False while the run that wrote it is ticking: a resume then finds a run that was killed. */
  readonly finished?: boolean;
  /** Which tick of its run `nextTickAt` is (1 for the first); absent once the run finished. */
  readonly tick?: number;
  /** Symbol ticks of earlier ticks than `nextTickAt` that were dispatched and not resolved. */
  readonly inFlight?: readonly InFlightTick[];
}

export const runStateFile = (stateDir: string) => join(stateDir, 'run.json');

/** The run state in `stateDir`; undefined when there is none, or it cannot be read. */
export async function readRunState(stateDir: string): Promise<RunState | undefined> {
  try {
    const value = JSON.parse(readFileSync(runStateFile(stateDir), 'utf8')) as Partial<RunState>;
    if (typeof value.nextTickAt !== 'number' || !Array.isArray(value.symbols)) return undefined;
    return value as RunState;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the run state in `stateDir`, atomically and synchronously: once this returns, a kill
 * of the process cannot take the new state back.
 */
export function writeRunState(stateDir: string, state: RunState): void {
  const file = runStateFile(stateDir);
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(partial, file);
}
