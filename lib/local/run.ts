import { mkdir, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { errorAttribute } from '../adapters/sqs-dead-letters.js';
import { SqsSymbolQueue } from '../adapters/sqs-symbol-queue.js';
import { tickPeriodMs } from '../config/schedule.js';
import {
  type BotConfig,
  ConfigError,
  fixedSymbols,
  isSelector,
  pairConfig,
  type SymbolConfig,
  selectedPairs,
  selectorsOf,
  settingsOf,
} from '../config/schema.js';
import { isDue, timeframeMs } from '../domain/candle.js';
import { createStrategy } from '../domain/strategies/registry.js';
import type { SymbolHealth } from '../domain/symbol-health.js';
import type { TickResult } from '../domain/tick.js';
import type { StateStore } from '../ports/state-store.js';
import type { ExchangeSimulator } from '../simulator/exchange-simulator.js';
import type { FanOutResult } from '../use-cases/fan-out-tick.js';
import { DrainProgress, progressLines } from './drain-progress.js';
import type { FaultSpec } from './faults/fault-spec.js';
import { LocalEnvironment } from './local-environment.js';
import { startLocalNotifications } from './notifier.js';
import { type UnreconciledSymbol, unreconciledSymbols } from './resume-reconciliation.js';
import { type RunReportData, runInvocations } from './run-report.js';
import { type InFlightTick, readRunState, runStateFile, writeRunState } from './run-state.js';
import type { InvocationRecord } from './sqs-event-source.js';
import { type DueSymbolTick, type ResumeSummary, type RunSummary, summarise } from './summary.js';
import { syntheticMarketsFor, withSyntheticSymbols } from './synthetic-symbols.js';
import { defaultTimeScale, scaleTimeouts } from './time-scale.js';

export interface RunOptions {
  readonly config: BotConfig;
  readonly ticks: number;
  /** Trade only these symbols of the config; default all. */
  readonly symbols?: readonly string[];
  /**
   * Add this many synthetic markets to the symbols traded (see `withSyntheticSymbols`), served by
   * the simulator; default 0.
   */
  readonly synthetic?: number;
  /**
   * Continue the last run's trading state, exchange and clock instead of starting afresh: from
   * the tick it started last, with the symbol ticks it left in flight sent again.
   */
  readonly resume?: boolean;
  /**
   * Receives each line a resume has to say (a symbol it cannot reconcile, ticks sent again);
   * default `process.stderr`.
   */
  readonly onResumeNotice?: (line: string) => void;
  readonly stateDir: string;
  /** Keep DynamoDB data on disk (default), so later commands see it. */
  readonly persist?: boolean;
  readonly logs?: Writable;
  readonly faults?: readonly FaultSpec[];
  /** Folder of candle files the simulator serves; default the shipped ones. */
  readonly dataDir?: string;
  /**
   * Factor applied to the trade function's timeout, retry delay, stale limit and tick spacing (see
   * `scaleTimeouts`); default {@link defaultTimeScale}.
   */
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
  /** `--notify-url`: every configured webhook (one of each kind if none) posts here instead. */
  readonly notifyUrl?: string;
}

export interface RunProgress {
  readonly tick: number;
  readonly ticks: number;
  readonly scheduledAt: string;
  readonly invocations: number;
  readonly failed: number;
  readonly orders: number;
}

export { type RunState, readRunState, runStateFile } from './run-state.js';

/** Narrows the config to `symbols`, refusing any the config does not trade. */
export function selectSymbols(config: BotConfig, symbols?: readonly string[]): BotConfig {
  if (symbols === undefined || symbols.length === 0) return config;
  const known = new Set(fixedSymbols(config).map((s) => s.symbol));
  const unknown = symbols.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new ConfigError(
      `--symbols: ${unknown.map((s) => JSON.stringify(s)).join(', ')} not in the config (known: ${[...known].join(', ')})`,
      unknown.map((value) => ({ path: 'symbols', message: 'not in the config', value })),
    );
  }
  // Selectors stay: `--symbols` narrows the fixed symbols only.
  const kept = config.symbols.filter((s) => isSelector(s) || symbols.includes(s.symbol));
  return { ...config, symbols: kept };
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
  const selected = selectSymbols(options.config, options.symbols);
  // With a volume selector, synthetic markets are served for it to pick from, not traded fixed.
  const selecting = selectorsOf(selected).length > 0;
  const syntheticMarkets = selecting ? [] : syntheticMarketsFor(selected, options.synthetic ?? 0);
  const syntheticNames = syntheticMarkets.map((s) => s.symbol);
  const config = scaleTimeouts(withSyntheticSymbols(selected, syntheticMarkets), timeScale);
  // The fixed symbols, then each pair a selector picks during the run as it is first picked.
  const symbols = fixedSymbols(config).map((s) => s.symbol);
  const period = tickPeriodMs(
    config.schedule.expression,
    config.symbols.map((s) => s.timeframe),
  );
  const previous = options.resume ? await readRunState(options.stateDir) : undefined;
  const exchange = config.exchange.id;
  if (previous?.exchange !== undefined && previous.exchange !== exchange) {
    // Its orders rest on that exchange's simulated account under that exchange's client ids.
    const message = `--resume: the run in ${options.stateDir} traded on ${previous.exchange}, not ${exchange}: resume it with --exchange ${previous.exchange}, or start afresh without --resume`;
    throw new ConfigError(message, [
      {
        path: 'exchange.id',
        message: `not the resumed run's ${previous.exchange}`,
        value: exchange,
      },
    ]);
  }
  const invocations: InvocationRecord[] = [];
  const fanOutStartedAt = new Map<string, number>();
  const fanOutMs = new Map<string, number>();
  const messages = new Map<string, MessageState>();
  const dueTicks: DueSymbolTick[] = [];
  const key = (symbol: string, scheduledAt: string) => `${symbol}#${scheduledAt}`;
  let lastFanOut: FanOutResult | undefined;
  let haltedDispatches = 0;
  // Symbols a resume could not reconcile: the trade function sees them disabled (it settles what
  // is pending, and trades nothing) until a resume can, and their due ticks are counted.
  let unreconciled: readonly UnreconciledSymbol[] = [];
  const refused = new Map<string, number>();
  const redelivered = new Set<string>();
  const notice =
    options.onResumeNotice ??
    ((line: string) => process.stderr.write(`tickfan: resume: ${line}\n`));
  await mkdir(options.stateDir, { recursive: true });

  // The local stand-ins for the SNS topic and the notifier function: an event is accepted at
  // once and delivered in the background, so no webhook holds up a tick.
  const notifications = await startLocalNotifications({
    webhooks: config.notifications.webhooks,
    ...(options.notifyUrl === undefined ? {} : { overrideUrl: options.notifyUrl }),
  });
  const env = await LocalEnvironment.start({
    config,
    notifyUrl: notifications.endpoint,
    stateDir: options.stateDir,
    persist: options.persist ?? true,
    fresh: !options.resume,
    ...(options.logs ? { logs: options.logs } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(selecting ? { syntheticMarkets: options.synthetic ?? 0 } : {}),
    ...(options.resume
      ? {
          configFor: async ({ store, simulator, clock }) => {
            // The exchange's resting stops trigger on the candles closed by its now: read it at
            // the tick the resume starts with, never ahead of it.
            clock.set(
              (previous?.nextTickAt ?? firstTickAt(simulator, config, period)) + fireDelayMs,
            );
            unreconciled = unreconciledSymbols(
              await Promise.all(
                symbols.map(async (symbol) => ({
                  symbol,
                  position: await store.getPosition(symbol),
                  orders: await store.listOrders(symbol),
                  fills: simulator.orders.filter((o) => o.symbol === symbol),
                })),
              ),
            );
            for (const u of unreconciled) {
              notice(`${u.symbol} is not traded until it is reconciled: ${u.reason}`);
              refused.set(u.symbol, 0);
            }
            return {
              ...config,
              symbols: config.symbols.map((s) =>
                !isSelector(s) && refused.has(s.symbol) ? { ...s, enabled: false } : s,
              ),
            };
          },
        }
      : {}),
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
    const firstTick = previous?.nextTickAt ?? firstTickAt(env.simulator, config, period);
    // A fresh run's trading state is gone: so is the clock a resume would continue from.
    if (!options.resume) await rm(runStateFile(options.stateDir), { force: true });
    await Promise.all([env.trade.warm(symbols.length), env.fanOut.warm(1)]);
    env.eventSource.start();
    const inFlight = (previous?.inFlight ?? []).filter(
      (t) => symbols.includes(t.symbol) && Date.parse(t.scheduledAt) < firstTick,
    );
    if (inFlight.length > 0) {
      // The queue that held them died with the killed run. The FIFO dedup id is the tick id and
      // the trade function runs a tick once, so sending one that did finish again is harmless.
      for (const t of inFlight) {
        messages.set(key(t.symbol, t.scheduledAt), { attempts: 0, resolved: false });
        redelivered.add(key(t.symbol, t.scheduledAt));
      }
      const queue = new SqsSymbolQueue({ queueUrl: env.queueUrl, client: env.sqs });
      const sent = await queue.send(
        inFlight.map((t) => ({ symbol: t.symbol, scheduledAt: Date.parse(t.scheduledAt) })),
      );
      for (const f of sent.failed)
        messages.delete(key(f.tick.symbol, new Date(f.tick.scheduledAt).toISOString()));
      notice(
        `${inFlight.length - sent.failed.length} symbol tick(s) the last run left in flight sent again` +
          (sent.failed.length > 0 ? `, ${sent.failed.length} could not be sent` : ''),
      );
    }
    /** Records, before a tick starts, where a resume continues from and what it must resend. */
    const saveRunState = (nextTickAt: number, state: { tick?: number; finished: boolean }) =>
      writeRunState(options.stateDir, {
        nextTickAt,
        symbols,
        exchange,
        ...state,
        inFlight: [...messages.entries()]
          .filter(([, m]) => !m.resolved)
          .map(([k]) => inFlightOf(k))
          .filter((t) => Date.parse(t.scheduledAt) < nextTickAt),
      });
    // The markets function runs at the first tick and once a refresh period of the simulated
    // clock after it, as its schedule does deployed; a failed refresh leaves the stored rules be.
    const refreshMs = config.markets.refreshMinutes * 60_000;
    let marketsRefreshedAt: number | undefined;
    const refreshMarketsWhenDue = async (at: number) => {
      if (marketsRefreshedAt !== undefined && at - marketsRefreshedAt < refreshMs) return;
      marketsRefreshedAt = at;
      await env.refreshMarkets(env.clock.offsetMs).catch((error: unknown) => {
        process.emitWarning(`markets not refreshed: ${(error as Error).message}`);
      });
    };
    let tick = 0;
    let selectionSeen = false;
    for (; tick < options.ticks; tick++) {
      const scheduledAt = firstTick + tick * period;
      const iso = new Date(scheduledAt).toISOString();
      saveRunState(scheduledAt, { tick: tick + 1, finished: false });
      for (const s of fixedSymbols(config)) {
        const n = refused.get(s.symbol);
        if (n !== undefined && s.enabled && isDue(scheduledAt, s.timeframe))
          refused.set(s.symbol, n + 1);
      }
      env.clock.set(scheduledAt + fireDelayMs);
      await refreshMarketsWhenDue(scheduledAt);
      const pairs: SymbolConfig[] =
        selecting || selectionSeen ? await listedPairs(env.store, config) : [];
      selectionSeen ||= pairs.length > 0;
      for (const p of pairs) if (!symbols.includes(p.symbol)) symbols.push(p.symbol);
      const due = [...fixedSymbols(config), ...pairs].filter(
        (s) => s.enabled && isDue(scheduledAt, s.timeframe),
      );
      // Registered before the fan-out: a trade invocation can finish before the fan-out returns.
      for (const s of due) messages.set(key(s.symbol, iso), { attempts: 0, resolved: false });
      fanOutStartedAt.set(iso, Date.now());
      const fanOut = await env.fanOut.invoke(
        { scheduledAt: iso, source: 'tickfan.local' },
        env.clock.offsetMs,
      );
      fanOutMs.set(iso, fanOut.durationMs);
      if (!fanOut.ok) throw new Error(`fan-out failed at ${iso}: ${fanOut.error.message}`);
      lastFanOut = fanOut.value as FanOutResult;
      haltedDispatches += lastFanOut.halted;
      // What the fan-out did not dispatch (halted, or lost) is not waited for.
      const notSent = new Set(lastFanOut.failed.map((f) => f.symbol));
      const halted = lastFanOut.halted > 0;
      for (const s of due) {
        dueTicks.push({ symbol: s.symbol, scheduledAt: iso, ...(halted ? { halted } : {}) });
        if (halted || notSent.has(s.symbol)) messages.delete(key(s.symbol, iso));
      }
      const settled = () => {
        // FIFO: SQS holds a message back while an older one of its group is unresolved. One pass
        // over the messages, not one per symbol: a thousand symbols make this quadratic.
        const heldBack = new Set<string>();
        for (const [k, m] of messages) {
          const t = inFlightOf(k);
          if (!m.resolved && t.scheduledAt < iso) heldBack.add(t.symbol);
        }
        return due.every((s) => {
          const mine = messages.get(key(s.symbol, iso));
          if (mine === undefined || mine.attempts > 0 || mine.resolved) return true;
          return heldBack.has(s.symbol);
        });
      };
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
    // Not finished until the queue drained: a kill during the drain loses what is still in it.
    saveRunState(firstTick + tick * period, { finished: false });
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
    saveRunState(firstTick + tick * period, { finished: true });
    if (!drained) process.emitWarning(`the queue did not drain within ${drainLimit / 1000} s`);
    await env.eventSource.stop();

    const tickResults: TickResult[] = [];
    for (const symbol of symbols) tickResults.push(...(await env.store.listTickResults(symbol)));
    const orders = (await Promise.all(symbols.map((s) => env.store.listOrders(s)))).flat();
    // In batched reads, as the fan-out makes them: a run may hold a thousand symbols.
    const states = await env.store.getSymbolStates({ health: symbols, positions: symbols });
    const positions = [...states.positions.values()];
    const health: SymbolHealth[] = [...states.health.values()];
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
    // What the CloudWatch alarms tell in AWS, told once at the end of a local run.
    for (const symbol of lastFanOut?.silent ?? []) {
      void notifications.notify({ kind: 'symbol-silent', symbol, time: env.clock.now() });
    }
    if (deadLettered > 0) {
      const queue = env.dlqUrl.split('/').pop() ?? 'dead-letter queue';
      void notifications.notify({
        kind: 'dlq-not-empty',
        time: env.clock.now(),
        queue,
        messages: deadLettered,
      });
    }
    // Deliveries still under way get the time the notifier function's retries would take.
    await notifications.close(15_000);
    const summary = summarise({
      exchange: config.exchange.id,
      exchangeRequests: env.simulator.requestStats(),
      notifications: notifications.summary(),
      ticks: tick,
      symbols,
      syntheticSymbols: syntheticNames,
      dueTicks,
      // Kilobytes; worker threads share the process, so this covers every container.
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      invocations,
      fanOutStartedAt,
      fanOutMs,
      tickResults: tickResults.filter(
        (t) => fanOutStartedAt.has(t.scheduledAt) || redelivered.has(key(t.symbol, t.scheduledAt)),
      ),
      orders,
      positions,
      health,
      silent: lastFanOut?.silent ?? [],
      exchangeOrders: env.simulator.orders,
      exchangeOpenOrders: env.simulator.openOrders(),
      haltedDispatches,
      deadLettered,
      deadLetteredBySymbol,
      poisoned,
      tickPeriodMs: period,
      tickSpacingMs: period * timeScale,
      lastPrices,
      timeScale,
      ...(options.resume
        ? {
            resume: {
              fromTickAt: new Date(firstTick).toISOString(),
              redelivered: inFlight.length,
              unreconciled: unreconciled.map((u) => ({
                ...u,
                ticksRefused: refused.get(u.symbol) ?? 0,
              })),
            } satisfies ResumeSummary,
          }
        : {}),
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
    await notifications.close(0);
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

/** The symbol tick a message key (`symbol#ISO`) names. */
function inFlightOf(messageKey: string): InFlightTick {
  const at = messageKey.lastIndexOf('#');
  return { symbol: messageKey.slice(0, at), scheduledAt: messageKey.slice(at + 1) };
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
function firstTickAt(simulator: ExchangeSimulator, config: BotConfig, period: number): number {
  // A selector may pick any market of its quote: each of them needs its warm-up too.
  const traded = [
    ...fixedSymbols(config),
    ...selectorsOf(config).flatMap((s) =>
      simulator.symbols
        .filter((symbol) => symbol.endsWith(`/${s.select.quote}`))
        .map((symbol) => pairConfig(symbol, settingsOf(s))),
    ),
  ];
  const ready = traded.map((s) => {
    const first = simulator.candles(s.symbol)[0];
    if (first === undefined) throw new Error(`the simulator has no candles for ${s.symbol}`);
    const warmup = createStrategy(s.strategy, s.params).warmup;
    return first.time + (warmup + 1) * timeframeMs(s.timeframe);
  });
  const start = Math.max(...ready);
  return Math.ceil(start / period) * period;
}

/**
 * The pairs the stored selection lists for an enabled selector, as the fan-out dispatches them
 * (exit-only pairs are dispatched only while they hold, and are not counted as due).
 */
async function listedPairs(
  store: Pick<StateStore, 'getSelection'>,
  config: BotConfig,
): Promise<SymbolConfig[]> {
  return selectedPairs(config, await store.getSelection())
    .filter((p) => p.enabled)
    .map((p) => pairConfig(p.symbol, p.pair));
}
