/**
 * `npm run backtest`: replays a candle file through the trade function's decision path (strategy,
 * `sideFor`, `sizeOrder`, paper fill, `applyFill`) and prints the figures and round trips.
 *
 *   npm run backtest -- --data FILE.json [--symbol LTC/BTC] [--timeframe 5m]
 *     [--strategy sma-cross --param fast=10 --param slow=30] [--from ISO --to ISO]
 *     [--json OUT.json] [--report OUT.html] [--config cdk.json]
 */
import { rename, writeFile } from 'node:fs/promises';
import { backtestJson, backtestReportInput, formatBacktest } from '../backtest/backtest-output.js';
import { planBacktest } from '../backtest/backtest-plan.js';
import { runBacktest } from '../backtest/run-backtest.js';
import { renderReport } from '../report/render-report.js';
import { configFile, inputFile, outputFile } from './paths.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  data: {
    type: 'string',
    value: 'FILE.json',
    help: 'an array of [openTimeMs, open, high, low, close, volume] rows, oldest first',
  },
  symbol: {
    type: 'string',
    value: 'BASE/QUOTE',
    help: 'the market (default: from the file name BASE_QUOTE-TF.json)',
  },
  timeframe: {
    type: 'string',
    value: 'TF',
    help: "the candles' timeframe (default: from the file name, else their spacing)",
  },
  strategy: {
    type: 'string',
    value: 'NAME',
    help: "a built-in strategy (default: the config's for the symbol, else sma-cross)",
  },
  param: {
    type: 'string',
    multiple: true,
    value: 'KEY=VALUE',
    help: "a strategy parameter, repeatable (default: the config's, else the strategy's)",
  },
  from: { type: 'string', value: 'ISO', help: 'open time of the first candle decided on' },
  to: { type: 'string', value: 'ISO', help: 'open time of the last candle decided on' },
  json: { type: 'string', value: 'FILE', help: 'also write the figures, orders and round trips' },
  report: { type: 'string', value: 'FILE', help: 'also write an HTML report' },
  config: {
    type: 'string',
    default: 'cdk.json',
    value: 'FILE',
    help: 'where risk, paper.feeRate and paper.balances come from',
  },
} as const;

async function main({ values }: CliArgs<typeof options>): Promise<void> {
  if (values.data !== undefined && values.data !== '') inputFile('--data', values.data);
  // The replay can take a while: a file it could not write must fail before it starts.
  if (values.json !== undefined) outputFile('--json', values.json);
  if (values.report !== undefined) outputFile('--report', values.report);
  const config = configFile(values.config);
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

await runCli(
  {
    name: 'backtest',
    usage: 'npm run backtest --',
    summary:
      "Replays a candle file through the trade function's own decision code and prints the figures and round trips.",
    options,
  },
  main,
);
