import { join } from 'node:path';
import type { BotConfig } from '../../lib/config/schema.js';
import { parseFaultSpec } from '../../lib/local/faults/fault-spec.js';
import { runLocal } from '../../lib/local/run.js';
import type { RunReportData } from '../../lib/local/run-report.js';
import type { RunSummary } from '../../lib/local/summary.js';
import { percentile } from '../../lib/stats/percentile.js';
import { benchConfig, writeBenchMarkets } from '../lib/bench-markets.js';
import { abbaOrder } from '../lib/run-order.js';
import { round } from '../lib/stats.js';

/** One local run of the isolation measurement. */
export interface IsolationRun {
  readonly summary: RunSummary;
  /**
   * Latencies (fan-out start to the end of the symbol tick) of the healthy symbols from the
   * second tick on, pooled. The first tick is every container's first invocation (first DynamoDB
   * requests, code not yet optimised), the slowest tick of every run whatever the faults.
   */
  readonly healthyLatenciesMs: readonly number[];
  /** The same, first tick included. */
  readonly allTicksLatenciesMs: readonly number[];
  readonly wallMs: number;
}

export interface IsolationSetup {
  readonly config: BotConfig;
  readonly symbols: readonly string[];
  /** Hangs on the exchange in the faulty runs. */
  readonly hangSymbol: string;
  /** Busy-waits in its strategy in the faulty runs. */
  readonly blockSymbol: string;
  /** Where the simulator's invented markets are. */
  readonly dataDir: string;
}

export interface IsolationRuns {
  readonly setup: IsolationSetup;
  /** Fault-free runs and runs with the faults, in the order they ran (ABBA...). */
  readonly healthy: readonly IsolationRun[];
  readonly withFaults: readonly IsolationRun[];
}

/**
 * Runs `ticks` ticks of `symbols` symbols through the whole local runtime (`runLocal`: fan-out
 * bundle, local-aws-sqs, trade bundles in worker threads, dynalite, the exchange simulator),
 * `pairs` times without faults and `pairs` times with the faults of `npm start`'s isolation check
 * (the first symbol hangs on the exchange, the second busy-waits in its strategy), alternating
 * ABBA so that drifting load from the rest of the machine falls on both alike. The healthy
 * symbols are the same in every run; their pooled p99 latency is the figure.
 *
 * `maxConcurrency` is the queue's concurrency for the runs; default one slot per symbol, which is
 * what isolation needs (`concurrencyWarning`): with fewer, the hung and the blocked symbol each
 * hold a slot for the whole timeout while the healthy symbols' ticks queue for the rest.
 */
export async function measureIsolation(options: {
  config: BotConfig;
  symbols: number;
  ticks: number;
  pairs: number;
  workDir: string;
  maxConcurrency?: number;
  log: (line: string) => void;
}): Promise<IsolationRuns> {
  const { config, ticks, workDir, log } = options;
  const markets = await writeBenchMarkets(join(workDir, 'ohlcv'), options.symbols);
  const maxConcurrency = options.maxConcurrency ?? markets.symbols.length;
  const setup: IsolationSetup = {
    config: benchConfig(config, markets.symbols, maxConcurrency),
    symbols: markets.symbols,
    hangSymbol: markets.symbols[0] ?? '',
    blockSymbol: markets.symbols[1] ?? '',
    dataDir: markets.dataDir,
  };
  const healthy: IsolationRun[] = [];
  const withFaults: IsolationRun[] = [];
  let runs = 0;
  for (const faulty of abbaOrder(options.pairs)) {
    const result = await runOnce(setup, ticks, join(workDir, `run-${runs++}`), faulty);
    (faulty ? withFaults : healthy).push(result);
    const what = faulty ? faultsOf(setup).join(' ') : 'fault-free';
    const p99 = percentile(result.healthyLatenciesMs, 99);
    log(
      `  ${what}: ${setup.symbols.length} symbols x ${ticks} ticks in ${(result.wallMs / 1000).toFixed(1)} s, healthy p99 ${p99} ms`,
    );
  }
  return { setup, healthy, withFaults };
}

/** The faults of a faulty run, as `--fault` flags spell them. */
function faultsOf(setup: IsolationSetup): string[] {
  return [`hang:${setup.hangSymbol}`, `block:${setup.blockSymbol}`];
}

