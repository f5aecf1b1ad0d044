/**
 * `npm start`: runs the whole pipeline on embedded parts and prints a per-symbol summary.
 * `npm start -- --help` lists the options.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  concurrencyWarning,
  fixedSymbols,
  rateBudgetWarning,
  selectorsOf,
} from '../config/schema.js';
import { parseFaultSpec } from '../local/faults/fault-spec.js';
import { runLocal, selectSymbols } from '../local/run.js';
import { type RunReportData, runReportInput } from '../local/run-report.js';
import {
  maxSynthetic,
  syntheticMarketsFor,
  withSyntheticSymbols,
} from '../local/synthetic-symbols.js';
import { defaultTimeScale } from '../local/time-scale.js';
import { renderReport } from '../report/render-report.js';
import {
  configOption,
  exchangeOption,
  positiveInt,
  UsageError,
  wholeNumberIn,
  withExchange,
} from './args.js';
import { formatSummary } from './format.js';
import { configFile, outputFile } from './paths.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  ticks: { type: 'string', default: '60', value: 'N', help: 'schedule ticks to run' },
  symbols: {
    type: 'string',
    value: 'A,B',
    help: 'trade only these configured symbols (default: every one)',
  },
  fault: {
    type: 'string',
    multiple: true,
    default: [] as string[],
    value: 'KIND:SYMBOL[:ARG]',
    help: 'inject a fault, repeatable (hang, slow:MS, http5xx:RATE, ratelimit:RATE, lose-response:RATE, reject, block; duplicate-delivery:RATE without a symbol)',
  },
  synthetic: {
    type: 'string',
    value: 'N',
    help: `also trade N synthetic markets the simulator generates (1 to ${maxSynthetic}; those on candles the schedule ticks), with the strategy of the config's first symbol; with a volume selector in the config, serve them for it to pick from instead`,
  },
  'summary-json': { type: 'string', value: 'PATH', help: 'also write the run summary as JSON' },
  report: {
    type: 'string',
    value: 'PATH',
    help: 'where the HTML run report goes (default: STATE-DIR/report.html)',
  },
  resume: {
    type: 'boolean',
    default: false,
    help: "continue the last run's trading state, exchange and clock (after a kill too) instead of starting afresh",
  },
  'time-scale': {
    type: 'string',
    default: String(defaultTimeScale),
    value: 'F',
    help: "factor in (0, 1] applied to the trade function's timeout, retry delay, stale limit and tick spacing",
  },
  'notify-url': {
    type: 'string',
    value: 'URL',
    help: 'post every notification here (each webhook in its own format), e.g. a local receiver',
  },
  exchange: exchangeOption,
  config: configOption,
  'state-dir': {
    type: 'string',
    default: '.tickfan',
    value: 'DIR',
    help: 'where the build, DynamoDB data, logs and run state go',
  },
} as const;

async function main({ values }: CliArgs<typeof options>): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ticks = positiveInt('--ticks', values.ticks);
  const config = withExchange(configFile(values.config), values.exchange);
  const symbols = values.symbols
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const synthetic =
    values.synthetic === undefined
      ? 0
      : wholeNumberIn('--synthetic', values.synthetic, 1, maxSynthetic);
  const selected = selectSymbols(config, symbols);
  const traded = fixedSymbols(selected).map((s) => s.symbol);
  const faults = values.fault.map((spec) => parseFaultSpec(spec, traded));
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0 && timeScale <= 1)) {
    throw new UsageError(
      `--time-scale must be a number in (0, 1] (got ${JSON.stringify(values['time-scale'])})`,
    );
  }
  // A run takes minutes: a file it could not write must fail now, not at its end.
  if (values['summary-json'] !== undefined) outputFile('--summary-json', values['summary-json']);
  if (values.report !== undefined) outputFile('--report', values.report);
  const notifyUrl = values['notify-url'];
  if (notifyUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(notifyUrl)) {
    throw new UsageError(`--notify-url ${JSON.stringify(notifyUrl)}: expected an http(s) URL`);
  }
  const stateDir = values['state-dir'];
  await mkdir(join(stateDir, 'logs'), { recursive: true });
  const logFile = join(stateDir, 'logs', 'functions.log');
  const logs = createWriteStream(logFile);
  const tty = process.stderr.isTTY;
  const started = Date.now();

  // Checked now, with the markets it adds, rather than after the build.
  // With a volume selector, synthetic markets are only served for it to pick from.
  const run =
    selectorsOf(selected).length > 0
      ? selected
      : withSyntheticSymbols(selected, syntheticMarketsFor(selected, synthetic));
  for (const warning of [concurrencyWarning(run), rateBudgetWarning(run)]) {
    if (warning !== undefined) console.error(`tickfan: warning: ${warning}`);
  }
  console.error(
    `tickfan: building functions and starting dynalite, local-aws-sqs and the exchange simulator (${config.exchange.id})`,
  );
  let reportData: RunReportData | undefined;
  const summary = await runLocal({
    onReportData: (data) => {
      reportData = data;
    },
    config,
    ticks,
    ...(symbols ? { symbols } : {}),
    synthetic,
    resume: values.resume,
    ...(notifyUrl === undefined ? {} : { notifyUrl }),
    faults,
    timeScale,
    stateDir,
    logs,
    onProgress: (p) => {
      const line = `tick ${p.tick}/${p.ticks}  ${p.scheduledAt}  invocations ${p.invocations}  failed ${p.failed}  orders ${p.orders}  ${((Date.now() - started) / 1000).toFixed(1)}s`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (p.tick === p.ticks || p.tick % Math.max(1, Math.ceil(p.ticks / 10)) === 0)
        console.error(line);
    },
  });
  if (tty) process.stderr.write('\n');
  logs.end();
  const precision = Object.fromEntries(
    Object.entries(reportData?.markets ?? {}).map(([symbol, steps]) => [
      symbol,
      steps.amountStep === undefined ? {} : { amount: { step: steps.amountStep } },
    ]),
  );
  console.log(formatSummary(summary, precision));
  console.log(`\nfunction logs: ${logFile}`);
  if (values['summary-json']) {
    await writeFile(values['summary-json'], `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`summary: ${values['summary-json']}`);
  }
  if (reportData) {
    const reportFile = values.report ?? join(stateDir, 'report.html');
    await mkdir(dirname(reportFile), { recursive: true });
    await writeFile(reportFile, renderReport(runReportInput(reportData)));
    console.log(`report: ${reportFile}`);
  }
}

await runCli(
  {
    name: 'start',
    usage: 'npm start --',
    summary:
      'Runs the pipeline locally (dynalite, local-aws-sqs, the exchange simulator) for some schedule ticks and prints a per-symbol summary.',
    options,
  },
  main,
);
