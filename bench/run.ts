/**
 * `npm run bench [-- --json PATH] [--markdown PATH] [--only a,b] [--runs N] [--ticks N]
 * [--pairs N] [--symbols N] [--isolation-concurrency N] [--section-timeout S] [--load-rise N]
 * [--max-repeats N] [--cdk-out DIR] [--strict]`: the figures of issue 7, and of 1,000 symbols (scale: fan-out,
 * whole tick, rate budget, memory per container), against their targets and
 * anchors, measured side by side in one run, printed as a table. Each section runs under a guard:
 * one that fails or times out is recorded as such and the next one runs. See bench/RESULTS.md.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../infra/bundling.js';
import { positiveInt, UsageError } from '../lib/cli/args.js';
import { outputFile } from '../lib/cli/paths.js';
import { readCli } from '../lib/cli/run-cli.js';
import { loadConfigFile } from '../lib/config/load.js';
import { buildFunctions, type LocalBuild } from '../lib/local/build.js';
import type { DeployedTradeAsset } from './lib/deployed-asset.js';
import { watchMachine } from './lib/machine.js';
import type { SectionFailure } from './lib/section-guard.js';
import { SectionRunner } from './lib/section-runner.js';
import { median, round } from './lib/stats.js';
import { formatMarkdownTable, formatTable } from './lib/table.js';
import { type BenchResults, rowsOf } from './results.js';
import { measureBacktest } from './sections/backtest.js';
import { measureBundles } from './sections/bundle.js';
import {
  buildExchangeOnlyBundle,
  type ExchangeProbe,
  measureColdInit,
} from './sections/cold-init.js';
import { measureFanOut } from './sections/fan-out.js';
import { isolationFigures, measureIsolation } from './sections/isolation.js';
import { measureOverhead } from './sections/overhead.js';
import {
  measureScaleFanOut,
  measureScaleMemory,
  measureScaleRateBudget,
  measureScaleTick,
} from './sections/scale.js';
import { runSharedLoop, sharedLoopTimeoutMs } from './sections/shared-loop.js';

const sectionNames = [
  'coldInit',
  'bundle',
  'isolation',
  'fanOut',
  'overhead',
  'backtest',
  'scale',
] as const;
type SectionName = (typeof sectionNames)[number];

/** Ticks of 1,000 symbols in the scale section's tick, and ticks of its single-symbol run. */
const scaleTicks = 2;
const scaleSingleTicks = 5;

/** A rise of the 1-minute load by this share of the cores during a timing section repeats it. */
const defaultLoadRisePerCore = 0.75;
const cores = availableParallelism();

