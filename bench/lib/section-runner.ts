import { type Guarded, type GuardOptions, isFailure, runGuarded } from './section-guard.js';

/** One bench section: what it measures, its work, and the line that sums up its figures. */
export interface BenchSection<T extends object> {
  readonly name: string;
  /** Printed before it starts. */
  readonly what: string;
  /**
   * Whether its figures are timings that a rising load would distort, so that it is repeated
   * when the load rose while it ran. A section that loads the machine itself gains nothing by it.
   */
  readonly repeatOnLoad: boolean;
  /** Untimed work before it (see {@link GuardOptions.prepare}). */
  readonly prepare?: () => Promise<unknown>;
  readonly work: () => Promise<T>;
  /** Printed after it, from its figures. */
  readonly done: (value: T) => string;
}

export interface SectionRunnerOptions {
  /** How many sections will run, for the `[k/n]` progress. */
  readonly steps: number;
  readonly timeoutMs: number;
  /** Repeat a section (see {@link BenchSection.repeatOnLoad}) when the load rose past this. */
  readonly repeat?: { readonly loadRise: number; readonly maxRepeats: number };
  readonly log: (line: string) => void;
  readonly load1?: GuardOptions['load1'];
  readonly sampleEveryMs?: number;
}

/**
 * Runs the bench's sections one after another, each under {@link runGuarded}: a section that
 * throws or times out is recorded as failed and the next one starts. An error that escapes every
 * promise of a section (a timer's throw, an unhandled rejection) is handed to {@link escaped},
 * which fails the section running then instead of ending the process.
 */
export class SectionRunner {
  private step = 0;
  private running: AbortController | undefined;
  /** Sections recorded as failed, with why, in the order they ran. */
  readonly failed: { readonly name: string; readonly reason: string }[] = [];

  constructor(private readonly options: SectionRunnerOptions) {}

  /** Runs `section` and returns its figures, or its failure; never throws for it. */
  async run<T extends object>(section: BenchSection<T>): Promise<Guarded<T>> {
    const { log } = this.options;
    this.step += 1;
    const tag = `[${this.step}/${this.options.steps}] ${section.name}`;
    log(`${tag}: ${section.what}`);
    const controller = new AbortController();
    this.running = controller;
    let entry: Guarded<T>;
    try {
      entry = await runGuarded(section.work, {
        timeoutMs: this.options.timeoutMs,
        signal: controller.signal,
        ...(section.prepare ? { prepare: section.prepare } : {}),
        ...(section.repeatOnLoad && this.options.repeat ? { repeat: this.options.repeat } : {}),
        ...(this.options.load1 ? { load1: this.options.load1 } : {}),
        ...(this.options.sampleEveryMs === undefined
          ? {}
          : { sampleEveryMs: this.options.sampleEveryMs }),
        onRepeat: (reason) => log(`${tag}: repeating it: ${reason}`),
      });
    } finally {
      this.running = undefined;
    }
    const run = entry.sectionRun;
    const how = run
      ? ` (${(run.wallMs / 1000).toFixed(1)} s, load ${run.load1Before} -> ${run.load1After}${run.attempts > 1 ? `, ${run.attempts} attempts` : ''})`
      : '';
    if (isFailure(entry)) {
      this.failed.push({ name: section.name, reason: entry.reason });
      log(`${tag}: FAILED: ${entry.reason}${how}`);
    } else {
      let summary: string;
      try {
        summary = section.done(entry);
      } catch (error) {
        // The figures are recorded; only the progress line is lost.
        summary = `done (no summary: ${error instanceof Error ? error.message : String(error)})`;
      }
      log(`${tag}: ${summary}${how}`);
    }
    return entry;
  }

  /**
   * An error that escaped a section's promises: fails the running section, or, between
   * sections, is logged. Returns whether a section took it.
   */
  escaped(error: unknown): boolean {
    if (this.running === undefined || this.running.signal.aborted) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.options.log(`warning: an error escaped between sections: ${text.split('\n')[0]}`);
      return false;
    }
    this.running.abort(error);
    return true;
  }
}
