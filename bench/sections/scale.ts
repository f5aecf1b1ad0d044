import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { functionMemoryMb } from '../../infra/stack-facts.js';
import { DynamoRateBudget } from '../../lib/adapters/dynamo-rate-budget.js';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { SqsSymbolQueue } from '../../lib/adapters/sqs-symbol-queue.js';
import { tickPeriodMs } from '../../lib/config/schedule.js';
import {
  type BotConfig,
  exchangeLimits,
  fixedSymbols,
  parseConfig,
  rateBudgetRules,
} from '../../lib/config/schema.js';
import { timeframeMs } from '../../lib/domain/candle.js';
import { BudgetPriority, RatePool, tickWeight } from '../../lib/domain/rate-budget.js';
import { createStrategy } from '../../lib/domain/strategies/registry.js';
import { healthyState } from '../../lib/domain/symbol-health.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import { LocalEnvironment } from '../../lib/local/local-environment.js';
import { runLocal, selectSymbols } from '../../lib/local/run.js';
import {
  createSymbolQueues,
  localAwsClientConfig,
  startDynalite,
} from '../../lib/local/services.js';
import type { RunSummary } from '../../lib/local/summary.js';
import { syntheticMarketsFor, withSyntheticSymbols } from '../../lib/local/synthetic-symbols.js';
import { scaleTimeouts } from '../../lib/local/time-scale.js';
import type { ExchangeRequestStats } from '../../lib/simulator/request-stats.js';
import { percentile } from '../../lib/stats/percentile.js';
import { fanOutTick } from '../../lib/use-cases/fan-out-tick.js';
import { startLocalAws } from '../lib/local-aws.js';
import { judgeTick, perContainerMb, tickLimitMs, warmTickMs } from '../lib/scale-limits.js';
import type { Guarded } from '../lib/section-guard.js';
import { round } from '../lib/stats.js';

/** One fan-out of every symbol's tick, timed around `fanOutTick` with the shipped adapters. */
export interface ScaleFanOutFigures {
  readonly symbols: number;
  /** Timed fan-outs, after one warm-up. */
  readonly repeats: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** CPU (user + system) of this process per fan-out, median: what the Lambda's share must run. */
  readonly cpuP50Ms: number;
  /** BatchGetItem calls per fan-out (health, positions, kill switch; most of any repetition). */
  readonly batchReads: number;
  /** Single-item reads per fan-out: none is expected. */
  readonly itemReads: number;
  /** SendMessageBatch calls per fan-out (retries would show here). */
  readonly sendCalls: number;
  /** Messages SQS took per fan-out. */
  readonly dispatched: number;
}

/** The fan-out tick the bench times: every symbol due (12:05 UTC closes 1m and 5m candles). */
const firstTick = Date.UTC(2018, 0, 20, 12, 5);

/** `symbols` enabled symbols, half on 1m and half on 5m candles, all due at {@link firstTick}. */
export function scaleConfig(symbols: number): BotConfig {
  return parseConfig({
    schedule: { expression: 'rate(1 minute)' },
    symbols: Array.from({ length: symbols }, (_, i) => ({
      symbol: `S${String(i).padStart(4, '0')}/BTC`,
      timeframe: i % 2 === 0 ? '1m' : '5m',
    })),
  });
}

/**
 * Runs `fanOutTick` over `symbols` symbols with the DynamoDB store and the SQS queue as the
 * fan-out function builds them, against dynalite and local-aws-sqs in a child process: one
 * warm-up, then `repeats` timed runs, each into a fresh FIFO queue (made before the clock starts)
 * so that neither a backlog nor deduplication changes what a run does. Every symbol has a health
 * item, as on a running bot, so the batched reads carry a thousand items back.
 */
