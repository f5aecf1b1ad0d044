import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { errorAttribute } from '../adapters/sqs-dead-letters.js';
import { tickPeriodMs } from '../config/schedule.js';
import { type BotConfig, ConfigError } from '../config/schema.js';
import { isDue, timeframeMs } from '../domain/candle.js';
import { createStrategy } from '../domain/strategies/registry.js';
import type { SymbolHealth } from '../domain/symbol-health.js';
import type { TickResult } from '../domain/tick.js';
import type { FanOutResult } from '../use-cases/fan-out-tick.js';
import { DrainProgress, progressLines } from './drain-progress.js';
import type { FaultSpec } from './faults/fault-spec.js';
import { LocalEnvironment } from './local-environment.js';
import { type RunReportData, runInvocations } from './run-report.js';
import type { InvocationRecord } from './sqs-event-source.js';
import { type RunSummary, summarise } from './summary.js';
import { defaultTimeScale, scaleTimeouts } from './time-scale.js';

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
  readonly faults?: readonly FaultSpec[];
  /** Folder of candle files the simulator serves; default the shipped ones. */
  readonly dataDir?: string;
  /** Factor applied to the configured function timeouts; default {@link defaultTimeScale}. */
  readonly timeScale?: number;
  readonly onProgress?: (progress: RunProgress) => void;
  /**
   * Where the lines that tell what the run waits for after its last tick go (a terminal gets
   * them rewritten in place); default `process.stderr` when `onProgress` is given, as that is
   * where the CLI writes its tick lines, and nowhere otherwise.
   */
  readonly progressOutput?: Writable & { readonly isTTY?: boolean };
  /** Receives what the HTML run report is drawn from, once the run has finished. */
  readonly onReportData?: (data: RunReportData) => void;
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

/** Delivery state of one symbol tick's message, as the event source reported it. */
interface MessageState {
  attempts: number;
  resolved: boolean;
}

/**
 * Runs `ticks` schedule ticks on the embedded parts. Each tick sets the simulated clock to its
 * scheduled time and invokes the fan-out function with a Scheduler-shaped event. Every trade
 * invocation sees the simulated clock as it would stand had its tick happened in real time
 * (scheduled time plus the wall time since its fan-out), so a retry is exactly as late as it
 * would be in AWS.
 *
 * The next tick starts once every message of this one is resolved (delivered, skipped or
 * dead-lettered), or once the tick period times the time scale has passed and every message
 * has had its first invocation or waits in its FIFO group behind an older one. A failed message
 * comes back after the retry delay its handler set (or the visibility timeout), concurrently
 * with later ticks when it outlasts the period, as in AWS. After the last tick the run waits
 * until the queue is empty: everything delivered, skipped or dead-lettered.
 */