const options = {
  json: { type: 'string', value: 'PATH', help: 'also write the results as JSON' },
  markdown: { type: 'string', value: 'PATH', help: 'also write the results as a Markdown table' },
  only: {
    type: 'string',
    value: 'a,b',
    help: `run only these sections (${sectionNames.join(', ')})`,
  },
  runs: {
    type: 'string',
    default: '12',
    value: 'N',
    help: 'whole-process runs per cold-start probe',
  },
  ticks: { type: 'string', default: '10', value: 'N', help: 'ticks per isolation run' },
  pairs: {
    type: 'string',
    default: '2',
    value: 'N',
    help: 'isolation runs with and without faults',
  },
  symbols: { type: 'string', default: '20', value: 'N', help: 'symbols in the isolation runs' },
  'isolation-concurrency': {
    type: 'string',
    value: 'N',
    help: 'trade concurrency of the isolation runs (default: one slot per symbol)',
  },
  'section-timeout': {
    type: 'string',
    default: '1800',
    value: 'S',
    help: 'seconds one attempt of a section may take before it is recorded as timed out',
  },
  'load-rise': {
    type: 'string',
    value: 'N',
    help: `repeat a timing section when the 1-minute load rose by more than N while it ran (default ${defaultLoadRisePerCore} x cores, ${defaultLoadRisePerCore * cores} here)`,
  },
  'max-repeats': {
    type: 'string',
    default: '1',
    value: 'N',
    help: 'most repeats of one section, 0 to 2 (0: never repeat)',
  },
  'cdk-out': {
    type: 'string',
    value: 'DIR',
    help: 'time the trade asset of this cloud assembly (after npm run synth: cdk.out) instead of synthesizing one',
  },
  strict: {
    type: 'boolean',
    default: false,
    help: 'exit 1 when a section failed (else the last line names it and the exit is 0)',
  },
} as const;

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number (got ${JSON.stringify(value)})`);
  }
  return n;
}

// Every flag is checked before the first section starts: a typo must not cost a bench run.
const {
  values,
  only,
  runs,
  ticks,
  symbolCount,
  pairs,
  isolationConcurrency,
  sectionTimeoutMs,
  loadRise,
  maxRepeats,
} = await readCli(
  {
    name: 'bench',
    usage: 'npm run bench --',
    summary:
      'Measures cold start, bundle size, isolation, fan-out, overhead, backtest speed and 1,000 symbols (scale: fan-out, whole tick, rate budget, memory per container) side by side and prints them against their targets (see bench/RESULTS.md).',
    options,
  },
  ({ values }) => {
    const only = values.only?.split(',').filter(Boolean) ?? [...sectionNames];
    const unknown = only.filter((s) => !(sectionNames as readonly string[]).includes(s));
    if (unknown.length > 0) {
      throw new UsageError(
        `--only: unknown section ${unknown.join(', ')} (one of ${sectionNames.join(', ')})`,
      );
    }
    if (values.json !== undefined) outputFile('--json', values.json);
    if (values.markdown !== undefined) outputFile('--markdown', values.markdown);
    const cdkOut = values['cdk-out'];
    if (
      cdkOut !== undefined &&
      !statSync(join(cdkOut, 'manifest.json'), { throwIfNoEntry: false })
    ) {
      throw new UsageError(
        `--cdk-out ${JSON.stringify(cdkOut)}: no cloud assembly there (no manifest.json; run npm run synth first)`,
      );
    }
    const maxRepeats = Number(values['max-repeats']);
    if (!Number.isInteger(maxRepeats) || maxRepeats < 0 || maxRepeats > 2) {
      throw new UsageError(
        `--max-repeats must be 0, 1 or 2 (got ${JSON.stringify(values['max-repeats'])})`,
      );
    }
    return {
      values,
      only,
      runs: positiveInt('--runs', values.runs),
      ticks: positiveInt('--ticks', values.ticks),
      symbolCount: positiveInt('--symbols', values.symbols),
      pairs: positiveInt('--pairs', values.pairs),
      isolationConcurrency:
        values['isolation-concurrency'] === undefined
          ? undefined
          : positiveInt('--isolation-concurrency', values['isolation-concurrency']),
      sectionTimeoutMs: positiveNumber('--section-timeout', values['section-timeout']) * 1000,
      loadRise:
        values['load-rise'] === undefined
          ? defaultLoadRisePerCore * cores
          : positiveNumber('--load-rise', values['load-rise']),
      maxRepeats,
    };
  },
);

// Lambda runs a newer Node.js than this machine's 20, so the SDK's support warning is noise here,
// as the local runtime also says; child processes inherit the setting.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const log = (line: string) => process.stdout.write(`${line}\n`);
/** The measuring itself; a failure outside every section (a bug here) ends the bench with exit 1. */
async function main(): Promise<void> {
  const started = performance.now();
  const machine = watchMachine();
  const config = loadConfigFile(join(repoRoot, 'cdk.json'));
  const workDir = await mkdtemp(join(tmpdir(), 'tickfan-bench-'));
  const results: BenchResults = { date: new Date().toISOString() };
  const wanted = (name: SectionName) => only.includes(name);
  const runner = new SectionRunner({
    // The scale section runs as four steps, one per measurement.
    steps: sectionNames.filter(wanted).length + (wanted('scale') ? 3 : 0),
    timeoutMs: sectionTimeoutMs,
    ...(maxRepeats > 0 ? { repeat: { loadRise, maxRepeats } } : {}),
    log,
  });
  // An error that escapes a section's promises (a server's stray timer, a child's late rejection)
  // fails that section, not the bench.
  process.on('unhandledRejection', (error) => runner.escaped(error));
  process.on('uncaughtException', (error) => runner.escaped(error));

  try {
    let build: LocalBuild | undefined;
    const bundles = async () => {
      build ??= await buildFunctions(join(workDir, 'build'));
      return build;
    };
    // The trade asset as the stack deploys it, found (or synthesized) once for coldInit and bundle;
    // without it both still measure the bench's own build, and say why it is missing.
    let deployed: Promise<DeployedTradeAsset | SectionFailure> | undefined;
    const deployedAsset = () => {
      deployed ??= import('./lib/deployed-asset.js')
        .then((m) => m.deployedTradeAsset(workDir, values['cdk-out']))
        .catch((error: unknown) => ({
          failed: true as const,
          timedOut: false,
          reason: `no deployed trade asset: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        }));
      return deployed;
    };

    let binanceOnlyBundle: string | undefined;
    // okx and kraken: each one's bench trade bundle and its class alone, for its own floor.
    const otherExchanges = async (): Promise<ExchangeProbe[]> =>
      Promise.all(
        (['okx', 'kraken'] as const).map(async (exchange) => ({
          exchange,
          tradeBundle: (await buildFunctions(join(workDir, `build-${exchange}`), exchange)).bundles
            .trade,
          classBundle: await buildExchangeOnlyBundle(join(workDir, 'probes'), exchange),
        })),
      );
    let others: ExchangeProbe[] | undefined;
    if (wanted('coldInit')) {
      results.coldInit = await runner.run({
        name: 'coldInit',
        what: `${runs} interleaved whole-process runs of each probe, the deployed trade asset among them, after one warm-up`,
        repeatOnLoad: true,
        // The builds and the synthesis burst the CPU; done before the timing, they cannot make
        // the timed attempt look disturbed.
        prepare: async () => {
          const [, probe, probes] = await Promise.all([
            bundles(),
            buildExchangeOnlyBundle(join(workDir, 'probes')),
            otherExchanges(),
            deployedAsset(),
          ]);
          binanceOnlyBundle = probe;
          others = probes;
        },
        work: async () =>
          measureColdInit({
            tradeBundle: (await bundles()).bundles.trade,
            binanceOnlyBundle:
              binanceOnlyBundle ?? (await buildExchangeOnlyBundle(join(workDir, 'probes'))),
            others: others ?? (await otherExchanges()),
            deployed: await deployedAsset(),
            config,
            runs,
          }),
        done: (c) => {
          const d = c.deployed;
          const asDeployed =
            d === undefined
              ? ''
              : 'failed' in d
                ? `, deployed: ${d.reason}`
                : `, deployed ${d.tradeMs} ms`;
          const floors = Object.entries(c.exchanges ?? {})
            .map(([id, e]) => `${id} ${e.ratioToExchangeFloor}`)
            .join(', ');
          return `trade ${c.tradeMs} ms${asDeployed}, full ccxt ${c.fullCcxtMs} ms, empty node ${c.emptyNodeMs} ms, SDK only ${c.awsSdkMs} ms, binance only ${c.binanceOnlyMs} ms; to its exchange's floor: ${floors}`;
        },
      });
    }
    if (wanted('bundle')) {
      results.bundle = await runner.run({
        name: 'bundle',
        what: "sizes of the bench's function bundles and of the deployed trade asset",
        repeatOnLoad: false,
        prepare: async () => Promise.all([bundles(), deployedAsset()]),
        work: async () => measureBundles(await bundles(), await deployedAsset()),
        done: (b) => {
          const d = b.deployed;
          const asDeployed =
            d === undefined || 'failed' in d ? '' : `, deployed trade ${d.tradeBytes} B`;
          return `trade ${b.tradeBytes} B (gzip ${b.tradeGzipBytes})${asDeployed}, fan-out ${b.fanOutBytes} B`;
        },
      });
    }
    if (wanted('isolation')) {
      results.isolation = await runner.run({
        name: 'isolation',
        what: `${symbolCount} symbols x ${ticks} ticks on runLocal, ${pairs} runs without and ${pairs} with a hung and a blocked symbol (ABBA); then the shared-loop baseline`,
        // Its own containers raise the load, and its ABBA order already spreads any drift over
        // both kinds of run: a repeat would double its time and measure the same.
        repeatOnLoad: false,
        work: async () => {
          const measured = await measureIsolation({
            config,
            symbols: symbolCount,
            ticks,
            pairs,
            workDir: join(workDir, 'isolation'),
            ...(isolationConcurrency === undefined ? {} : { maxConcurrency: isolationConcurrency }),
            log,
          });
          const figures = isolationFigures(measured, ticks);
          if (figures.healthyFailed > 0) {
            log(`  warning: ${figures.healthyFailed} failed invocations of healthy symbols`);
          }
          const { setup } = measured;
          const timeoutMs = sharedLoopTimeoutMs(config);
          const loop = (hangSymbol?: string) =>
            runSharedLoop({
              config: setup.config,
              symbols: setup.symbols,
              dataDir: setup.dataDir,
              ticks,
              timeoutMs,
              ...(hangSymbol === undefined ? {} : { hangSymbol }),
            });
          const healthyLoop = await loop();
          log(`  shared loop: median tick ${round(median(healthyLoop.tickMs))} ms`);
          const hungLoop = await loop(setup.hangSymbol);
          log(
            `  shared loop, hang:${setup.hangSymbol}: median tick ${round(median(hungLoop.tickMs))} ms, ${hungLoop.timedOut} timeouts`,
          );
          return {
            ...figures,
            sharedLoopTickMs: round(median(healthyLoop.tickMs)),
            sharedLoopTickWithHangMs: round(median(hungLoop.tickMs)),
            sharedLoopTimeoutMs: timeoutMs,
            sharedLoopTimedOut: hungLoop.timedOut,
          };
        },
        done: (i) =>
          `healthy p99 ${i.healthyP99Ms} ms, with faults ${i.healthyP99WithFaultsMs} ms; shared loop ${i.sharedLoopTickMs} ms/tick, with hang ${i.sharedLoopTickWithHangMs} ms/tick`,
      });
    }
    if (wanted('fanOut')) {
      results.fanOut = await runner.run({
        name: 'fanOut',
        what: '1,000 symbols through SqsSymbolQueue to local-aws-sqs, +20 ms per request',
        repeatOnLoad: true,
        work: () => measureFanOut({ symbols: 1000, rttMs: 20, repeats: 5 }),
        done: (f) => `${f.ms} ms (direct ${f.directMs} ms), limit ${f.limitMs} ms`,
      });
    }
    if (wanted('overhead')) {
      results.overhead = await runner.run({
        name: 'overhead',
        what: "200 processSymbolTick calls with the real adapters, as shipped and with ccxt's client throttle on",
        repeatOnLoad: true,
        work: async () => {
          // The trade function ships with ccxt's client throttle off; the second run shows its cost.
          const shipped = await measureOverhead({
            config,
            ticks: 200,
            warmupTicks: 20,
            rateLimiter: false,
          });
          const on = await measureOverhead({
            config,
            ticks: 200,
            warmupTicks: 20,
            rateLimiter: true,
          });
          return { ...shipped, withRateLimiter: on };
        },
        done: (o) =>
          `p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms; ccxt throttle on: p50 ${o.withRateLimiter.p50Ms} ms`,
      });
    }
    if (wanted('backtest')) {
      results.backtest = await runner.run({
        name: 'backtest',
        what: 'sma-cross through runBacktest on ETH_BTC-1m replayed to >= 1,000,000 candles',
        repeatOnLoad: true,
        work: () => measureBacktest({ config, minCandles: 1_000_000, runs: 3 }),
        done: (t) =>
          `${t.candlesPerSec.toLocaleString('en-US')} candles/s over ${t.candles} candles`,
      });
    }
    if (wanted('scale')) {
      // Four steps, one per measurement: each records its own failure and load, and a failed
      // one leaves the others their figures.
      const scale: NonNullable<BenchResults['scale']> = {};
      results.scale = scale;
      scale.fanOut = await runner.run({
        name: 'scale.fanOut',
        what: 'fanOutTick of 1,000 symbols with the DynamoDB store and SQS queue, on dynalite and local-aws-sqs',
        repeatOnLoad: true,
        work: () => measureScaleFanOut({ symbols: 1000, repeats: 7 }),
        done: (f) =>
          `fan-out of ${f.symbols} symbols p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms (CPU ${f.cpuP50Ms} ms); ${f.batchReads} BatchGetItem, ${f.sendCalls} SendMessageBatch calls`,
      });
      scale.tick = await runner.run({
        name: 'scale.tick',
        what: `runLocal at time scale 1: ${scaleSingleTicks} ticks of one symbol, then ${scaleTicks} ticks of 1,000 symbols (its first symbol + 999 synthetic markets)`,
        // It loads both cores itself (ten containers, the simulator, the queue and the store), and
        // a repeat would double minutes to measure the same.
        repeatOnLoad: false,
        work: () =>
          measureScaleTick({
            config,
            symbols: 1000,
            ticks: scaleTicks,
            singleTicks: scaleSingleTicks,
            timeScale: 1,
            workDir: join(workDir, 'scale-tick'),
          }),
        done: (t) =>
          `tick of ${t.symbols} symbols ${t.latencyMs} ms (ticks ${t.tickLatenciesMs.join(', ')} ms) against ceil(${t.symbols}/${t.concurrency}) x ${t.singleSymbolMs} ms = ${t.limitMs} ms: ratio ${t.ratio} (${t.pass ? 'pass' : 'miss'}); lost ${t.lost}, exchange ${t.exchange.requests} requests, weight ${t.exchange.weight}, 429s ${t.exchange.http429}, 418s ${t.exchange.http418}, markets ${t.exchange.marketsRequests}; peak RSS ${t.peakRssMb} MB`,
      });
      scale.rateBudget = await runner.run({
        name: 'scale.rateBudget',
        what: "1,000 reservations per tick from the shared rate budget on dynalite, by the trade function's concurrency of adapter instances, 4 ticks",
        // DynamoDB requests are counted, not timed.
        repeatOnLoad: false,
        work: () => measureScaleRateBudget({ config, symbols: 1000, ticks: 4 }),
        done: (b) =>
          `${b.writesPerTick} writes and ${b.readsPerTick} reads per tick (first tick ${b.firstTick.writes} writes) for ${b.symbols} reservations by ${b.containers} containers`,
      });
      scale.memoryPerContainerMb = await runner.run({
        name: 'scale.memoryPerContainerMb',
        what: 'process RSS growth per pre-warmed trade container at init, and after a tick of 1,000 symbols',
        repeatOnLoad: false,
        work: () =>
          measureScaleMemory({ config, symbols: 1000, workDir: join(workDir, 'scale-memory') }),
        done: (m) =>
          `${m.mb} MB per container after the first at init (first ${m.firstContainerMb} MB), ${m.afterTickMb} MB after a tick of ${m.invocations} invocations; ${m.containers} containers`,
      });
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  results.machine = machine.stop();
  results.wallTimeMs = Math.round(performance.now() - started);
  if (runner.failed.length > 0) results.failedSections = runner.failed.map((f) => f.name);
  const rows = rowsOf(results);
  const m = results.machine;
  log('');
  log(formatTable(rows));
  log('');
  log(
    `${results.date}  nproc ${m.nproc}  node ${m.node}  load1 ${m.load1.start} -> ${m.load1.end} (min ${m.load1.min}, max ${m.load1.max}, mean ${m.load1.mean})  wall ${(results.wallTimeMs / 1000).toFixed(1)} s`,
  );
  const misses = rows.filter((r) => r.verdict === 'miss');
  if (misses.length > 0) {
    log(
      `missed: ${misses.map((r) => `${r.section}.${r.figure}`).join(', ')} (see bench/RESULTS.md)`,
    );
  }
  if (values.json) await writeFile(values.json, `${JSON.stringify(results, null, 2)}\n`);
  if (values.markdown) {
    const text = [
      `Run of ${results.date}: nproc ${m.nproc}, ${m.cpu}, node ${m.node}, 1-minute load average ${m.load1.start} at the start, ${m.load1.end} at the end (min ${m.load1.min}, max ${m.load1.max}, mean ${m.load1.mean}); wall time ${(results.wallTimeMs / 1000).toFixed(1)} s.`,
      '',
      '```',
      m.memory,
      '```',
      '',
      formatMarkdownTable(rows),
      '',
    ].join('\n');
    await writeFile(values.markdown, text);
  }
  // Last, so that no one misses it: which figures are missing because their section failed.
  const failures = rows.filter((r) => r.verdict === 'failed');
  if (failures.length > 0) {
    log(
      `FAILED: ${failures.map((r) => `${r.figure === 'failed' ? r.section : `${r.section}.${r.figure}`} (${r.anchor})`).join('; ')}${values.strict ? '' : ' (exit 0; --strict exits 1)'}`,
    );
    if (values.strict) process.exitCode = 1;
  }
  // A timed-out section's work may still hold servers and timers open; the results are written.
  if (failures.length > 0) process.exit();
}

try {
  await main();
} catch (error) {
  // Caught here so that it never reaches the escaped-error handlers below, which would log it
  // and let the process end with 0.
  process.stderr.write(
    `tickfan bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