async function runOnce(
  setup: IsolationSetup,
  ticks: number,
  stateDir: string,
  faulty: boolean,
): Promise<IsolationRun> {
  let report: RunReportData | undefined;
  const started = performance.now();
  const summary = await runLocal({
    dataDir: setup.dataDir,
    config: setup.config,
    ticks,
    stateDir,
    persist: false,
    faults: faulty ? faultsOf(setup).map((spec) => parseFaultSpec(spec, setup.symbols)) : [],
    onReportData: (data) => {
      report = data;
    },
  });
  const wallMs = performance.now() - started;
  // Invocations are listed as they ended, and a tick starts once the last one's have: a healthy
  // symbol's first measured latency is its first tick's.
  const bySymbol = new Map<string, number[]>();
  for (const r of report?.invocations ?? []) {
    if (r.symbol === undefined || !isHealthy(setup, r.symbol) || r.latencyMs === undefined) {
      continue;
    }
    bySymbol.set(r.symbol, [...(bySymbol.get(r.symbol) ?? []), r.latencyMs]);
  }
  const lists = [...bySymbol.values()];
  return {
    summary,
    healthyLatenciesMs: lists.flatMap((l) => l.slice(1)),
    allTicksLatenciesMs: lists.flat(),
    wallMs,
  };
}

/** The symbols that get a fault in the faulty runs. */
function faultySymbols(setup: IsolationSetup): string[] {
  return [setup.hangSymbol, setup.blockSymbol];
}

/** Whether `symbol` has no fault in either kind of run. */
function isHealthy(setup: IsolationSetup, symbol: string): boolean {
  return !faultySymbols(setup).includes(symbol);
}

export interface IsolationFigures {
  readonly symbols: number;
  readonly ticks: number;
  /** Runs of each kind, pooled. */
  readonly pairs: number;
  /** The faulty runs' faults, as `--fault` flags spell them. */
  readonly faults: readonly string[];
  readonly maxConcurrency: number;
  /** p99 of the healthy symbols' latencies, ticks 2..n, fault-free runs. */
  readonly healthyP99Ms: number;
  /** The same symbols and ticks, runs with the faults. */
  readonly healthyP99WithFaultsMs: number;
  readonly ratio: number;
  /** p50s of the same, for context: the p99 of a few hundred samples is one of the slowest. */
  readonly healthyP50Ms: number;
  readonly healthyP50WithFaultsMs: number;
  /** p99s with the first (cold) tick included. */
  readonly healthyP99AllTicksMs: number;
  readonly healthyP99AllTicksWithFaultsMs: number;
  readonly samples: number;
  /** Each run's own healthy p99, in the order run: the spread says how noisy the machine was. */
  readonly healthyP99PerRunMs: readonly number[];
  readonly healthyP99WithFaultsPerRunMs: readonly number[];
  /** Failed invocations of healthy symbols in any run; anything but 0 taints the figure. */
  readonly healthyFailed: number;
  /** Fewest failed invocations of a faulty symbol in a faulty run: proof the faults were on. */
  readonly faultyFailed: number;
}

/** The isolation figures of the runs, pooled per kind. */
export function isolationFigures(runs: IsolationRuns, ticks: number): IsolationFigures {
  const { setup, healthy, withFaults } = runs;
  const healthySymbols = setup.symbols.filter((s) => isHealthy(setup, s));
  const failed = (summary: RunSummary) =>
    healthySymbols.reduce((n, s) => n + (summary.perSymbol[s]?.failed ?? 0), 0);
  const pool = (list: readonly IsolationRun[], all = false) =>
    list.flatMap((r) => (all ? r.allTicksLatenciesMs : r.healthyLatenciesMs));
  const p99 = percentile(pool(healthy), 99);
  const p99Faults = percentile(pool(withFaults), 99);
  return {
    symbols: setup.symbols.length,
    ticks,
    pairs: Math.min(healthy.length, withFaults.length),
    faults: faultsOf(setup),
    maxConcurrency: setup.config.queue.maxConcurrency,
    healthyP99Ms: p99,
    healthyP99WithFaultsMs: p99Faults,
    ratio: round(p99Faults / p99, 3),
    healthyP50Ms: percentile(pool(healthy), 50),
    healthyP50WithFaultsMs: percentile(pool(withFaults), 50),
    healthyP99AllTicksMs: percentile(pool(healthy, true), 99),
    healthyP99AllTicksWithFaultsMs: percentile(pool(withFaults, true), 99),
    samples: pool(healthy).length,
    healthyP99PerRunMs: healthy.map((r) => percentile(r.healthyLatenciesMs, 99)),
    healthyP99WithFaultsPerRunMs: withFaults.map((r) => percentile(r.healthyLatenciesMs, 99)),
    healthyFailed: [...healthy, ...withFaults].reduce((n, r) => n + failed(r.summary), 0),
    faultyFailed: Math.min(
      ...withFaults.flatMap((r) =>
        faultySymbols(setup).map((s) => r.summary.perSymbol[s]?.failed ?? 0),
      ),
    ),
  };
}
