import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeIds, parseConfig } from '../../lib/config/schema.js';
import { LocalEnvironment } from '../../lib/local/local-environment.js';
import { stateEndpointFile } from '../../lib/local/state-endpoint.js';
import type { RunSummary } from '../../lib/local/summary.js';

const run = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');
let dir: string;
let configFile: string;
// Fast averages cross within a few ticks, so a run trades early.
const fastConfig = {
  schedule: { expression: 'rate(5 minutes)' },
  symbols: ['LTC/BTC', 'ETC/BTC'].map((symbol) => ({
    symbol,
    strategy: 'sma-cross',
    timeframe: '5m',
    params: { fast: 2, slow: 4 },
  })),
};

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

/** A progress line of npm start: `tick N/T  ISO  ...  orders K  ...`. */
interface TickLine {
  readonly tick: number;
  readonly scheduledAt: number;
  readonly orders: number;
}

function tickLine(line: string): TickLine | undefined {
  const m = /^tick (\d+)\/\d+\s+(\S+)\s.*\borders (\d+)/.exec(line);
  if (m === null) return undefined;
  return { tick: Number(m[1]), scheduledAt: Date.parse(m[2] ?? ''), orders: Number(m[3]) };
}

/**
 * Runs npm start on `stateDir`, and runs `during` once, when the run reports its first tick;
 * `seen()` tells `during` how many ticks the run has reported so far.
 */
