import { loadavg } from 'node:os';

/** What a section that threw or ran out of time records in place of its figures. */
export interface SectionFailure {
  readonly failed: true;
  /** The error's first line, or how long the section was given. */
  readonly reason: string;
  readonly timedOut: boolean;
}

/** One run of a section's work: the 1-minute load around it and its wall time. */
export interface SectionAttempt {
  /** 1-minute load average when the attempt began. */
  readonly load1Before: number;
  /** 1-minute load average when it ended. */
  readonly load1After: number;
  /** Highest 1-minute load average sampled while it ran, ends included. */
  readonly load1Max: number;
  readonly wallMs: number;
}

/** An attempt whose figures were not kept, and why. */
export interface DiscardedAttempt extends SectionAttempt {
  readonly reason: string;
}

/** How a section ran: the attempt its figures (or failure) come from, and any it threw away. */
export interface SectionRun extends SectionAttempt {
  /** Attempts run, the kept one included; 0 when its preparation failed. */
  readonly attempts: number;
  /** Wall time of its preparation (builds, a synthesis), done once before the timed attempts. */
  readonly prepareMs?: number;
  /** The attempts whose figures were not kept: repeated because the load rose, or failed. */
  readonly discarded?: readonly DiscardedAttempt[];
}

/** A section's entry in the results: its figures or its failure, with how it ran. */
export type Guarded<T extends object> =
  | (T & { readonly sectionRun?: SectionRun })
  | (SectionFailure & { readonly sectionRun?: SectionRun });

/** Whether a section's entry records a failure rather than figures. */
export function isFailure<T extends object>(
  entry: Guarded<T>,
): entry is SectionFailure & {
  readonly sectionRun?: SectionRun;
} {
  return (entry as Partial<SectionFailure>).failed === true;
}

/** Thrown into a guarded section from outside, e.g. an error that escaped its promises. */
export class SectionAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SectionAbortedError';
  }
}

export interface GuardOptions {
  /** Longest one attempt may take; past it the section is recorded as timed out. */
  readonly timeoutMs: number;
  /**
   * Repeat the work (at most `maxRepeats` more times) when the 1-minute load rose by more than
   * `loadRise` while it ran; without it, the section runs once.
   */
  readonly repeat?: { readonly loadRise: number; readonly maxRepeats: number };
  /**
   * Work the section needs done before it is timed (building bundles, synthesizing the stack):
   * run once, under the same timeout, and left out of the attempts' load readings, so that its
   * own burst of CPU cannot make a section look disturbed. Its failure is the section's.
   */
  readonly prepare?: () => Promise<unknown>;
  /** Aborting it ends the running attempt as failed, with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The 1-minute load average; default `os.loadavg()[0]`. */
  readonly load1?: () => number;
  /** How often the load is sampled while an attempt runs; default 5 s. */
  readonly sampleEveryMs?: number;
  /** Told before each repeat, with why. */
  readonly onRepeat?: (reason: string) => void;
}

type AttemptResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempt: SectionAttempt }
  | { readonly ok: false; readonly failure: SectionFailure; readonly attempt: SectionAttempt };

const round2 = (n: number) => Math.round(n * 100) / 100;

const durationText = (ms: number) =>
  ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;

function firstLine(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : `Error: ${String(error)}`;
  return text.split('\n')[0] ?? text;
}

async function attemptOnce<T>(
  work: () => Promise<T>,
  options: GuardOptions,
  load1: () => number,
): Promise<AttemptResult<T>> {
  const began = performance.now();
  const samples = [load1()];
  const sampler = setInterval(() => samples.push(load1()), options.sampleEveryMs ?? 5_000);
  sampler.unref();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<SectionFailure>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          failed: true,
          timedOut: true,
          reason: `timed out after ${durationText(options.timeoutMs)} (its work may still run in the background)`,
        }),
      options.timeoutMs,
    );
    const signal = options.signal;
    if (signal === undefined) return;
    onAbort = () =>
      resolve({ failed: true, timedOut: false, reason: firstLine(signal.reason as unknown) });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // A section that throws at once (not only one that rejects) is a failure like any other.
  const done = Promise.resolve()
    .then(work)
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({
        ok: false as const,
        failure: { failed: true as const, timedOut: false, reason: firstLine(error) },
      }),
    );
  const outcome = await Promise.race([
    done,
    stopped.then((failure) => ({ ok: false as const, failure })),
  ]);
  clearTimeout(timer);
  clearInterval(sampler);
  if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  samples.push(load1());
  const attempt: SectionAttempt = {
    load1Before: round2(samples[0] ?? 0),
    load1After: round2(samples.at(-1) ?? 0),
    load1Max: round2(Math.max(...samples)),
    wallMs: Math.round(performance.now() - began),
  };
  return outcome.ok
    ? { ok: true, value: outcome.value, attempt }
    : { ok: false, failure: outcome.failure, attempt };
}

