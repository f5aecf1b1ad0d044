import { join } from 'node:path';
import type { BotConfig } from '../../lib/config/schema.js';
import { parseFaultSpec } from '../../lib/local/faults/fault-spec.js';
import { runLocal } from '../../lib/local/run.js';
import { percentile, type RunSummary } from '../../lib/local/summary.js';
import type { RunReportData } from '../../lib/report/run-report.js';
import { benchConfig, writeBenchMarkets } from '../lib/bench-markets.js';
import { abbaOrder } from '../lib/run-order.js';
import { round } from '../lib/stats.js';

/** One local run of the isolation measurement. */
export interface IsolationRun {
  readonly summary: RunSummary;
  /**
   * Latencies (fan-out start to the end of the symbol tick) of the healthy symbols from the
   * second tick on, pooled. The first tick is every container's first invocation: it loads the
   * markets, and ccxt's rate limiter then holds the candle request back ~200 ms (the market load
   * costs 4 of its units); that cold tick would be the p99 of every run, whatever the faults.
   */
  readonly healthyLatenciesMs: readonly number[];
  /** The same, first tick included. */
  readonly allTicksLatenciesMs: readonly number[];
  readonly wallMs: number;
}

export interface IsolationSetup {
  readonly config: BotConfig;
  readonly symbols: readonly string[];
  readonly hangSymbol: string;
  /** Set when the simulator serves invented markets from a bench data dir. */
  readonly dataDir?: string;
  /** Why the run does not use the asked-for number of symbols, if it does not. */
  readonly note?: string;
}

export interface IsolationRuns {
  readonly setup: IsolationSetup;
  /** Fault-free runs and runs with the hang, in the order they ran (ABBA...). */
  readonly healthy: readonly IsolationRun[];
  readonly withHang: readonly IsolationRun[];
}

/**
 * What `runLocal` needs to serve markets from another folder. RunOptions has no `dataDir` yet
 * (see bench/RESULTS.md); spread in, it is checked once the option exists and ignored until then,
 * which the simulator's "no candle file" refusal of the invented symbols gives away.
 */
type DataDirOption = { readonly dataDir?: string };

const missingDataDir = /no candle file for/;

