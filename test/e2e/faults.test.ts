import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config/load.js';
import { type ExchangeId, exchangeIds, fixedSymbols } from '../../lib/config/schema.js';
import { parseFaultSpec } from '../../lib/local/faults/fault-spec.js';
import { runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';

const ticks = 16;
const healthy = ['ETC/BTC', 'XLM/BTC', 'ZEC/BTC'];
/** One run per exchange, all at once: each waits out its hung symbol's timeouts, not the CPU. */
const runs = new Map<ExchangeId, { summary: RunSummary; logText: string }>();
const dirs: string[] = [];

async function runOn(id: ExchangeId): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `tickfan-faults-${id}-`));
  dirs.push(dir);
  const shipped = loadConfigFile('cdk.json');
  const config = { ...shipped, exchange: { ...shipped.exchange, id } };
  const known = fixedSymbols(config).map((s) => s.symbol);
  const logs = createWriteStream(join(dir, 'functions.log'));
  const summary = await runLocal({
    config,
    ticks,
    stateDir: dir,
    persist: false,
    logs,
    faults: ['hang:LTC/BTC', 'block:DASH/BTC'].map((f) => parseFaultSpec(f, known)),
  });
  await new Promise((resolve) => logs.end(resolve));
  runs.set(id, { summary, logText: await readFile(join(dir, 'functions.log'), 'utf8') });
}

beforeAll(async () => {
  await Promise.all(exchangeIds.map(runOn));
}, 300_000);

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each(exchangeIds)('a run on %s with a hung and a blocked symbol', (id) => {
  const runOf = (): { summary: RunSummary; logText: string } => {
    const run = runs.get(id);
    if (run === undefined) throw new Error(`the ${id} run did not finish`);
    return run;
  };
  const summaryOf = () => runOf().summary;

  it.each(healthy)('trades %s on every tick, untouched by the faulty symbols', (symbol) => {
    expect(summaryOf().perSymbol[symbol]).toMatchObject({
      ticks,
      succeeded: ticks,
      failed: 0,
      skipped: 0,
      deadLettered: 0,
      breaker: 'closed',
    });
  });

  it.each(['LTC/BTC', 'DASH/BTC'])('fails %s, then skips it behind its open breaker', (symbol) => {
    const s = summaryOf().perSymbol[symbol];
    expect(s?.failed).toBeGreaterThan(0);
    expect(s?.breaker).toBe('open');
    expect(s?.orders).toBe(0);
  });

  it('loses nothing: every faulty tick is skipped, or in the dead-letter queue', () => {
    expect(summaryOf().skipped.breaker + summaryOf().skipped.stale).toBeGreaterThan(0);
    for (const symbol of ['LTC/BTC', 'DASH/BTC']) {
      const s = summaryOf().perSymbol[symbol];
      // each tick's message was delivered at least once and ended acknowledged or dead-lettered
      expect(s?.ticks).toBe(ticks);
      expect((s?.skipped ?? 0) + (s?.deadLettered ?? 0)).toBeGreaterThanOrEqual(ticks - 1);
    }
    expect(summaryOf().deadLettered).toBe(
      Object.values(summaryOf().perSymbol).reduce((n, s) => n + s.deadLettered, 0),
    );
  });

  it('counts the hung symbol as silent, in the summary and in the emitted metrics', () => {
    expect(summaryOf().silent).toContain('LTC/BTC');
    expect(summaryOf().silent).not.toContain('ETC/BTC');
    const silentCounts = [...runOf().logText.matchAll(/"SilentSymbols":(\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(Math.max(...silentCounts)).toBeGreaterThanOrEqual(1);
  });

  it('emits the event-loop delay of the blocked function and the killed attempts', () => {
    expect(runOf().logText).toContain('"EventLoopDelayP99"');
    expect(runOf().logText).toMatch(/"VanishedAttempts":1/);
  });
});
