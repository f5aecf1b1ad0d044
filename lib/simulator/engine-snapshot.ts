/**
 * The matching engine's state on disk, so that a local run killed at any moment (SIGKILL
 * included) is resumed against the exchange it traded on: the same orders, fills, resting orders
 * and balances, and the same next order id.
 *
 * The engine hands its whole state over after every change, before its answer leaves for the
 * client; each save writes a file aside and renames it over the last one, synchronously. A kill
 * before the rename leaves the previous state whole (a half-written file aside is ignored), and
 * the client never saw the answer of the change it lost; a kill after it loses nothing the client
 * saw. A rename is atomic on one file system, so no reader ever finds half a snapshot.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** The envelope each snapshot file holds, so a file of another kind or version is refused. */
interface SnapshotEnvelope<T> {
  readonly format: typeof snapshotFormat;
  readonly version: typeof snapshotVersion;
  /** Saves so far by the process that wrote it; tells a reader how current a file is. */
  readonly sequence: number;
  readonly state: T;
}

const snapshotFormat = 'tickfan-engine-snapshot';
const snapshotVersion = 1;

/** A snapshot file that exists but cannot be restored: the exchange's side would be lost. */
export class EngineSnapshotError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`the exchange simulator's state in ${file} cannot be restored: ${problem}`);
    this.name = 'EngineSnapshotError';
  }
}

/** One engine's state file: saved after every change, loaded once when a run resumes. */
export class EngineSnapshotFile<T> {
  private sequence = 0;

  constructor(readonly file: string) {}

  /**
   * Replaces the snapshot with `state`, atomically; once this returns, a kill of the process
   * cannot take it back.
   */
  save(state: T): void {
    this.sequence += 1;
    const envelope: SnapshotEnvelope<T> = {
      format: snapshotFormat,
      version: snapshotVersion,
      sequence: this.sequence,
      state,
    };
    const partial = `${this.file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(envelope));
    renameSync(partial, this.file);
  }

  /**
   * The last state saved, or undefined when there is no snapshot. A file that is there but is
   * not a whole snapshot of this version throws {@link EngineSnapshotError}: starting the
   * exchange empty instead would book the orders it filled as never received.
   */
  load(): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new EngineSnapshotError(this.file, (error as Error).message);
    }
    let envelope: Partial<SnapshotEnvelope<T>>;
    try {
      envelope = JSON.parse(text) as Partial<SnapshotEnvelope<T>>;
    } catch {
      throw new EngineSnapshotError(this.file, 'it is not whole JSON');
    }
    if (envelope.format !== snapshotFormat || envelope.state === undefined) {
      throw new EngineSnapshotError(this.file, 'it is not an engine snapshot');
    }
    if (envelope.version !== snapshotVersion) {
      throw new EngineSnapshotError(
        this.file,
        `it is version ${JSON.stringify(envelope.version)}, this simulator reads ${snapshotVersion}`,
      );
    }
    this.sequence = envelope.sequence ?? 0;
    return envelope.state;
  }

  /** Deletes the snapshot: the next run starts the exchange afresh. */
  remove(): void {
    rmSync(this.file, { force: true });
  }
}
