/**
 * `npm run backtest`: replays a candle file through the trade function's decision path (strategy,
 * `sideFor`, `sizeOrder`, paper fill, `applyFill`) and prints the figures and round trips.
 *
 *   npm run backtest -- --data FILE.json [--symbol LTC/BTC] [--timeframe 5m]
 *     [--strategy sma-cross --param fast=10 --param slow=30] [--from ISO --to ISO]
 *     [--json OUT.json] [--report OUT.html] [--config cdk.json]
 */
import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { backtestJson, backtestReportInput, formatBacktest } from '../backtest/backtest-output.js';
import { planBacktest } from '../backtest/backtest-plan.js';
import { BacktestError, runBacktest } from '../backtest/run-backtest.js';
import { loadConfigFile } from '../config/load.js';
import { ConfigError } from '../config/schema.js';
import { DataFileError } from '../market-data/ohlcv-file.js';
import { renderReport } from '../report/render-report.js';
import { failWith, UsageError } from './args.js';

const usage =
  'usage: npm run backtest -- --data FILE.json [--symbol BASE/QUOTE] [--timeframe TF] [--strategy NAME] [--param KEY=VALUE ...] [--from ISO] [--to ISO] [--json FILE] [--report FILE] [--config FILE]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      symbol: { type: 'string' },
      timeframe: { type: 'string' },
      strategy: { type: 'string' },
      param: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      config: { type: 'string', default: 'cdk.json' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const config = readConfig(values.config);
  const plan = await planBacktest(values, config);
  const result = runBacktest(plan.input);
  const run = {
    result,
    candles: plan.candles,
    params: plan.params,
    risk: plan.risk,
    feeRate: plan.feeRate,
    data: plan.data,
  };
  console.log(formatBacktest(run));
  console.error(
    `replayed ${result.summary.candles} candles in ${result.elapsedMs.toFixed(0)} ms (${Math.round(result.candlesPerSecond)} candles/s)`,
  );
  if (values.json) {
    await writeOutput(values.json, `${JSON.stringify(backtestJson(run), null, 2)}\n`);
    console.log(`json: ${values.json}`);
  }
  if (values.report) {
    await writeOutput(values.report, renderReport(backtestReportInput(run)));
    console.log(`report: ${values.report}`);
  }
}

function readConfig(path: string) {
  try {
    return loadConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new UsageError(`--config: ${(error as Error).message}`);
  }
}

/** Writes through a temporary file, so an interrupted run leaves no half-written output. */
async function writeOutput(path: string, text: string): Promise<void> {
  const temporary = `${path}.partial`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

// `npm run backtest ... | head` closes stdout early; that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main().catch((error: unknown) => {
  // A bad file, flag or span is the user's to fix: one line, no stack.
  if (error instanceof DataFileError || error instanceof BacktestError) {
    console.error(`tickfan: ${error.message}`);
    process.exit(1);
  }
  failWith(usage)(error);
});
