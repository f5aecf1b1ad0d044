/**
 * `npm run bench [-- --json PATH] [--markdown PATH] [--only a,b] [--runs N] [--ticks N]
 * [--pairs N] [--symbols N] [--isolation-concurrency N]`: the figures of issue 7 against their targets and
 * anchors, measured side by side in one run, printed as a table. See bench/RESULTS.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../infra/bundling.js';
import { positiveInt, UsageError } from '../lib/cli/args.js';
import { outputFile } from '../lib/cli/paths.js';
import { readCli } from '../lib/cli/run-cli.js';
import { loadConfigFile } from '../lib/config/load.js';
import { buildFunctions, type LocalBuild } from '../lib/local/build.js';
import { watchMachine } from './lib/machine.js';
import { median, round } from './lib/stats.js';
import { formatMarkdownTable, formatTable } from './lib/table.js';
import { type BenchResults, rowsOf } from './results.js';
import { measureBacktest } from './sections/backtest.js';
import { measureBundles } from './sections/bundle.js';
import { buildBinanceOnlyBundle, measureColdInit } from './sections/cold-init.js';
import { measureFanOut } from './sections/fan-out.js';
import { isolationFigures, measureIsolation } from './sections/isolation.js';
import { measureOverhead } from './sections/overhead.js';
import { runSharedLoop, sharedLoopTimeoutMs } from './sections/shared-loop.js';

const sectionNames = ['coldInit', 'bundle', 'isolation', 'fanOut', 'overhead', 'backtest'] as const;
type SectionName = (typeof sectionNames)[number];

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
} as const;

// Every flag is checked before the first section starts: a typo must not cost a bench run.
const { values, only, runs, ticks, symbolCount, pairs, isolationConcurrency } = await readCli(
  {
    name: 'bench',
    usage: 'npm run bench --',
    summary:
      'Measures cold start, bundle size, isolation, fan-out, overhead and backtest speed side by side and prints them against their targets (see bench/RESULTS.md).',
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
    };
  },
);

// Lambda runs a newer Node.js than this machine's 20, so the SDK's support warning is noise here,
// as the local runtime also says; child processes inherit the setting.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const log = (line: string) => process.stdout.write(`${line}\n`);
const started = performance.now();
const machine = watchMachine();
const config = loadConfigFile(join(repoRoot, 'cdk.json'));
const workDir = await mkdtemp(join(tmpdir(), 'tickfan-bench-'));
const results: BenchResults = { date: new Date().toISOString() };
const wanted = (name: SectionName) => only.includes(name);
let step = 0;
const steps = sectionNames.filter(wanted).length;

/** Runs one section with a progress line before and after; `done` says what it found. */
async function section<T>(
  name: SectionName,
  what: string,
  work: () => Promise<T>,
  done: (value: T) => string,
): Promise<T> {
  step += 1;
  log(`[${step}/${steps}] ${name}: ${what}`);
  const began = performance.now();
  const value = await work();
  log(
    `[${step}/${steps}] ${name}: ${done(value)} (${((performance.now() - began) / 1000).toFixed(1)} s)`,
  );
  return value;
}

try {
  let build: LocalBuild | undefined;
  const bundles = async () => {
    build ??= await buildFunctions(join(workDir, 'build'));
    return build;
  };

  if (wanted('coldInit')) {
    results.coldInit = await section(
      'coldInit',
      `${runs} interleaved whole-process runs of each probe, after one warm-up`,
      async () =>
        measureColdInit({
          tradeBundle: (await bundles()).bundles.trade,
          binanceOnlyBundle: await buildBinanceOnlyBundle(join(workDir, 'probes')),
          config,
          runs,
        }),
      (c) =>
        `trade ${c.tradeMs} ms, full ccxt ${c.fullCcxtMs} ms, empty node ${c.emptyNodeMs} ms, SDK only ${c.awsSdkMs} ms, binance only ${c.binanceOnlyMs} ms`,
    );
  }
  if (wanted('bundle')) {
    results.bundle = await section(
      'bundle',
      'sizes of the built function bundles',
      async () => measureBundles(await bundles()),
      (b) => `trade ${b.tradeBytes} B (gzip ${b.tradeGzipBytes}), fan-out ${b.fanOutBytes} B`,
    );
  }
  if (wanted('isolation')) {
    results.isolation = await section(
      'isolation',
      `${symbolCount} symbols x ${ticks} ticks on runLocal, ${pairs} runs without and ${pairs} with a hung and a blocked symbol (ABBA); then the shared-loop baseline`,
      async () => {
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
      (i) =>
        `healthy p99 ${i.healthyP99Ms} ms, with faults ${i.healthyP99WithFaultsMs} ms; shared loop ${i.sharedLoopTickMs} ms/tick, with hang ${i.sharedLoopTickWithHangMs} ms/tick`,
    );
  }
  if (wanted('fanOut')) {
    results.fanOut = await section(
      'fanOut',
      '1,000 symbols through SqsSymbolQueue to local-aws-sqs, +20 ms per request',
      () => measureFanOut({ symbols: 1000, rttMs: 20, repeats: 5 }),
      (f) => `${f.ms} ms (direct ${f.directMs} ms), limit ${f.limitMs} ms`,
    );
  }
  if (wanted('overhead')) {
    results.overhead = await section(
      'overhead',
      "200 processSymbolTick calls with the real adapters, as shipped and with ccxt's client throttle on",
      async () => {
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
      (o) =>
        `p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms; ccxt throttle on: p50 ${o.withRateLimiter.p50Ms} ms`,
    );
  }
  if (wanted('backtest')) {
    results.backtest = await section(
      'backtest',
      'sma-cross through runBacktest on ETH_BTC-1m replayed to >= 1,000,000 candles',
      () => measureBacktest({ config, minCandles: 1_000_000, runs: 3 }),
      (t) => `${t.candlesPerSec.toLocaleString('en-US')} candles/s over ${t.candles} candles`,
    );
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

results.machine = machine.stop();
results.wallTimeMs = Math.round(performance.now() - started);
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
  log(`missed: ${misses.map((r) => `${r.section}.${r.figure}`).join(', ')} (see bench/RESULTS.md)`);
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
