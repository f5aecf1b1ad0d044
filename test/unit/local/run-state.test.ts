import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLocal } from '../../../lib/local/run.js';
import { readRunState, runStateFile, writeRunState } from '../../../lib/local/run-state.js';
import { testConfig } from '../../helpers/config.js';

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

describe('a resume on another exchange', () => {
  it("is refused before anything starts, naming the run's exchange", async () => {
    // Prepare: a run killed while trading on okx
    writeRunState(dir, {
      nextTickAt: Date.parse('2018-01-10T06:00:00Z'),
      symbols: ['LTC/BTC'],
      exchange: 'okx',
      finished: false,
      tick: 3,
    });

    // Act: resumed with the config's binance
    const resumed = runLocal({ config: testConfig(), ticks: 1, stateDir: dir, resume: true });

    // Assess
    await expect(resumed).rejects.toThrow(
      `--resume: the run in ${dir} traded on okx, not binance: resume it with --exchange okx, or start afresh without --resume`,
    );
    expect(await readdir(dir)).toEqual(['run.json']);
  });
});