/**
 * Runs `ticks` ticks of `symbols` symbols through the whole local runtime (`runLocal`: fan-out
 * bundle, local-aws-sqs, trade bundles in worker threads, dynalite, the exchange simulator),
 * `pairs` times without faults and `pairs` times with the first symbol hanging on the exchange,
 * alternating ABBA so that drifting load from the rest of the machine falls on both alike. The
 * healthy symbols are the same in every run; their pooled p99 latency is the figure.
 *
 * `maxConcurrency` is the queue's concurrency for the runs; default the config's (cdk.json: 10).
 * One slot per symbol (20) would overload two cores on the first tick, when every container loads
 * its markets at once: cold invocations then pass the 3 s scaled timeout and are retried 18 s
 * later, with the symbol's later ticks queued behind them in its FIFO group.
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
  const maxConcurrency = options.maxConcurrency ?? config.queue.maxConcurrency;
  let setup: IsolationSetup = {
    config: benchConfig(config, markets.symbols, maxConcurrency),
    symbols: markets.symbols,
    hangSymbol: markets.symbols[0] ?? '',
    dataDir: markets.dataDir,
  };
  const healthy: IsolationRun[] = [];
  const withHang: IsolationRun[] = [];
  let runs = 0;
  const run = async (hang: boolean) => {
    const result = await runOnce(setup, ticks, join(workDir, `run-${runs++}`), hang);
    (hang ? withHang : healthy).push(result);
    const what = hang ? `hang:${setup.hangSymbol}` : 'fault-free';
    const p99 = percentile(result.healthyLatenciesMs, 99);
    log(
      `  ${what}: ${setup.symbols.length} symbols x ${ticks} ticks in ${(result.wallMs / 1000).toFixed(1)} s, healthy p99 ${p99} ms`,
    );
  };
  try {
    await run(false);
  } catch (error) {
    if (!(error instanceof Error && missingDataDir.test(error.message))) throw error;
    // runLocal cannot point the simulator at the bench markets yet: fall back to the shipped
    // markets the config trades, fewer than asked for, and say so.
    const real = config.symbols.map((s) => s.symbol);
    setup = {
      config: benchConfig(config, real, maxConcurrency),
      symbols: real,
      hangSymbol: real[0] ?? '',
      note:
        `runLocal has no dataDir option, so the simulator serves only the shipped markets: ` +
        `${real.length} symbols instead of ${options.symbols}`,
    };
    log(`  ${setup.note}`);
    await run(false);
  }
  // The first run, fault-free, has run.
  for (const hang of abbaOrder(options.pairs).slice(1)) await run(hang);
  return { setup, healthy, withHang };
}

async function runOnce(
  setup: IsolationSetup,
  ticks: number,
  stateDir: string,
  hang: boolean,
): Promise<IsolationRun> {
  let report: RunReportData | undefined;
  const dataDir: DataDirOption = setup.dataDir === undefined ? {} : { dataDir: setup.dataDir };
  const started = performance.now();
  const summary = await runLocal({
    ...dataDir,
    config: setup.config,
    ticks,
    stateDir,
    persist: false,
    faults: hang ? [parseFaultSpec(`hang:${setup.hangSymbol}`, setup.symbols)] : [],
    onReportData: (data) => {
      report = data;
    },
  });
  const wallMs = performance.now() - started;
  // Invocations are listed as they ended, and a tick starts once the last one's have: a healthy
  // symbol's first measured latency is its first tick's.
  const bySymbol = new Map<string, number[]>();
  for (const r of report?.invocations ?? []) {
    if (r.symbol === undefined || r.symbol === setup.hangSymbol || r.latencyMs === undefined) {
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

export interface IsolationFigures {
  readonly symbols: number;
  readonly ticks: number;
  /** Runs of each kind, pooled. */
  readonly pairs: number;
  readonly hangSymbol: string;
  readonly maxConcurrency: number;
  /** p99 of the healthy symbols' latencies, ticks 2..n, fault-free runs. */
  readonly healthyP99Ms: number;
  /** The same symbols and ticks, runs with the hang. */
  readonly healthyP99WithHangMs: number;
  readonly ratio: number;
  /** p50s of the same, for context: the p99 of a few hundred samples is one of the slowest. */
  readonly healthyP50Ms: number;
  readonly healthyP50WithHangMs: number;
  /** p99s with the first (cold) tick included. */
  readonly healthyP99AllTicksMs: number;
  readonly healthyP99AllTicksWithHangMs: number;
  readonly samples: number;
  /** Each run's own healthy p99, in the order run: the spread says how noisy the machine was. */
  readonly healthyP99PerRunMs: readonly number[];
  readonly healthyP99WithHangPerRunMs: readonly number[];
  /** Failed invocations of healthy symbols in any run; anything but 0 taints the figure. */
  readonly healthyFailed: number;
  /** Failed invocations of the hung symbol per run with the hang: proof the fault was on. */
  readonly hangFailed: number;
  readonly note?: string;
}

/** The isolation figures of the runs, pooled per kind. */
export function isolationFigures(runs: IsolationRuns, ticks: number): IsolationFigures {
  const { setup, healthy, withHang } = runs;
  const healthySymbols = setup.symbols.filter((s) => s !== setup.hangSymbol);
  const failed = (summary: RunSummary) =>
    healthySymbols.reduce((n, s) => n + (summary.perSymbol[s]?.failed ?? 0), 0);
  const pool = (list: readonly IsolationRun[], all = false) =>
    list.flatMap((r) => (all ? r.allTicksLatenciesMs : r.healthyLatenciesMs));
  const p99 = percentile(pool(healthy), 99);
  const p99Hang = percentile(pool(withHang), 99);
  return {
    symbols: setup.symbols.length,
    ticks,
    pairs: Math.min(healthy.length, withHang.length),
    hangSymbol: setup.hangSymbol,
    maxConcurrency: setup.config.queue.maxConcurrency,
    healthyP99Ms: p99,
    healthyP99WithHangMs: p99Hang,
    ratio: round(p99Hang / p99, 3),
    healthyP50Ms: percentile(pool(healthy), 50),
    healthyP50WithHangMs: percentile(pool(withHang), 50),
    healthyP99AllTicksMs: percentile(pool(healthy, true), 99),
    healthyP99AllTicksWithHangMs: percentile(pool(withHang, true), 99),
    samples: pool(healthy).length,
    healthyP99PerRunMs: healthy.map((r) => percentile(r.healthyLatenciesMs, 99)),
    healthyP99WithHangPerRunMs: withHang.map((r) => percentile(r.healthyLatenciesMs, 99)),
    healthyFailed: [...healthy, ...withHang].reduce((n, r) => n + failed(r.summary), 0),
    hangFailed: Math.min(
      ...withHang.map((r) => r.summary.perSymbol[setup.hangSymbol]?.failed ?? 0),
    ),
    ...(setup.note === undefined ? {} : { note: setup.note }),
  };
}
