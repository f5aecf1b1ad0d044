import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { tickPeriodMs } from '../config/schedule.js';
import { type BotConfig, ConfigError } from '../config/schema.js';
import { timeframeMs } from '../domain/candle.js';
import { createStrategy } from '../domain/strategies/registry.js';
import type { TickResult } from '../domain/tick.js';
import { LocalEnvironment } from './local-environment.js';
import type { InvocationRecord } from './sqs-event-source.js';
import { type RunSummary, summarise } from './summary.js';

export interface RunOptions {
  readonly config: BotConfig;
  readonly ticks: number;
  /** Trade only these symbols of the config; default all. */
  readonly symbols?: readonly string[];
  /** Continue the last run's trading state and clock instead of starting afresh. */
  readonly resume?: boolean;
  readonly stateDir: string;
  /** Keep DynamoDB data on disk (default), so later commands see it. */
  readonly persist?: boolean;
  readonly logs?: Writable;
  readonly onProgress?: (progress: RunProgress) => void;
}

export interface RunProgress {
  readonly tick: number;
  readonly ticks: number;
  readonly scheduledAt: string;
  readonly invocations: number;
  readonly failed: number;
  readonly orders: number;
}

/** What a run leaves for the next `--resume` and for `npm run invoke`. */
export interface RunState {
  readonly nextTickAt: number;
  readonly symbols: readonly string[];
}

export const runStateFile = (stateDir: string) => join(stateDir, 'run.json');

/** Narrows the config to `symbols`, refusing any the config does not trade. */
export function selectSymbols(config: BotConfig, symbols?: readonly string[]): BotConfig {
  if (symbols === undefined || symbols.length === 0) return config;
  const known = new Set(config.symbols.map((s) => s.symbol));
  const unknown = symbols.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new ConfigError(
      `--symbols: ${unknown.map((s) => JSON.stringify(s)).join(', ')} not in the config (known: ${[...known].join(', ')})`,
      unknown.map((value) => ({ path: 'symbols', message: 'not in the config', value })),
    );
  }
  return { ...config, symbols: config.symbols.filter((s) => symbols.includes(s.symbol)) };
}

export async function readRunState(stateDir: string): Promise<RunState | undefined> {
  try {
    return JSON.parse(await readFile(runStateFile(stateDir), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

/**
 * Runs `ticks` schedule ticks on the embedded parts: each tick sets the simulated clock to the
 * scheduled time, invokes the fan-out function with a Scheduler-shaped event, and waits until the
 * event source has drained the queue (successes deleted, failures retried or dead-lettered).
 */
export async function runLocal(options: RunOptions): Promise<RunSummary> {
  const config = selectSymbols(options.config, options.symbols);
  const symbols = config.symbols.map((s) => s.symbol);
  const period = tickPeriodMs(
    config.schedule.expression,
    config.symbols.map((s) => s.timeframe),
  );
  const previous = options.resume ? await readRunState(options.stateDir) : undefined;
  const invocations: InvocationRecord[] = [];
  const fanOutStartedAt = new Map<string, number>();
  await mkdir(options.stateDir, { recursive: true });

  const env = await LocalEnvironment.start({
    config,
    stateDir: options.stateDir,
    persist: options.persist ?? true,
    fresh: !options.resume,
    ...(options.logs ? { logs: options.logs } : {}),
    onInvocation: (record) => invocations.push(record),
  });
  try {
    const firstTick = previous?.nextTickAt ?? firstTickAt(env, config, period);
    env.eventSource.start();
    let tick = 0;
    for (; tick < options.ticks; tick++) {
      const scheduledAt = firstTick + tick * period;
      const iso = new Date(scheduledAt).toISOString();
      // Scheduler fires within the scheduled minute; the tick carries the scheduled time.
      env.clock.set(scheduledAt + 250);
      fanOutStartedAt.set(iso, Date.now());
      const fanOut = await env.fanOut.invoke(
        { scheduledAt: iso, source: 'tickfan.local' },
        env.clock.offsetMs,
      );
      if (!fanOut.ok) throw new Error(`fan-out failed at ${iso}: ${fanOut.error.message}`);
      await drain(env);
      options.onProgress?.({
        tick: tick + 1,
        ticks: options.ticks,
        scheduledAt: iso,
        invocations: invocations.length,
        failed: invocations.filter((r) => !r.outcome.ok || r.itemFailed).length,
        orders: env.simulator.orders.length,
      });
    }
    await writeFile(
      runStateFile(options.stateDir),
      JSON.stringify(
        { nextTickAt: firstTick + tick * period, symbols } satisfies RunState,
        null,
        2,
      ),
    );
    await env.eventSource.stop();

    const tickResults: TickResult[] = [];
    for (const symbol of symbols) tickResults.push(...(await env.store.listTickResults(symbol)));
    const orders = (await Promise.all(symbols.map((s) => env.store.listOrders(s)))).flat();
    const positions = await Promise.all(symbols.map((s) => env.store.getPosition(s)));
    const lastPrices = Object.fromEntries(
      symbols.map((s) => {
        const candles = env.simulator
          .candles(s)
          .filter((c) => c.time + timeframeMs(env.simulator.timeframe(s)) <= env.clock.now());
        return [s, candles.at(-1)?.close ?? 0];
      }),
    );
    return summarise({
      ticks: tick,
      symbols,
      invocations,
      fanOutStartedAt,
      tickResults: tickResults.filter((t) => fanOutStartedAt.has(t.scheduledAt)),
      orders,
      positions,
      exchangeOrders: env.simulator.orders,
      deadLettered: await env.queueDepth(env.dlqUrl),
      tickPeriodMs: period,
      lastPrices,
    });
  } finally {
    await env.close();
  }
}

/**
 * The first tick of a fresh run: the earliest time at which every symbol's history covers its
 * strategy's warm-up, aligned to the schedule.
 */
function firstTickAt(env: LocalEnvironment, config: BotConfig, period: number): number {
  const ready = config.symbols.map((s) => {
    const first = env.simulator.candles(s.symbol)[0];
    if (first === undefined) throw new Error(`the simulator has no candles for ${s.symbol}`);
    const warmup = createStrategy(s.strategy, s.params).warmup;
    return first.time + (warmup + 1) * timeframeMs(s.timeframe);
  });
  const start = Math.max(...ready);
  return Math.ceil(start / period) * period;
}

async function drain(env: LocalEnvironment): Promise<void> {
  // Two quiet reads in a row: a message may be between receive and invocation for a moment.
  let quiet = 0;
  while (quiet < 2) {
    const idle = env.eventSource.busy === 0 && (await env.queueDepth()) === 0;
    quiet = idle ? quiet + 1 : 0;
    if (quiet < 2) await new Promise((resolve) => setTimeout(resolve, idle ? 5 : 10));
  }
}
