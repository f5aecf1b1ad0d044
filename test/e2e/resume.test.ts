import { execFile, spawn } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import type { OrderRecord } from '../../lib/domain/order-lifecycle.js';
import { exchangeStateFile, localNames } from '../../lib/local/local-environment.js';
import { type RunState, readRunState, writeRunState } from '../../lib/local/run-state.js';
import { localAwsClientConfig, startDynalite } from '../../lib/local/services.js';
import type { RunSummary } from '../../lib/local/summary.js';
import { EngineSnapshotFile } from '../../lib/simulator/engine-snapshot.js';
import type { EngineState, SimOrder } from '../../lib/simulator/matching-engine.js';

const run = promisify(execFile);
// node itself, not the tsx launcher: a SIGKILL cannot be passed on to the process it would start.
const startArgs = ['--import', 'tsx', 'lib/cli/start.ts'];
const period = 5 * 60_000;
const symbols = ['LTC/BTC', 'ETC/BTC', 'XLM/BTC'];
// Fast averages cross within a few ticks, so a run trades early and often.
const fastConfig = {
  schedule: { expression: 'rate(5 minutes)' },
  symbols: symbols.map((symbol) => ({
    symbol,
    strategy: 'sma-cross',
    timeframe: '5m',
    params: { fast: 2, slow: 4 },
  })),
};

let dir: string;
let stateDir: string;
let configFile: string;

/** Runs npm start to its end; its summary, and what it wrote on stderr. */
async function start(...args: string[]): Promise<{ summary: RunSummary; stderr: string }> {
  const out = join(dir, `s-${Math.random().toString(36).slice(2)}.json`);
  const { stderr } = await run(
    process.execPath,
    [...startArgs, ...args, '--config', configFile, '--state-dir', stateDir, '--summary-json', out],
    { timeout: 240_000 },
  );
  return { summary: JSON.parse(await readFile(out, 'utf8')) as RunSummary, stderr };
}

/**
 * Runs npm start for `ticks` and kills it with SIGKILL in the middle of tick `killAt` or a later
 * one: as soon as the exchange has filled an order in it, before the trade function that placed
 * it can have booked the fill. It watches the state directory for the renames that write the run
 * state and the exchange's account.
 */
async function startAndKill(ticks: number, killAt: number): Promise<RunState> {
  const child = spawn(
    process.execPath,
    [...startArgs, '--ticks', String(ticks), '--config', configFile, '--state-dir', stateDir],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  let killedAt: RunState | undefined;
  let watcher: FSWatcher | undefined;
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('close', (_code, signal) => resolve(signal)),
  );
  let fillsBefore: number | undefined;
  watcher = watch(stateDir, () => {
    if (killedAt !== undefined) return;
    void readRunState(stateDir).then((state) => {
      if (killedAt !== undefined || state?.tick === undefined || state.tick < killAt) return;
      const fills = exchangeFills().length;
      fillsBefore ??= fills;
      if (fills === fillsBefore) return;
      killedAt = state;
      child.kill('SIGKILL');
      watcher?.close();
    });
  });
  const signal = await exited;
  watcher.close();
  if (signal !== 'SIGKILL' || killedAt === undefined) {
    throw new Error(
      `npm start was not killed after a fill from tick ${killAt} on (${signal}): ${stderr}`,
    );
  }
  // What the killed process left, which a tick started after the read above would have changed.
  const left = await readRunState(stateDir);
  if (left === undefined) throw new Error('the killed run left no run state');
  return left;
}

/** Every order record of `symbols` in the state directory's DynamoDB (no process holds it). */
async function storedOrders(): Promise<OrderRecord[]> {
  const dynalite = await startDynalite({ path: join(stateDir, 'dynamodb') });
  const client = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
  try {
    const store = new DynamoStateStore({
      tableName: localNames.table,
      client: DynamoDBDocumentClient.from(client),
    });
    return (await Promise.all(symbols.map((s) => store.listOrders(s)))).flat();
  } finally {
    client.destroy();
    await dynalite.close();
  }
}

/** Every order the state directory's exchange holds, as its saved account has them. */
function exchangeOrders(): readonly SimOrder[] {
  return new EngineSnapshotFile<EngineState>(exchangeStateFile(stateDir)).load()?.orders ?? [];
}

