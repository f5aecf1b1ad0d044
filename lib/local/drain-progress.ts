import type { Writable } from 'node:stream';

/** What is left of the queue at one look while a run drains it. */
export interface DrainState {
  /** Messages not yet resolved that have not failed so far: queued or running. */
  readonly inFlight: number;
  /** Messages that failed at least once and wait out their visibility timeout to run again. */
  readonly waitingForRetry: number;
}

export interface DrainProgressOptions {
  /** Receives each line (without a line end) and the look it tells of. */
  readonly write: (line: string, state: DrainState, elapsedMs: number) => void;
  /** Least time between two lines, and before the first; default 5 s. */
  readonly everyMs?: number;
  /** Wall clock, epoch ms; tests drive it by hand. */
  readonly now?: () => number;
}

/** `draining: 3 messages in flight, 1 waiting for retry, 12 s` */
export function drainingLine(state: DrainState, elapsedMs: number): string {
  const messages = state.inFlight === 1 ? 'message' : 'messages';
  return `draining: ${state.inFlight} ${messages} in flight, ${state.waitingForRetry} waiting for retry, ${Math.floor(elapsedMs / 1000)} s`;
}

/**
 * Tells a person what a run is waiting for after its last tick: retries sit out visibility
 * timeouts for minutes without a sound otherwise. Feed it every look at the queue with
 * {@link DrainProgress.update}; once the drain has lasted `everyMs` it writes a line for a look
 * that finds work left, at most one every `everyMs`, and one closing line when
 * {@link DrainProgress.finish} comes after any line was written. A drain shorter than that, the
 * usual one without faults, stays silent.
 */
export class DrainProgress {
  private readonly write: DrainProgressOptions['write'];
  private readonly everyMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastLineAt: number | undefined;

  constructor(options: DrainProgressOptions) {
    this.write = options.write;
    this.everyMs = options.everyMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** One look at the queue; writes a line when one is due and work is left. */
  update(state: DrainState): void {
    if (state.inFlight + state.waitingForRetry === 0) return;
    const now = this.now();
    if (now - (this.lastLineAt ?? this.startedAt) < this.everyMs) return;
    this.lastLineAt = now;
    const elapsedMs = now - this.startedAt;
    this.write(drainingLine(state, elapsedMs), state, elapsedMs);
  }

  /** The queue is empty (or the run gave up on it): closes the progress if any was shown. */
  finish(drained: boolean): void {
    if (this.lastLineAt === undefined) return;
    const elapsedMs = this.now() - this.startedAt;
    const seconds = Math.floor(elapsedMs / 1000);
    const line = drained ? `drained in ${seconds} s` : `stopped draining after ${seconds} s`;
    this.write(line, { inFlight: 0, waitingForRetry: 0 }, elapsedMs);
  }
}

/**
 * Writes progress lines to `stream` as the tick lines are: rewritten in place on a terminal,
 * one per line otherwise (a log file, a pipe, CI).
 */
export function progressLines(stream: Writable & { readonly isTTY?: boolean }) {
  return (line: string): void => {
    stream.write(stream.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
}