export async function measureScaleFanOut(options: {
  symbols: number;
  repeats: number;
}): Promise<ScaleFanOutFigures> {
  const aws = await startLocalAws();
  const dynamo = new DynamoDBClient(localAwsClientConfig(aws.dynamoEndpoint));
  const sqs = new SQSClient(localAwsClientConfig(aws.sqsEndpoint));
  const calls = new Map<string, number>();
  const count = (command: string | undefined) => {
    const name = command ?? 'unknown';
    calls.set(name, (calls.get(name) ?? 0) + 1);
  };
  dynamo.middlewareStack.add(
    (next, context) => (args) => {
      count(context.commandName);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  sqs.middlewareStack.add(
    (next, context) => (args) => {
      count(context.commandName);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  try {
    const config = scaleConfig(options.symbols);
    const tableName = 'bench-scale-state';
    await createStateTable(dynamo, tableName);
    const store = new DynamoStateStore({
      tableName,
      client: DynamoDBDocumentClient.from(dynamo),
    });
    const now = firstTick - 60_000;
    for (const s of fixedSymbols(config)) {
      await store.putHealth({
        ...healthyState(s.symbol),
        lastSuccessAt: now,
        trackedSince: now,
        version: 1,
      });
    }

    const runs: { ms: number; cpuMs: number; reads: number; gets: number; sends: number }[] = [];
    for (let k = 0; k <= options.repeats; k++) {
      const { queueUrl } = await createSymbolQueues(sqs, {
        name: `bench-scale-${k}`,
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 180,
      });
      const queue = new SqsSymbolQueue({ queueUrl, client: sqs });
      calls.clear();
      const cpu = process.cpuUsage();
      const began = performance.now();
      const result = await fanOutTick(
        { store, queue, config, metrics: { add: () => {} } },
        // A new tick time per run: the same messages again would be deduplicated.
        { scheduledAt: firstTick + k * 300_000 },
      );
      const ms = performance.now() - began;
      const used = process.cpuUsage(cpu);
      if (result.dispatched !== options.symbols) {
        throw new Error(
          `fan-out dispatched ${result.dispatched} of ${options.symbols}: ${result.failed[0]?.error ?? 'no error'}`,
        );
      }
      // The first run warms connections and code paths up; it is not kept.
      if (k === 0) continue;
      runs.push({
        ms,
        cpuMs: (used.user + used.system) / 1000,
        reads: calls.get('BatchGetItemCommand') ?? 0,
        gets: calls.get('GetItemCommand') ?? 0,
        sends: calls.get('SendMessageBatchCommand') ?? 0,
      });
    }
    const most = (pick: (r: (typeof runs)[number]) => number) => Math.max(...runs.map(pick));
    return {
      symbols: options.symbols,
      repeats: options.repeats,
      p50Ms: round(
        percentile(
          runs.map((r) => r.ms),
          50,
        ),
      ),
      p95Ms: round(
        percentile(
          runs.map((r) => r.ms),
          95,
        ),
      ),
      cpuP50Ms: round(
        percentile(
          runs.map((r) => r.cpuMs),
          50,
        ),
      ),
      batchReads: most((r) => r.reads),
      itemReads: most((r) => r.gets),
      sendCalls: most((r) => r.sends),
      dispatched: options.symbols,
    };
  } finally {
    dynamo.destroy();
    sqs.destroy();
    await aws.close();
  }
}

/**
 * What the scale section measures at a thousand symbols, one named field per measurement. Each
 * runs as its own step of the bench, so each holds its figures or its failure, with the load
 * around it.
 */
export interface ScaleFigures {
  fanOut?: Guarded<ScaleFanOutFigures>;
  tick?: Guarded<ScaleTickFigures>;
  rateBudget?: Guarded<ScaleRateBudgetFigures>;
  memoryPerContainerMb?: Guarded<ScaleMemoryFigures>;
}

/** The first symbol of `config`, which the runs of many symbols keep beside the synthetic ones. */
function firstSymbolOf(config: BotConfig): string {
  const first = fixedSymbols(config)[0]?.symbol;
  if (first === undefined) throw new Error('the bench config trades no symbol');
  return first;
}

/**
 * `config` trading `symbols` symbols as `npm start -- --symbols FIRST --synthetic N-1` does: its
 * first symbol and `symbols - 1` synthetic markets the simulator makes up, each traded like the
 * first.
 */
export function syntheticScaleConfig(config: BotConfig, symbols: number): BotConfig {
  const selected = selectSymbols(config, [firstSymbolOf(config)]);
  return withSyntheticSymbols(selected, syntheticMarketsFor(selected, symbols - 1));
}

/** A whole tick of many symbols through the local runtime, against one symbol's tick. */
export interface ScaleTickFigures {
  /** Symbols due on every tick (N). */
  readonly symbols: number;
  /** Trade invocations at once (`queue.maxConcurrency`): the containers the tick runs on. */
  readonly concurrency: number;
  readonly timeScale: number;
  /** Each tick's latency in the run of N symbols: fan-out start to its last symbol's end. */
  readonly tickLatenciesMs: readonly number[];
  /** The slowest of them: the one judged. */
  readonly latencyMs: number;
  /** Each tick's latency in the run of one symbol (the config's first). */
  readonly singleSymbolTicksMs: readonly number[];
  /** One symbol's tick: the median of its warm ticks (all but the first; see `warmTickMs`). */
  readonly singleSymbolMs: number;
  /** ceil(N / concurrency) x singleSymbolMs. */
  readonly limitMs: number;
  /** latencyMs / limitMs. */
  readonly ratio: number;
  readonly pass: boolean;
  /** Due symbol ticks of the run of N, and those lost (see `RunSummary.lost`). */
  readonly dueSymbolTicks: number;
  readonly lost: number;
  /** Trade invocations of the run of N that failed (retries show here). */
  readonly failedInvocations: number;
  /** What the exchange simulator counted over the run of N. */
  readonly exchange: ExchangeRequestStats;
  /** Highest resident set of this process sampled (every 250 ms) during the run of N, MB. */
  readonly peakRssMb: number;
  /** The process's lifetime peak as the run's summary gives it (earlier steps included), MB. */
  readonly processMaxRssMb: number;
  /** Wall time of the run of N, its start-up and drain included. */
  readonly runWallMs: number;
  /**
   * User + system CPU of this process over the run of N, every thread (containers, dynalite,
   * the queue, the simulator), start-up and drain included; against `cores` x `runWallMs` it
   * says how much of the machine the run had.
   */
  readonly runCpuMs: number;
  readonly cores: number;
}

const mb = 2 ** 20;

/**
 * Runs `singleTicks` ticks of the config's first symbol alone, then `ticks` ticks of `symbols`
 * symbols (that symbol and synthetic markets), each through `runLocal` as `npm start` runs them
 * (every container pre-warmed, persist off), at time scale `timeScale`, and judges the slowest
 * tick of the big run against ceil(N / maxConcurrency) x the single symbol's warm tick.
 */
export async function measureScaleTick(options: {
  config: BotConfig;
  symbols: number;
  ticks: number;
  singleTicks: number;
  timeScale: number;
  workDir: string;
}): Promise<ScaleTickFigures> {
  const { config, timeScale } = options;
  const first = firstSymbolOf(config);
  const single = await runLocal({
    config,
    symbols: [first],
    ticks: options.singleTicks,
    timeScale,
    stateDir: join(options.workDir, 'single'),
    persist: false,
  });
  const singleSymbolTicksMs = single.tickLatency.ticks.map((t) => t.latencyMs);
  const singleSymbolMs = warmTickMs(singleSymbolTicksMs);

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 250);
  sampler.unref();
  const began = performance.now();
  const cpu = process.cpuUsage();
  let summary: RunSummary;
  try {
    summary = await runLocal({
      config,
      symbols: [first],
      synthetic: options.symbols - 1,
      ticks: options.ticks,
      timeScale,
      stateDir: join(options.workDir, 'many'),
      persist: false,
    });
  } finally {
    clearInterval(sampler);
  }
  const runWallMs = performance.now() - began;
  const used = process.cpuUsage(cpu);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  if (summary.symbols.length !== options.symbols) {
    throw new Error(`the run traded ${summary.symbols.length} symbols, not ${options.symbols}`);
  }
  const tickLatenciesMs = summary.tickLatency.ticks.map((t) => t.latencyMs);
  const latencyMs = Math.max(...tickLatenciesMs);
  const concurrency = config.queue.maxConcurrency;
  const limitMs = tickLimitMs({ symbols: options.symbols, concurrency, singleSymbolMs });
  const { ratio, pass } = judgeTick(latencyMs, limitMs);
  const { id: _id, ...exchange } = summary.exchange;
  return {
    symbols: options.symbols,
    concurrency,
    timeScale,
    tickLatenciesMs,
    latencyMs,
    singleSymbolTicksMs,
    singleSymbolMs: round(singleSymbolMs),
    limitMs: round(limitMs),
    ratio: round(ratio, 3),
    pass,
    dueSymbolTicks: summary.dueSymbolTicks,
    lost: summary.lost,
    failedInvocations: summary.failed,
    exchange,
    peakRssMb: round(peakRss / mb),
    processMaxRssMb: round(summary.peakRssBytes / mb),
    runWallMs: Math.round(runWallMs),
    runCpuMs: Math.round((used.user + used.system) / 1000),
    cores: availableParallelism(),
  };
}

/** DynamoDB requests of the rate budget over one tick's reservations. */
export interface BudgetTickCost {
  readonly reservations: number;
  readonly granted: number;
  readonly writes: number;
  readonly reads: number;
  /** The part of them made by each container's first reservation of the tick. */
  readonly firstOfWindow: {
    readonly reservations: number;
    readonly writes: number;
    readonly reads: number;
  };
}

/** The shared rate budget's DynamoDB cost per tick of many symbols. */
export interface ScaleRateBudgetFigures {
  readonly symbols: number;
  /** Adapter instances drawing at once, one per trade container (`queue.maxConcurrency`). */
  readonly containers: number;
  readonly exchange: string;
  /** Request weight each symbol's tick reserves (a flat symbol fetching its candles). */
  readonly weightPerReservation: number;
  /** The request pool's window, and the schedule's tick period. */
  readonly windowMs: number;
  readonly tickPeriodMs: number;
  /** Each tick, oldest first: the first on fresh containers, the others on warm ones. */
  readonly ticks: readonly BudgetTickCost[];
  /** A tick on fresh containers (every container's first reservation ever). */
  readonly firstTick: { readonly writes: number; readonly reads: number };
  /** A tick on warm containers, most of any after the first: what every tick costs. */
  readonly writesPerTick: number;
  readonly readsPerTick: number;
  /** Reservations later in a window their container already drew from: one write each. */
  readonly steadyWritesPerReservation: number;
}

/**
 * Draws one tick's reservations (`symbols` flat symbols, each its candle weight, as entries)
 * from the shared rate budget on dynalite, through `containers` adapter instances at once, as
 * Lambda's containers take symbol ticks off the queue: each instance draws one reservation after
 * another, taking the next symbol when it is done. `ticks` ticks one schedule period apart on a
 * clock the bench sets; each tick's DynamoDB requests are read from the adapters' `roundTrips`.
 */
export async function measureScaleRateBudget(options: {
  config: BotConfig;
  symbols: number;
  ticks: number;
}): Promise<ScaleRateBudgetFigures> {
  const { config } = options;
  const containers = config.queue.maxConcurrency;
  const rules = rateBudgetRules(config);
  const weight = tickWeight(exchangeLimits[config.exchange.id].rate.weights, {
    fetchesCandles: true,
    holding: false,
    pendingOrder: false,
  });
  const period = tickPeriodMs(
    config.schedule.expression,
    config.symbols.map((s) => s.timeframe),
  );
  const dynamo = await startDynalite({});
  const client = new DynamoDBClient(localAwsClientConfig(dynamo.endpoint));
  try {
    const tableName = 'bench-scale-budget';
    await createStateTable(client, tableName);
    const documentClient = DynamoDBDocumentClient.from(client);
    let now = firstTick;
    const clock = { now: () => now };
    const budgets = Array.from(
      { length: containers },
      () =>
        new DynamoRateBudget({
          tableName,
          exchange: config.exchange.id,
          rules,
          clock,
          client: documentClient,
        }),
    );
    const request = { pool: RatePool.Requests, weight, priority: BudgetPriority.Entry } as const;
    const ticks: BudgetTickCost[] = [];
    for (let k = 0; k < options.ticks; k++) {
      // A second into the tick, as the first trade invocations draw.
      now = firstTick + k * period + 1_000;
      let next = 0;
      let granted = 0;
      const first = { reservations: 0, writes: 0, reads: 0 };
      const before = budgets.map((b) => ({ ...b.roundTrips }));
      await Promise.all(
        budgets.map(async (budget) => {
          let firstOfTick = true;
          while (next < options.symbols) {
            next += 1;
            const { writes, reads } = budget.roundTrips;
            const answer = await budget.reserve(request);
            if (answer.granted) granted += 1;
            if (firstOfTick) {
              first.reservations += 1;
              first.writes += budget.roundTrips.writes - writes;
              first.reads += budget.roundTrips.reads - reads;
              firstOfTick = false;
            }
          }
        }),
      );
      const sum = (pick: (b: { writes: number; reads: number }, i: number) => number) =>
        budgets.reduce((total, b, i) => total + pick(b.roundTrips, i), 0);
      ticks.push({
        reservations: options.symbols,
        granted,
        writes: sum((r, i) => r.writes - (before[i]?.writes ?? 0)),
        reads: sum((r, i) => r.reads - (before[i]?.reads ?? 0)),
        firstOfWindow: first,
      });
    }
    const [firstOfRun, ...warm] = ticks;
    if (firstOfRun === undefined || warm.length === 0) {
      throw new Error(`the rate budget needs at least 2 ticks, got ${ticks.length}`);
    }
    const steady = warm.map(
      (t) => (t.writes - t.firstOfWindow.writes) / (t.reservations - t.firstOfWindow.reservations),
    );
    return {
      symbols: options.symbols,
      containers,
      exchange: config.exchange.id,
      weightPerReservation: weight,
      windowMs: rules.requests.windowMs,
      tickPeriodMs: period,
      ticks,
      firstTick: { writes: firstOfRun.writes, reads: firstOfRun.reads },
      writesPerTick: Math.max(...warm.map((t) => t.writes)),
      readsPerTick: Math.max(...warm.map((t) => t.reads)),
      steadyWritesPerReservation: round(Math.max(...steady), 3),
    };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

/** Memory per pooled trade container, after its init and after a tick of many symbols. */
export interface ScaleMemoryFigures {
  /** Resident set each container after the first adds at its init, MB (2^20 bytes). */
  readonly mb: number;
  /** What the first container added at its init, the worker runtime's one-time share included, MB. */
  readonly firstContainerMb: number;
  /**
   * `mb` plus the growth over one tick of every symbol spread over the containers: an upper
   * bound of a container that has run ticks, as the tick's growth also holds this process's
   * (dynalite's writes, the queue, the invocation records).
   */
  readonly afterTickMb: number;
  /** Containers started (`queue.maxConcurrency`), as many as the function pools. */
  readonly containers: number;
  /** Symbols (and markets the simulator lists) of the runtime, all due in the tick. */
  readonly symbols: number;
  /** Trade invocations of the tick that succeeded. */
  readonly invocations: number;
  /** The trade function's memory (its Lambda size, and each worker's old-generation cap), MB. */
  readonly functionMemoryMb: number;
  /**
   * The process's resident set before any trade container, with one, with all, and after the
   * tick, MB.
   */
  readonly rssMb: {
    readonly base: number;
    readonly first: number;
    readonly all: number;
    readonly afterTick: number;
  };
  readonly how: string;
}

/**
 * Starts the local runtime for `symbols` symbols (the config's first and synthetic markets, as
 * the tick's run has them), runs the markets function and starts the fan-out's container, then
 * the trade containers as `runLocal` pre-warms them: one, then the rest of
 * `queue.maxConcurrency`. A trade container loads no markets at its init (a tick reads its
 * symbol's stored rules), so one tick of every symbol follows, each container running its share.
 * The process's resident set is read before the first, after it, after the rest and after the
 * tick: worker threads live in this process, so their heaps, code and buffers show in its RSS.
 */
export async function measureScaleMemory(options: {
  config: BotConfig;
  symbols: number;
  workDir: string;
}): Promise<ScaleMemoryFigures> {
  const config = scaleTimeouts(syntheticScaleConfig(options.config, options.symbols), 1);
  const containers = config.queue.maxConcurrency;
  let succeeded = 0;
  const env = await LocalEnvironment.start({
    config,
    stateDir: options.workDir,
    persist: false,
    fresh: true,
    onInvocation: (record) => {
      if (record.outcome.ok && !record.itemFailed) succeeded += 1;
    },
  });
  try {
    const at = readyTickAt(env, config);
    env.clock.set(at + 250);
    await env.refreshMarkets();
    await env.fanOut.warm(1);
    const baseBytes = process.memoryUsage.rss();
    await env.trade.warm(1);
    const firstBytes = process.memoryUsage.rss();
    await env.trade.warm(containers - 1);
    const allBytes = process.memoryUsage.rss();
    if (env.trade.containers !== containers) {
      throw new Error(`${env.trade.containers} trade containers started, not ${containers}`);
    }
    env.eventSource.start();
    const fanOut = await env.fanOut.invoke(
      { scheduledAt: new Date(at).toISOString(), source: 'tickfan.local' },
      env.clock.offsetMs,
    );
    if (!fanOut.ok) throw new Error(`fan-out failed: ${fanOut.error.message}`);
    await drained(env, 10 * 60_000);
    const afterTickBytes = process.memoryUsage.rss();
    if (succeeded < options.symbols) {
      throw new Error(`${succeeded} of ${options.symbols} trade invocations of the tick succeeded`);
    }
    const figures = perContainerMb({ baseBytes, firstBytes, allBytes, containers });
    const tickGrowthMb = (afterTickBytes - allBytes) / mb / containers;
    return {
      mb: round(figures.perContainerMb),
      firstContainerMb: round(figures.firstMb),
      afterTickMb: round(figures.perContainerMb + tickGrowthMb),
      containers,
      symbols: config.symbols.length,
      invocations: succeeded,
      functionMemoryMb: functionMemoryMb.trade,
      rssMb: {
        base: round(baseBytes / mb),
        first: round(firstBytes / mb),
        all: round(allBytes / mb),
        afterTick: round(afterTickBytes / mb),
      },
      how: `process RSS growth from 1 to ${containers} pre-warmed trade containers (worker threads) after their init, per container; afterTickMb adds the growth over one tick of every symbol, spread over the containers`,
    };
  } finally {
    await env.close();
  }
}

/**
 * The first tick at which every symbol's history covers its strategy's warm-up, aligned to the
 * schedule: the tick a fresh `runLocal` starts with.
 */
function readyTickAt(env: LocalEnvironment, config: BotConfig): number {
  const period = tickPeriodMs(
    config.schedule.expression,
    config.symbols.map((s) => s.timeframe),
  );
  const ready = fixedSymbols(config).map((s) => {
    const first = env.simulator.candles(s.symbol)[0];
    if (first === undefined) throw new Error(`the simulator has no candles for ${s.symbol}`);
    return (
      first.time + (createStrategy(s.strategy, s.params).warmup + 1) * timeframeMs(s.timeframe)
    );
  });
  return Math.ceil(Math.max(...ready) / period) * period;
}

/** Waits until the queue is empty and no invocation runs, seen twice in a row. */
async function drained(env: LocalEnvironment, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > until) throw new Error(`the queue did not drain within ${limitMs / 1000} s`);
    quiet = env.eventSource.busy === 0 && (await env.queueDepth()) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