async function startWhile(
  args: readonly string[],
  during: (seen: () => number) => Promise<void>,
): Promise<{ lines: TickLine[]; duringDone: Promise<void> }> {
  const child = spawn(tsx, ['lib/cli/start.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: TickLine[] = [];
  let stderr = '';
  let duringDone: Promise<void> | undefined;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const from = stderr.lastIndexOf('\n') + 1;
    stderr += chunk;
    for (const line of stderr.slice(from).split('\n').slice(0, -1)) {
      const parsed = tickLine(line);
      if (parsed === undefined) continue;
      lines.push(parsed);
      if (duringDone !== undefined) continue;
      duringDone = during(() => Math.max(...lines.map((l) => l.tick)));
      // Awaited by the caller once the run ends; until then a failure must not go unhandled.
      duringDone.catch(() => undefined);
    }
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`npm start exited ${code}: ${stderr}`);
  return { lines, duringDone: duringDone ?? Promise.reject(new Error('no tick line seen')) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-halt-'));
  configFile = join(dir, 'fast.json');
  await writeFile(configFile, JSON.stringify({ context: { tickfan: fastConfig } }));
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

  it.each(exchangeIds)(
    'halts a running npm start on %s: every tick after the halt is skipped, no order placed after it',
    async (id) => {
      const ticks = 32;
      // Progress lines come every ceil(ticks / 10) ticks when stderr is not a terminal.
      const step = Math.ceil(ticks / 10);
      const period = 5 * 60_000;
      const stateDir = join(dir, `mid-run-${id}`);
      await mkdir(stateDir);
      const out = join(dir, `mid-run-${id}.json`);
      let halt:
        | { stdout: string; seenBefore: number; seenAfter: number; served: boolean }
        | undefined;

      const { lines, duringDone } = await startWhile(
        [
          '--exchange',
          id,
          '--ticks',
          String(ticks),
          '--config',
          configFile,
          '--state-dir',
          stateDir,
          '--summary-json',
          out,
        ],
        async (seen) => {
          const served = existsSync(stateEndpointFile(stateDir));
          const seenBefore = seen();
          const { stdout } = await run(tsx, [
            'lib/cli/control.ts',
            'halt',
            '--reason',
            'mid-run',
            '--state-dir',
            stateDir,
          ]);
          halt = { stdout, seenBefore, seenAfter: seen(), served };
        },
      );
      await duringDone;
      const summary = JSON.parse(await readFile(out, 'utf8')) as RunSummary;
      expect(summary.exchange.id).toBe(id);

      // The halt exited 0 (run() rejects otherwise) on the running process, which went on ticking.
      expect(halt?.served).toBe(true);
      expect(halt?.stdout).toContain('trading halted on the running process');
      const seenAfter = halt?.seenAfter ?? ticks;
      expect(seenAfter + step).toBeLessThan(ticks);
      // The run traded before the halt.
      expect(summary.orders.exchange).toBeGreaterThan(0);

      // Every tick that started after the halt returned is halted: at most the ticks reported by
      // then, and the one running, decided. A later tick is either not dispatched at all or, for a
      // symbol holding a position, dispatched to reconcile its stop and skipped as halted.
      const symbols = summary.symbols.length;
      expect(symbols).toBe(2);
      const decided = Object.values(summary.perSymbol).map((s) => s.ok);
      for (const ok of decided) {
        expect(ok).toBeLessThanOrEqual(seenAfter + step);
        expect(ok).toBeGreaterThanOrEqual(halt?.seenBefore ?? ticks);
      }
      expect(summary.tickOutcomes.failed).toBe(0);
      // skipped.halted holds the fan-out's refusals and the trade function's halted ticks: with
      // the ticks that decided, every due tick of the run.
      expect(summary.tickOutcomes.ok + summary.skipped.halted).toBe(ticks * symbols);
      // Without faults each dispatched tick is one invocation; the rest the fan-out refused.
      expect(summary.tickOutcomes.skipped).toBe(
        summary.skipped.halted - (ticks * symbols - summary.invocations),
      );

      // No order after the halt: the exchange's count stands still from the first halted tick on,
      // through the drain, and every order belongs to a tick before it.
      const lastDecided = Math.max(...decided);
      const firstTickAt = (lines[0]?.scheduledAt ?? 0) - ((lines[0]?.tick ?? 1) - 1) * period;
      const firstHaltedAt = firstTickAt + lastDecided * period;
      const afterHalt = lines.filter((l) => l.tick > lastDecided);
      expect(afterHalt.length).toBeGreaterThan(0);
      for (const l of afterHalt) expect(l.orders).toBe(summary.orders.exchange);
      expect(summary.orders.exchange).toBe(summary.orders.intents);
      for (const t of summary.trades) expect(t.candleTime + period).toBeLessThan(firstHaltedAt);
      // What was held when the halt came is still protected.
      expect(summary.positions.withStopOnExchange).toBe(summary.positions.open);
      // The run's address is gone with the run.
      expect(existsSync(stateEndpointFile(stateDir))).toBe(false);
    },
    240_000,
  );

  it('lets halt, invoke and resume act on the state and exchange of the process holding them', async () => {
    const stateDir = join(dir, 'held');
    const config = parseConfig(fastConfig);
    const env = await LocalEnvironment.start({ config, stateDir, persist: true, fresh: true });
    const cli = async (...args: string[]) =>
      (await run(tsx, [...args, '--state-dir', stateDir])).stdout;
    const invoke = async (...args: string[]) =>
      JSON.parse(await cli('lib/cli/invoke.ts', 'LTC/BTC', '--config', configFile, ...args));
    try {
      // The holder's exchange clock says which tick an invoke without --at runs: one at which
      // LTC/BTC's averages cross upwards, so a fresh decision buys.
      const scheduledAt = '2018-01-10T05:45:00.000Z';
      env.clock.set(Date.parse(scheduledAt) + 250);

      expect(await cli('lib/cli/control.ts', 'halt', '--reason', 'mid-run')).toContain(
        'on the running process',
      );
      expect(await env.store.getControl()).toMatchObject({ mode: 'halted', reason: 'mid-run' });

      const halted = await invoke();
      expect(halted).toMatchObject({ scheduledAt, status: 'skipped', skipReason: 'halted' });
      expect(await env.store.listTickResults('LTC/BTC')).toEqual([
        expect.objectContaining({ scheduledAt, status: 'skipped', skipReason: 'halted' }),
      ]);

      // A second npm start on the held state is refused before it could wipe it.
      const second = await cli('lib/cli/start.ts', '--ticks', '1', '--config', configFile).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(second).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/^tickfan start: the state in .* is in use by process \d+/m),
      });
      expect(await env.store.listTickResults('LTC/BTC')).toHaveLength(1);

      expect(await cli('lib/cli/control.ts', 'resume')).toContain('trading resumed');
      expect(await env.store.getControl()).toMatchObject({ mode: 'active' });

      const fresh = await invoke('--rerun');
      expect(fresh).toMatchObject({ scheduledAt, status: 'ok', order: { side: 'buy' } });
      // The order went to the holder's exchange, where the holder's state expects it.
      expect(env.simulator.orders.map((o) => o.clientOrderId)).toEqual([fresh.order.clientOrderId]);
    } finally {
      await env.close();
    }
    expect(existsSync(stateEndpointFile(stateDir))).toBe(false);
  }, 150_000);

  it('refuses a halt option on resume with one clear line', async () => {
    const error = await control('resume', '--close-only').catch((e: { stderr: string }) => e);
    expect((error as { stderr: string }).stderr).toContain(
      'resume takes no --reason or --close-only',
    );
  });
});
