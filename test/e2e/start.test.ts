import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIdPatterns } from '../../lib/domain/client-id.js';
import type { RunSummary } from '../../lib/local/summary.js';

const run = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');
let dir: string;
let summary: RunSummary;
let stdout: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-e2e-'));
  const out = await run(
    tsx,
    [
      'lib/cli/start.ts',
      '--ticks',
      '20',
      '--state-dir',
      dir,
      '--summary-json',
      join(dir, 's.json'),
    ],
    { timeout: 120_000 },
  );
  stdout = out.stdout;
  summary = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')) as RunSummary;
}, 150_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('trades every configured symbol on every tick without a failure', () => {
    expect(summary.ticks).toBe(20);
    expect(summary.symbols).toEqual(['LTC/BTC', 'ETC/BTC', 'XLM/BTC', 'DASH/BTC', 'ZEC/BTC']);
    expect(summary.invocations).toBe(100);
    expect(summary.failed).toBe(0);
    expect(summary.succeeded).toBe(summary.invocations);
    expect(summary.deadLettered).toBe(0);
  });

  it('places orders the exchange itself counted, each intent once', () => {
    expect(summary.orders.exchange).toBeGreaterThanOrEqual(1);
    expect(summary.orders.exchange).toBe(summary.orders.intents);
    expect(summary.orders.duplicates).toBe(0);
    expect(summary.trades).toHaveLength(summary.orders.exchange);
    for (const trade of summary.trades) {
      expect(trade).toEqual({
        symbol: expect.any(String),
        side: expect.stringMatching(/^(buy|sell)$/),
        candleTime: expect.any(Number),
        price: expect.any(Number),
        amount: expect.any(Number),
        clientOrderId: expect.stringMatching(/^tf-/),
      });
    }
  });

  it('writes the summary contract and prints the per-symbol table', () => {
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining(['skipped', 'retried', 'latencyMs', 'perSymbol']),
    );
    expect(summary.skipped).toEqual({ stale: 0, halted: 0, breaker: 0 });
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.perSymbol['LTC/BTC']).toMatchObject({ ticks: 20, succeeded: 20, failed: 0 });
    expect(stdout).toMatch(
      /symbol\s+ticks\s+ok\s+failed\s+skipped\s+breaker\s+orders\s+position\s+pnl/,
    );
    expect(stdout).toContain('LTC/BTC');
  });

  it('writes the HTML run report next to its state', async () => {
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(stdout).toContain(`report: ${join(dir, 'report.html')}`);
    expect(html).toContain('data-chart="price"');
    expect(html).toContain('LTC/BTC');
  });

  it('leaves state that npm run invoke continues from', async () => {
    const out = await run(tsx, ['lib/cli/invoke.ts', 'XLM/BTC', '--state-dir', dir], {
      timeout: 60_000,
    });
    const result = JSON.parse(out.stdout) as {
      tickId: string;
      status: string;
      position: { amount: number };
    };
    expect(result.tickId).toMatch(/^XLM\/BTC#2018-01-10T/);
    expect(result.status).toBe('ok');
    expect(result.position.amount).toBe(summary.perSymbol['XLM/BTC']?.position);
  }, 60_000);

  it('refuses an unknown symbol with one clear line', async () => {
    const error = await run(tsx, [
      'lib/cli/start.ts',
      '--symbols',
      'DOGE/BTC',
      '--state-dir',
      dir,
    ]).catch((e: { stderr: string; code: number }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toContain(
      '--symbols: "DOGE/BTC" not in the config',
    );
  });
});

describe.each(['okx', 'kraken'] as const)('npm start -- --exchange %s', (id) => {
  let own: string;
  let ownSummary: RunSummary;
  let ownStdout: string;

  beforeAll(async () => {
    own = await mkdtemp(join(tmpdir(), `tickfan-e2e-${id}-`));
    const out = await run(
      tsx,
      [
        'lib/cli/start.ts',
        '--exchange',
        id,
        '--ticks',
        '20',
        '--state-dir',
        own,
        '--summary-json',
        join(own, 's.json'),
      ],
      { timeout: 120_000 },
    );
    ownStdout = out.stdout;
    ownSummary = JSON.parse(await readFile(join(own, 's.json'), 'utf8')) as RunSummary;
  }, 150_000);

  afterAll(async () => {
    if (own) await rm(own, { recursive: true, force: true });
  });

  it(`trades through ccxt's ${id} class against the simulator speaking ${id}'s API`, () => {
    expect(ownSummary.exchange.id).toBe(id);
    expect(ownStdout).toContain(`exchange: ${id} (simulator)`);
    expect(ownSummary).toMatchObject({ ticks: 20, failed: 0, deadLettered: 0 });
    expect(ownSummary.succeeded).toBe(ownSummary.invocations);
  });

  it('leaves state that npm run invoke continues from on the same exchange, and only there', async () => {
    const refused = await run(tsx, ['lib/cli/invoke.ts', 'XLM/BTC', '--state-dir', own]).catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr.trim()).toBe(
      `tickfan invoke: the run in ${own} traded on ${id}, not binance: give --exchange ${id}`,
    );

    const out = await run(
      tsx,
      ['lib/cli/invoke.ts', 'XLM/BTC', '--exchange', id, '--state-dir', own],
      { timeout: 60_000 },
    );
    const result = JSON.parse(out.stdout) as { status: string; position: { amount: number } };
    expect(result.status).toBe('ok');
    expect(result.position.amount).toBe(ownSummary.perSymbol['XLM/BTC']?.position);
  }, 60_000);

  it(`places each intent once, under ${id}'s own client ids`, () => {
    expect(ownSummary.orders.exchange).toBeGreaterThanOrEqual(1);
    expect(ownSummary.orders).toMatchObject({
      duplicates: 0,
      intents: ownSummary.orders.exchange,
    });
    for (const trade of ownSummary.trades) {
      expect(trade.clientOrderId).toMatch(clientIdPatterns[id]);
    }
  });
});

describe('npm start -- --exchange', () => {
  it('refuses an exchange tickfan does not trade on with one clear line', async () => {
    const error = await run(tsx, ['lib/cli/start.ts', '--exchange', 'bybit']).catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr.trim()).toBe(
      'tickfan start: --exchange "bybit": not one of binance, okx, kraken',
    );
  });
});
