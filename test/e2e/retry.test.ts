import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config/load.js';
import { fixedSymbols, parseConfig } from '../../lib/config/schema.js';
import { parseFaultSpec } from '../../lib/local/faults/fault-spec.js';
import { runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';

const ticks = 12;
const tf = 300_000;
let dir: string;
let clean: RunSummary;
let faulty: RunSummary;
/** Per `symbol#candleTime`, what the faulty run's attempts of that tick did. */
const attempts = new Map<string, { failed: number; done: boolean }>();

/** Reads each attempt's outcome from the trade function's log lines. */
function readAttempts(logText: string): void {
  for (const line of logText.split('\n')) {
    if (!line.includes('"tick done"') && !line.includes('"tick failed"')) continue;
    const entry = JSON.parse(line) as { message: string; tickId?: string };
    if (entry.tickId === undefined) continue;
    const at = entry.tickId.lastIndexOf('#');
    const key = `${entry.tickId.slice(0, at)}#${Date.parse(entry.tickId.slice(at + 1)) - tf}`;
    const seen = attempts.get(key) ?? { failed: 0, done: false };
    if (entry.message === 'tick done') seen.done = true;
    else seen.failed += 1;
    attempts.set(key, seen);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-retry-'));
  const shipped = loadConfigFile('cdk.json');
  // Fast averages cross often, so there are orders for the faults to hit. The breaker is the
  // shipped one: it counts failed ticks, not failed calls, so a tick's retries cannot open it.
  // Five deliveries make a tick whose every attempt fails rare: what is left to see is whether a
  // retry still trades.
  const config = parseConfig({
    ...shipped,
    symbols: shipped.symbols.map((s) => ({ ...s, params: { fast: 2, slow: 4 } })),
    queue: { ...shipped.queue, maxReceiveCount: 5 },
  });
  const known = fixedSymbols(config).map((s) => s.symbol);
  clean = await runLocal({ config, ticks, stateDir: join(dir, 'clean'), persist: false });
  const logs = createWriteStream(join(dir, 'functions.log'));
  faulty = await runLocal({
    config,
    ticks,
    stateDir: join(dir, 'faulty'),
    persist: false,
    logs,
    faults: [parseFaultSpec('http5xx:*:0.3', known)],
  });
  await new Promise((resolve) => logs.end(resolve));
  readAttempts(await readFile(join(dir, 'functions.log'), 'utf8'));
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a run with 30 % HTTP 5xx answers, at the deployed retry ratio', () => {
  it('retries failed ticks and skips none of them as stale', () => {
    expect(faulty.retried).toBeGreaterThan(0);
    expect(faulty.skipped.stale).toBe(0);
  });

  it('places every order the fault-free run placed, up to a tick whose every attempt failed', () => {
    let compared = 0;
    let byRetry = 0;
    for (const symbol of clean.symbols) {
      const lost = [...attempts]
        .filter(([k, a]) => k.startsWith(`${symbol}#`) && !a.done)
        .map(([k]) => Number(k.slice(symbol.length + 1)));
      // After a lost tick the two runs hold different positions and decide differently.
      const until = Math.min(...lost, Number.POSITIVE_INFINITY);
      for (const trade of clean.trades) {
        if (trade.symbol !== symbol || trade.candleTime >= until) continue;
        const same = faulty.trades.find(
          (t) => t.symbol === symbol && t.candleTime === trade.candleTime,
        );
        expect(same, `${symbol} ${trade.side} on ${trade.candleTime}`).toMatchObject({
          side: trade.side,
          price: trade.price,
        });
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(0);
    // Orders of ticks whose first attempts failed were placed by a retry.
    for (const trade of faulty.trades) {
      if ((attempts.get(`${trade.symbol}#${trade.candleTime}`)?.failed ?? 0) > 0) byRetry += 1;
    }
    expect(byRetry).toBeGreaterThan(0);
  });
});