/** The orders the state directory's exchange filled, in fill order, as its saved account has them. */
function exchangeFills(): SimOrder[] {
  const state = new EngineSnapshotFile<EngineState>(exchangeStateFile(stateDir)).load();
  const byId = new Map((state?.orders ?? []).map((o) => [o.orderId, o] as const));
  return (state?.fills ?? []).flatMap((id) => byId.get(id) ?? []);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-resume-'));
  stateDir = join(dir, 'state');
  configFile = join(dir, 'fast.json');
  await writeFile(configFile, JSON.stringify({ context: { tickfan: fastConfig } }));
  // The state directory must exist before the run, for the watch on it.
  await mkdir(stateDir);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start -- --resume after a kill -9', () => {
  let killed: RunState;
  let filledAtKill: readonly SimOrder[];
  let resumed: { summary: RunSummary; stderr: string };

  it('continues from the tick the killed run started last, on the exchange it traded on', async () => {
    killed = await startAndKill(30, 13);
    filledAtKill = exchangeFills();
    const restingAtKill = exchangeOrders().filter((o) => o.status === 'open');
    // The killed run traded and left stops resting: there is an exchange side to lose.
    expect(filledAtKill.length).toBeGreaterThan(0);
    expect(restingAtKill.length).toBeGreaterThan(0);

    resumed = await start('--resume', '--ticks', '6');
    const { summary } = resumed;

    expect(summary.resume?.fromTickAt).toBe(new Date(killed.nextTickAt).toISOString());
    expect(resumed.stderr).toMatch(
      new RegExp(`^tick 1/6\\s+${new Date(killed.nextTickAt).toISOString()}`, 'm'),
    );
    // Every fill the killed run's exchange made is still there, first and in order, and every
    // stop it left resting is still known to it: resting yet, or filled or cancelled since.
    expect(exchangeFills().slice(0, filledAtKill.length)).toEqual(filledAtKill);
    const known = new Map(exchangeOrders().map((o) => [o.clientOrderId, o] as const));
    for (const stop of restingAtKill) {
      expect(known.get(stop.clientOrderId), stop.clientOrderId).toMatchObject({
        orderId: stop.orderId,
        stopPrice: stop.stopPrice,
      });
    }
    expect(summary.orders.exchange).toBeGreaterThanOrEqual(filledAtKill.length);
    const after = await readRunState(stateDir);
    expect(after).toMatchObject({ finished: true, nextTickAt: killed.nextTickAt + 6 * period });
  }, 600_000);

  it('ends with every intent on the exchange and every position equal to its fills', () => {
    const { summary } = resumed;

    expect(summary.resume?.unreconciled).toEqual([]);
    expect(summary.orders.intents).toBe(summary.orders.exchange);
    expect(summary.orders.duplicates).toBe(0);
    // The stops resting on the restored exchange protect what is held, one each.
    expect(summary.positions.withStopOnExchange).toBe(summary.positions.open);
    for (const symbol of symbols) {
      const s = summary.perSymbol[symbol];
      expect(s?.position, symbol).toBe(s?.exchangePosition);
    }
  });

  it('books no order the exchange filled as cancelled, and every fill as filled', async () => {
    const orders = await storedOrders();
    // Every fill either run's exchange made: the killed run's among them, whatever became of them.
    const filled = new Map(
      [...filledAtKill, ...exchangeFills()].map((o) => [o.clientOrderId, o] as const),
    );

    const cancelledButFilled = orders.filter(
      (o) => o.status === 'cancelled' && filled.has(o.clientOrderId),
    );
    expect(cancelledButFilled).toEqual([]);
    for (const o of filled.values()) {
      const record = orders.find((r) => r.clientOrderId === o.clientOrderId);
      expect(record?.status, o.clientOrderId).toBe('filled');
      expect(record?.filledAmount, o.clientOrderId).toBe(o.amount);
    }
  });

  it('sends again the symbol ticks a killed run left in flight, and trades nothing twice for them', async () => {
    // What a kill leaves when it strikes while a tick runs and an older message of LTC/BTC waits
    // for its retry: the run state of the tick started, naming the message in flight.
    const finished = await readRunState(stateDir);
    const startedAt = finished?.nextTickAt ?? 0;
    const waiting = { symbol: 'LTC/BTC', scheduledAt: new Date(startedAt - period).toISOString() };
    writeRunState(stateDir, {
      nextTickAt: startedAt,
      symbols,
      finished: false,
      tick: 7,
      inFlight: [waiting],
    });
    const exchangeBefore = exchangeFills().length;

    const { summary, stderr } = await start('--resume', '--ticks', '1');

    expect(stderr).toMatch(
      /^tickfan: resume: 1 symbol tick\(s\) the last run left in flight sent again$/m,
    );
    expect(summary.resume).toMatchObject({
      fromTickAt: new Date(startedAt).toISOString(),
      redelivered: 1,
    });
    // The waiting tick ran again, beside the tick the resume started with.
    expect(summary.perSymbol['LTC/BTC']?.ticks).toBe(2);
    expect(summary.perSymbol['ETC/BTC']?.ticks).toBe(1);
    // It had run once already: its recorded result stands, and no order was added for it.
    const placedForIt = exchangeFills()
      .slice(exchangeBefore)
      .filter((o) => o.symbol === waiting.symbol && o.time < startedAt);
    expect(placedForIt).toEqual([]);
    expect(summary.orders.intents).toBe(summary.orders.exchange);
  }, 300_000);

  it('refuses, one line per symbol, to trade what it cannot square with a lost exchange', async () => {
    // An exchange that lost its side: what the state booked filled has no fill there.
    await rm(exchangeStateFile(stateDir));
    const booked = new Set(
      (await storedOrders()).filter((o) => (o.filledAmount ?? 0) > 0).map((o) => o.symbol),
    );
    expect(booked.size).toBeGreaterThan(0);

    const { summary, stderr } = await start('--resume', '--ticks', '2');

    const refused = summary.resume?.unreconciled ?? [];
    expect(refused.map((u) => u.symbol).sort()).toEqual([...booked].sort());
    for (const symbol of booked) {
      expect(stderr).toMatch(
        new RegExp(
          `^tickfan: resume: ${symbol.replace('/', '\\/')} is not traded until it is reconciled: .*the exchange has no fill of it$`,
          'm',
        ),
      );
      // Its ticks still run, only to settle what is pending: each is skipped, none trades.
      expect(summary.perSymbol[symbol]).toMatchObject({ ticks: 2, skipped: 2, ok: 0 });
      expect(refused.find((u) => u.symbol === symbol)?.ticksRefused).toBe(2);
    }
    expect(summary.skipped.disabled).toBe(2 * booked.size);
    // Nothing was sent for a refused symbol.
    expect(exchangeFills().filter((o) => booked.has(o.symbol))).toEqual([]);
  }, 300_000);
});
