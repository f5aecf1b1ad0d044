import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRunState, runStateFile, writeRunState } from '../../../lib/local/run-state.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-run-state-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('run state', () => {
  it('reads back the tick started last and the ticks left in flight', async () => {
    const state = {
      nextTickAt: Date.parse('2018-01-10T06:00:00Z'),
      symbols: ['LTC/BTC'],
      finished: false,
      tick: 13,
      inFlight: [{ symbol: 'LTC/BTC', scheduledAt: '2018-01-10T05:55:00.000Z' }],
    };
    writeRunState(dir, state);

    expect(await readRunState(dir)).toEqual(state);
    expect(await readdir(dir)).toEqual(['run.json']);
  });

  it('keeps the last whole state when a kill tore the next write aside', async () => {
    writeRunState(dir, { nextTickAt: 1, symbols: ['LTC/BTC'], finished: false, tick: 1 });
    await writeFile(`${runStateFile(dir)}.4242.tmp`, '{"nextTickAt": 2, "sym');

    expect(await readRunState(dir)).toMatchObject({ nextTickAt: 1, tick: 1 });
  });

  it('has no state to resume from when there is none or it is not one', async () => {
    expect(await readRunState(dir)).toBeUndefined();
    await writeFile(runStateFile(dir), '{"symbols": []}');
    expect(await readRunState(dir)).toBeUndefined();
  });
});
