import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config/load.js';
import { exchangeIds, fixedSymbols, parseConfig } from '../../lib/config/schema.js';
import { clientIdPatterns } from '../../lib/domain/client-id.js';
import { parseFaultSpec } from '../../lib/local/faults/fault-spec.js';
import { runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';

describe.each(exchangeIds)('orders on %s under lost responses and duplicate deliveries', (id) => {
  let dir: string;
  let summary: RunSummary;
  let logText: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickfan-once-'));
    const shipped = loadConfigFile('cdk.json');
    // Fast averages cross often, so the run places many orders for the faults to hit; the stops
    // rest on the exchange from each entry's fill.
    const config = parseConfig({
      ...shipped,
      exchange: { ...shipped.exchange, id },
      symbols: shipped.symbols.slice(0, 3).map((s) => ({ ...s, params: { fast: 3, slow: 8 } })),
    });
    const known = fixedSymbols(config).map((s) => s.symbol);
    const logs = createWriteStream(join(dir, 'functions.log'));
    summary = await runLocal({
      config,
      ticks: 40,
      stateDir: dir,
      persist: false,
      logs,
      faults: ['lose-response:*:0.5', 'duplicate-delivery:0.5'].map((f) =>
        parseFaultSpec(f, known),
      ),
    });
    await new Promise((resolve) => logs.end(resolve));
    logText = await readFile(join(dir, 'functions.log'), 'utf8');
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('placed enough orders for the faults to matter, and delivered messages twice', () => {
    expect(summary.orders.exchange).toBeGreaterThanOrEqual(8);
    expect(summary.invocations).toBeGreaterThan(summary.ticks * summary.symbols.length);
    // a lost response fails the tick; its retry finds the order instead of sending it again
    expect(summary.retried).toBeGreaterThan(0);
  });

  it('never places an intent twice: the exchange counts exactly the intents recorded', () => {
    expect(summary.orders.duplicates).toBe(0);
    expect(summary.orders.exchange).toBe(summary.orders.intents);
  });

  it('keeps every stored position equal to the fills the exchange recorded', () => {
    for (const [symbol, s] of Object.entries(summary.perSymbol)) {
      expect({ symbol, position: s.position }).toEqual({ symbol, position: s.exchangePosition });
    }
  });

  it('leaves every open position with its stop resting on the exchange', () => {
    expect(summary.positions.withStopOnExchange).toBe(summary.positions.open);
  });

  it(`sends ${id}'s own client ids and logs them as a correlation key, never a key or secret`, () => {
    expect(summary.exchange.id).toBe(id);
    for (const trade of summary.trades) expect(trade.clientOrderId).toMatch(clientIdPatterns[id]);
    const lines = logText.split('\n').filter(Boolean);
    const ids = new Set(summary.trades.map((t) => t.clientOrderId));
    const orderLines = lines.filter((l) =>
      [...ids].some((clientId) => l.includes(`"clientOrderId":"${clientId}"`)),
    );
    expect(orderLines.length).toBeGreaterThan(0);
    // the exchange client's credentials (the simulator's), across every line, errors included
    expect(lines.some((l) => l.includes('"level":"ERROR"') || l.includes('Error'))).toBe(true);
    expect(logText).not.toContain('simulator-api-key');
    expect(logText).not.toContain('simulator-secret');
  });

  it('loses no tick', () => {
    expect(summary.deadLettered).toBe(0);
    for (const s of Object.values(summary.perSymbol)) expect(s.ticks).toBe(summary.ticks);
  });
});
