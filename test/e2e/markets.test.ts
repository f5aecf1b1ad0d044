import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config/load.js';
import { tickPeriodMs } from '../../lib/config/schedule.js';
import { parseConfig } from '../../lib/config/schema.js';
import { runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';

/** What these tests read of a function's JSON log line. */
interface LogLine {
  readonly message?: string;
  readonly service?: string;
  readonly marketRules?: unknown;
}

describe('npm start with the markets function', () => {
  let dir: string;
  let summary: RunSummary;
  let lines: LogLine[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickfan-markets-'));
    const shipped = loadConfigFile('cdk.json');
    const symbols = shipped.symbols.slice(0, 2);
    const period = tickPeriodMs(
      shipped.schedule.expression,
      symbols.map((s) => s.timeframe),
    );
    // A refresh every two tick periods: four ticks see the refresh at the first and the third.
    const config = parseConfig({
      ...shipped,
      symbols,
      markets: { refreshMinutes: (2 * period) / 60_000 },
    });
    const logs = createWriteStream(join(dir, 'functions.log'));
    summary = await runLocal({ config, ticks: 4, stateDir: dir, persist: false, logs });
    await new Promise((resolve) => logs.end(resolve));
    lines = (await readFile(join(dir, 'functions.log'), 'utf8'))
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores the market rules at the first tick and once a refresh period of the simulated clock', () => {
    const refreshes = lines.filter((l) => l.message === 'markets refreshed');
    expect(refreshes).toHaveLength(2);
    expect(refreshes.every((l) => l.service === 'tickfan-markets')).toBe(true);
  });

  it('trades every tick with the stored rules: no trade container loads the markets itself', () => {
    expect(lines.filter((l) => l.marketRules !== undefined)).toEqual([]);
    expect(summary.failed).toBe(0);
    expect(summary.succeeded).toBeGreaterThanOrEqual(8);
  });
});
