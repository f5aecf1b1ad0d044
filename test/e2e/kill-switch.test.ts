import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../lib/local/summary.js';

const run = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');
let dir: string;

async function start(ticks: number): Promise<RunSummary> {
  const out = join(dir, `s-${Math.random().toString(36).slice(2)}.json`);
  await run(
    tsx,
    ['lib/cli/start.ts', '--ticks', String(ticks), '--state-dir', dir, '--summary-json', out],
    { timeout: 120_000 },
  );
  return JSON.parse(await readFile(out, 'utf8')) as RunSummary;
}

async function control(...args: string[]): Promise<string> {
  const { stdout } = await run(tsx, ['lib/cli/control.ts', ...args, '--state-dir', dir]);
  return stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-halt-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the kill switch', () => {
  it('halts a run: nothing is dispatched, nothing placed, every refusal counted', async () => {
    expect(await control('halt', '--reason', 'maintenance')).toContain('trading halted');

    const summary = await start(3);

    expect(summary.invocations).toBe(0);
    expect(summary.orders.exchange).toBe(0);
    expect(summary.skipped.halted).toBe(3 * summary.symbols.length);
  }, 150_000);

  it('survives a fresh npm start, and only resume lifts it', async () => {
    const stillHalted = await start(2);
    expect(stillHalted.invocations).toBe(0);
    expect(stillHalted.skipped.halted).toBe(2 * stillHalted.symbols.length);

    expect(await control('resume')).toContain('trading resumed');
    const resumed = await start(2);

    expect(resumed.invocations).toBe(2 * resumed.symbols.length);
    expect(resumed.skipped.halted).toBe(0);
  }, 300_000);

  it('refuses a halt option on resume with one clear line', async () => {
    const error = await control('resume', '--close-only').catch((e: { stderr: string }) => e);
    expect((error as { stderr: string }).stderr).toContain(
      'resume takes no --reason or --close-only',
    );
  });
});
