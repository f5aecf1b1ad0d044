import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config/load.js';
import { parseFaultSpec } from '../../lib/local/faults/fault-spec.js';
import { runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';

const ticks = 16;
const healthy = ['ETC/BTC', 'XLM/BTC', 'ZEC/BTC'];
let dir: string;
let summary: RunSummary;
let logText: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-faults-'));
  const config = loadConfigFile('cdk.json');
  const known = config.symbols.map((s) => s.symbol);
  const logs = createWriteStream(join(dir, 'functions.log'));
  summary = await runLocal({
    config,
    ticks,
    stateDir: dir,
    persist: false,
    logs,
    faults: ['hang:LTC/BTC', 'block:DASH/BTC'].map((f) => parseFaultSpec(f, known)),
  });
  await new Promise((resolve) => logs.end(resolve));
  logText = await readFile(join(dir, 'functions.log'), 'utf8');
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a run with a hung and a blocked symbol', () => {
  it.each(healthy)('trades %s on every tick, untouched by the faulty symbols', (symbol) => {
    expect(summary.perSymbol[symbol]).toMatchObject({
      ticks,
      succeeded: ticks,
      failed: 0,
      skipped: 0,
      deadLettered: 0,
      breaker: 'closed',
    });
  });

  it.each(['LTC/BTC', 'DASH/BTC'])('fails %s, then skips it behind its open breaker', (symbol) => {
    const s = summary.perSymbol[symbol];
    expect(s?.failed).toBeGreaterThan(0);
    expect(s?.breaker).toBe('open');
    expect(s?.orders).toBe(0);
  });

  it('loses nothing: every faulty tick is skipped, or in the dead-letter queue', () => {
    expect(summary.skipped.breaker + summary.skipped.stale).toBeGreaterThan(0);
    for (const symbol of ['LTC/BTC', 'DASH/BTC']) {
      const s = summary.perSymbol[symbol];
      // each tick's message was delivered at least once and ended acknowledged or dead-lettered
      expect(s?.ticks).toBe(ticks);
      expect((s?.skipped ?? 0) + (s?.deadLettered ?? 0)).toBeGreaterThanOrEqual(ticks - 1);
    }
    expect(summary.deadLettered).toBe(
      Object.values(summary.perSymbol).reduce((n, s) => n + s.deadLettered, 0),
    );
  });

  it('counts the hung symbol as silent, in the summary and in the emitted metrics', () => {
    expect(summary.silent).toContain('LTC/BTC');
    expect(summary.silent).not.toContain('ETC/BTC');
    const silentCounts = [...logText.matchAll(/"SilentSymbols":(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...silentCounts)).toBeGreaterThanOrEqual(1);
  });

  it('emits the event-loop delay of the blocked function and the killed attempts', () => {
    expect(logText).toContain('"EventLoopDelayP99"');
    expect(logText).toMatch(/"VanishedAttempts":1/);
  });
});