/** How far the 1-minute load rose during an attempt above where it began. */
export function loadRise(attempt: SectionAttempt): number {
  return round2(attempt.load1Max - attempt.load1Before);
}

/**
 * Runs one bench section so that it cannot end the bench: an error or a timeout becomes
 * `{ failed: true, reason }`, and the bench goes on to the next section. Each attempt records
 * the 1-minute load before, after and at its highest. With `repeat`, a section during which the
 * load rose by more than `loadRise` runs again, at most `maxRepeats` more times, and the figures
 * of the attempt whose load rose least are kept; the others are listed with why. A falling load
 * does not count: it is earlier work dying away, which slows a section less as it runs.
 *
 * A timed-out attempt cannot be stopped from here (its servers and processes belong to the
 * section); it is left to finish in the background and its figures are ignored.
 */
export async function runGuarded<T extends object>(
  work: () => Promise<T>,
  options: GuardOptions,
): Promise<Guarded<T>> {
  const load1 = options.load1 ?? (() => loadavg()[0] ?? 0);
  const maxRepeats = options.repeat?.maxRepeats ?? 0;
  const limit = options.repeat?.loadRise ?? Number.POSITIVE_INFINITY;
  let prepared: { prepareMs: number } | undefined;
  if (options.prepare) {
    const done = await attemptOnce(options.prepare, options, load1);
    prepared = { prepareMs: done.attempt.wallMs };
    if (!done.ok) {
      return {
        ...done.failure,
        reason: `preparing it: ${done.failure.reason}`,
        sectionRun: { ...runOf(done.attempt, 0, []), ...prepared },
      };
    }
  }
  const tries: AttemptResult<T>[] = [];
  for (;;) {
    const result = await attemptOnce(work, options, load1);
    tries.push(result);
    // A failure is not repeated: a section that fails under load is worth seeing as it failed.
    if (!result.ok || loadRise(result.attempt) <= limit || tries.length > maxRepeats) break;
    options.onRepeat?.(riseReason(result.attempt, limit));
  }
  const succeeded = tries.filter((t) => t.ok);
  // Every attempt but the last was repeated because its load rose past the limit; of those with
  // figures, the one whose load rose least is kept (the first, on a tie).
  const best = succeeded.reduce<(typeof succeeded)[number] | undefined>(
    (b, t) => (b === undefined || loadRise(t.attempt) < loadRise(b.attempt) ? t : b),
    undefined,
  );
  const discarded = tries
    .filter((t) => t !== best)
    .map((t) => ({
      ...t.attempt,
      reason: t.ok ? riseReason(t.attempt, limit) : `repeat failed: ${t.failure.reason}`,
    }));
  if (best === undefined) {
    const failed = tries.at(-1) as AttemptResult<T> & { ok: false };
    return {
      ...failed.failure,
      sectionRun: { ...runOf(failed.attempt, tries.length, []), ...prepared },
    };
  }
  return {
    ...best.value,
    sectionRun: { ...runOf(best.attempt, tries.length, discarded), ...prepared },
  };
}

function riseReason(attempt: SectionAttempt, limit: number): string {
  return `1-minute load rose by ${loadRise(attempt)} (${attempt.load1Before} -> ${attempt.load1Max}), more than ${limit}`;
}

function runOf(
  attempt: SectionAttempt,
  attempts: number,
  discarded: readonly DiscardedAttempt[],
): SectionRun {
  return { ...attempt, attempts, ...(discarded.length > 0 ? { discarded: [...discarded] } : {}) };
}