export async function runLocal(options: RunOptions): Promise<RunSummary> {
  const timeScale = options.timeScale ?? defaultTimeScale;
  const config = scaleTimeouts(selectSymbols(options.config, options.symbols), timeScale);
  const symbols = config.symbols.map((s) => s.symbol);
  const period = tickPeriodMs(
    config.schedule.expression,
    config.symbols.map((s) => s.timeframe),
  );
  const previous = options.resume ? await readRunState(options.stateDir) : undefined;
  const invocations: InvocationRecord[] = [];
  const fanOutStartedAt = new Map<string, number>();
  const messages = new Map<string, MessageState>();
  const key = (symbol: string, scheduledAt: string) => `${symbol}#${scheduledAt}`;
  let lastFanOut: FanOutResult | undefined;
  let haltedDispatches = 0;
  await mkdir(options.stateDir, { recursive: true });

  const env = await LocalEnvironment.start({
    config,
    stateDir: options.stateDir,
    persist: options.persist ?? true,
    fresh: !options.resume,
    ...(options.logs ? { logs: options.logs } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    clockOffsetFor: (scheduledAt) => {
      const fannedOut = scheduledAt === undefined ? undefined : fanOutStartedAt.get(scheduledAt);
      if (scheduledAt === undefined || fannedOut === undefined) return env.clock.offsetMs;
      return Date.parse(scheduledAt) + fireDelayMs - fannedOut;
    },
    onInvocation: (record) => {
      invocations.push(record);
      if (record.symbol === undefined || record.scheduledAt === undefined) return;
      const state = messages.get(key(record.symbol, record.scheduledAt));
      if (state === undefined) return;
      state.attempts += 1;
      const ok = record.outcome.ok && !record.itemFailed;
      // After maxReceiveCount receives SQS moves the message to the DLQ instead of redelivering.
      if (ok || record.receiveCount >= config.queue.maxReceiveCount) state.resolved = true;
    },
  });
  const tradeTimeoutMs = config.timeouts.tradeFunctionSeconds * 1000;
  try {
    const firstTick = previous?.nextTickAt ?? firstTickAt(env, config, period);
    await Promise.all([env.trade.warm(symbols.length), env.fanOut.warm(1)]);
    env.eventSource.start();
    let tick = 0;
    for (; tick < options.ticks; tick++) {
      const scheduledAt = firstTick + tick * period;
      const iso = new Date(scheduledAt).toISOString();
      const due = config.symbols.filter((s) => s.enabled && isDue(scheduledAt, s.timeframe));
      // Registered before the fan-out: a trade invocation can finish before the fan-out returns.
      for (const s of due) messages.set(key(s.symbol, iso), { attempts: 0, resolved: false });
      env.clock.set(scheduledAt + fireDelayMs);
      fanOutStartedAt.set(iso, Date.now());
      const fanOut = await env.fanOut.invoke(
        { scheduledAt: iso, source: 'tickfan.local' },
        env.clock.offsetMs,
      );
      if (!fanOut.ok) throw new Error(`fan-out failed at ${iso}: ${fanOut.error.message}`);
      lastFanOut = fanOut.value as FanOutResult;
      haltedDispatches += lastFanOut.halted;
      // What the fan-out did not dispatch (halted, or lost) is not waited for.
      for (const s of due) {
        const dispatched =
          lastFanOut.halted === 0 && !lastFanOut.failed.some((f) => f.symbol === s.symbol);
        if (!dispatched) messages.delete(key(s.symbol, iso));
      }
      const settled = () =>
        due.every((s) => {
          const mine = messages.get(key(s.symbol, iso));
          if (mine === undefined || mine.attempts > 0 || mine.resolved) return true;
          // FIFO: SQS holds this message back while an older one of its group is unresolved.
          return [...messages.entries()].some(
            ([k, m]) => k.startsWith(`${s.symbol}#`) && k < key(s.symbol, iso) && !m.resolved,
          );
        });
      // Deployed, the next tick fires one period later whatever this one's messages do. Here it
      // starts as soon as they are all resolved (nothing of this tick is left to overlap it),
      // else once the period x time scale has passed: a retry waiting in a symbol's group then
      // holds back that symbol's later ticks no longer than it would in AWS.
      const resolved = () => due.every((s) => messages.get(key(s.symbol, iso))?.resolved ?? true);
      const spacingMs = period * timeScale;
      const fannedOutAt = fanOutStartedAt.get(iso) ?? Date.now();
      await waitFor(
        () => resolved() || (Date.now() - fannedOutAt >= spacingMs && settled()),
        Math.max(spacingMs, 2 * tradeTimeoutMs + 5_000),
      );
      options.onProgress?.(progress(tick + 1, iso));
    }
    await writeFile(
      runStateFile(options.stateDir),
      JSON.stringify(
        { nextTickAt: firstTick + tick * period, symbols } satisfies RunState,
        null,
        2,
      ),
    );
    // Retries and dead-lettering take up to maxReceiveCount visibility timeouts per message,
    // minutes in which a person would otherwise see nothing happen.
    const drainLimit = 10 * 60_000;
    const output = options.progressOutput ?? (options.onProgress ? process.stderr : undefined);
    const writeLine = output === undefined ? undefined : progressLines(output);
    const drainProgress = new DrainProgress({ write: (line) => writeLine?.(line) });
    const drained = await waitFor(
      async () => {
        const depth = await env.queueDepth();
        // Counted by symbol tick, as the run knows them; the queue's own count also holds
        // messages on their way to the dead-letter queue.
        const unresolved = [...messages.values()].filter((m) => !m.resolved);
        const waitingForRetry = unresolved.filter((m) => m.attempts > 0).length;
        const queued = unresolved.length - waitingForRetry;
        drainProgress.update({
          inFlight: unresolved.length === 0 ? depth : queued,
          waitingForRetry,
        });
        return env.eventSource.busy === 0 && depth === 0;
      },
      drainLimit,
      250,
    );
    drainProgress.finish(drained);
    if (!drained) process.emitWarning(`the queue did not drain within ${drainLimit / 1000} s`);
    await env.eventSource.stop();

    const tickResults: TickResult[] = [];
    for (const symbol of symbols) tickResults.push(...(await env.store.listTickResults(symbol)));
    const orders = (await Promise.all(symbols.map((s) => env.store.listOrders(s)))).flat();
    const positions = await Promise.all(symbols.map((s) => env.store.getPosition(s)));
    const health: SymbolHealth[] = await Promise.all(symbols.map((s) => env.store.getHealth(s)));
    const lastPrices = Object.fromEntries(
      symbols.map((s) => [s, env.simulator.lastPrice(s) ?? 0] as const),
    );
    const deadLettered = await env.queueDepth(env.dlqUrl);
    const deadLetters = await env.peekDeadLetters();
    const poisoned = deadLetters.filter(
      (m) => m.MessageAttributes?.[errorAttribute] !== undefined,
    ).length;
    const deadLetteredBySymbol = new Map<string, number>();
    for (const m of deadLetters) {
      const symbol = symbolOf(m.Body);
      if (symbol) deadLetteredBySymbol.set(symbol, (deadLetteredBySymbol.get(symbol) ?? 0) + 1);
    }
    const summary = summarise({
      ticks: tick,
      symbols,
      invocations,
      fanOutStartedAt,
      tickResults: tickResults.filter((t) => fanOutStartedAt.has(t.scheduledAt)),
      orders,
      positions,
      health,
      silent: lastFanOut?.silent ?? [],
      exchangeOrders: env.simulator.orders,
      haltedDispatches,
      deadLettered,
      deadLetteredBySymbol,
      poisoned,
      tickPeriodMs: period,
      lastPrices,
      timeScale,
    });
    if (options.onReportData) {
      // The candles from the one the first tick decided on to the newest closed now, so the
      // equity curve ends on the close the summary marks its pnl at.
      const closedBy = env.clock.now();
      const candles = Object.fromEntries(
        symbols.map((s) => {
          const tf = timeframeMs(env.simulator.timeframe(s));
          const span = env.simulator
            .candles(s)
            .filter((c) => c.time >= firstTick - tf && c.time + tf <= closedBy);
          return [s, span] as const;
        }),
      );
      options.onReportData({
        summary,
        candles,
        invocations: runInvocations(invocations, fanOutStartedAt),
        feeRate: config.paper.feeRate,
        span: { firstTick, lastTick: firstTick + (tick - 1) * period },
        skips: tickResults
          .filter((t) => fanOutStartedAt.has(t.scheduledAt) && t.status === 'skipped')
          .map((t) => ({ symbol: t.symbol, reason: t.skipReason ?? 'skipped' })),
        // Figures are shown to the market's own price tick and amount step.
        markets: Object.fromEntries(
          symbols.map((s) => {
            const rules = env.simulator.rules(s);
            return [s, { priceStep: rules.tickSize, amountStep: rules.stepSize }] as const;
          }),
        ),
      });
    }
    return summary;
  } finally {
    await env.close();
  }

  function progress(tick: number, scheduledAt: string): RunProgress {
    return {
      tick,
      ticks: options.ticks,
      scheduledAt,
      invocations: invocations.length,
      failed: invocations.filter((r) => !r.outcome.ok || r.itemFailed).length,
      orders: env.simulator.orders.length,
    };
  }
}

function symbolOf(body: string | undefined): string | undefined {
  try {
    const symbol = (JSON.parse(body ?? '') as { symbol?: unknown }).symbol;
    return typeof symbol === 'string' ? symbol : undefined;
  } catch {
    return undefined;
  }
}

/** Scheduler fires within the scheduled minute; locally, this long after the scheduled time. */
const fireDelayMs = 250;

/** Polls `done` until it holds or `limitMs` passes; true when it held. */
async function waitFor(
  done: () => boolean | Promise<boolean>,
  limitMs: number,
  everyMs = 5,
): Promise<boolean> {
  const until = Date.now() + limitMs;
  // Two quiet reads in a row: a message may be between receive and invocation for a moment.
  let quiet = 0;
  while (Date.now() < until) {
    quiet = (await done()) ? quiet + 1 : 0;
    if (quiet >= 2) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
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
