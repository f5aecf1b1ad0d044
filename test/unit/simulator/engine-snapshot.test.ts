import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineSnapshotError, EngineSnapshotFile } from '../../../lib/simulator/engine-snapshot.js';

interface State {
  readonly nextOrderId: number;
  readonly balances: Record<string, number>;
}

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-snapshot-'));
  file = join(dir, 'exchange.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('EngineSnapshotFile', () => {
  it('gives back the last state saved, in a new process as in this one', () => {
    const writer = new EngineSnapshotFile<State>(file);
    writer.save({ nextOrderId: 2, balances: { BTC: 1 } });
    writer.save({ nextOrderId: 3, balances: { BTC: 0.5, LTC: 2 } });

    expect(new EngineSnapshotFile<State>(file).load()).toEqual({
      nextOrderId: 3,
      balances: { BTC: 0.5, LTC: 2 },
    });
  });

  it('has no state to give when nothing was ever saved', () => {
    expect(new EngineSnapshotFile<State>(file).load()).toBeUndefined();
  });

  it('ignores the half-written file a kill during a save leaves aside, keeping the last whole one', async () => {
    new EngineSnapshotFile<State>(file).save({ nextOrderId: 5, balances: { BTC: 1 } });
    // What a process killed while writing its next save leaves: a torn file next to the snapshot.
    await writeFile(`${file}.99999.tmp`, '{"format":"tickfan-engine-snapshot","version":1,"seq');

    expect(new EngineSnapshotFile<State>(file).load()).toEqual({
      nextOrderId: 5,
      balances: { BTC: 1 },
    });
  });

  it('leaves no file aside once a save returns', async () => {
    new EngineSnapshotFile<State>(file).save({ nextOrderId: 1, balances: {} });

    expect(await readdir(dir)).toEqual(['exchange.json']);
  });

  it('refuses a torn snapshot rather than starting the exchange empty', async () => {
    await writeFile(file, '{"format":"tickfan-engine-snapshot","version":1,"state":{"next');

    expect(() => new EngineSnapshotFile<State>(file).load()).toThrow(EngineSnapshotError);
    expect(() => new EngineSnapshotFile<State>(file).load()).toThrow(/not whole JSON/);
  });

  it('refuses a file of another kind or version, naming the file', async () => {
    await writeFile(file, JSON.stringify({ nextTickAt: 1 }));
    expect(() => new EngineSnapshotFile<State>(file).load()).toThrow(
      `the exchange simulator's state in ${file} cannot be restored: it is not an engine snapshot`,
    );

    await writeFile(
      file,
      JSON.stringify({ format: 'tickfan-engine-snapshot', version: 2, sequence: 1, state: {} }),
    );
    expect(() => new EngineSnapshotFile<State>(file).load()).toThrow(/version 2/);
  });

  it('starts afresh once removed', () => {
    const snapshot = new EngineSnapshotFile<State>(file);
    snapshot.save({ nextOrderId: 9, balances: {} });
    snapshot.remove();

    expect(existsSync(file)).toBe(false);
    expect(snapshot.load()).toBeUndefined();
  });
});
