/**
 * `npm start`: runs the whole pipeline on embedded parts and prints a per-symbol summary.
 *
 *   npm start -- [--ticks N] [--symbols A,B] [--fault KIND:SYMBOL[:ARG]]... [--summary-json PATH]
 *                [--resume] [--time-scale F] [--config cdk.json]
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { concurrencyWarning } from '../config/schema.js';
import { parseFaultSpec } from '../local/faults/fault-spec.js';
import { runLocal, selectSymbols } from '../local/run.js';
import { type RunReportData, runReportInput } from '../local/run-report.js';
import { defaultTimeScale } from '../local/time-scale.js';
import { renderReport } from '../report/render-report.js';
import { failWith, positiveInt, UsageError } from './args.js';
import { formatSummary } from './format.js';

const usage =
  'usage: npm start -- [--ticks N] [--symbols A,B] [--fault KIND:SYMBOL[:ARG]]... [--summary-json PATH] [--report PATH] [--resume] [--time-scale F] [--config FILE]';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      ticks: { type: 'string', default: '60' },
      symbols: { type: 'string' },
      'summary-json': { type: 'string' },
      report: { type: 'string' },
      resume: { type: 'boolean', default: false },
      fault: { type: 'string', multiple: true, default: [] },
      'time-scale': { type: 'string', default: String(defaultTimeScale) },
      config: { type: 'string', default: 'cdk.json' },
      'state-dir': { type: 'string', default: '.tickfan' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const ticks = positiveInt('--ticks', values.ticks);
  const config = loadConfigFile(values.config);
  const symbols = values.symbols
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const selected = selectSymbols(config, symbols);
  const traded = selected.symbols.map((s) => s.symbol);
  const faults = values.fault.map((spec) => parseFaultSpec(spec, traded));
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0 && timeScale <= 1)) {
    throw new UsageError(
      `--time-scale must be a number in (0, 1] (got ${JSON.stringify(values['time-scale'])})`,
    );
  }
  const stateDir = values['state-dir'];
  await mkdir(join(stateDir, 'logs'), { recursive: true });
  const logFile = join(stateDir, 'logs', 'functions.log');
  const logs = createWriteStream(logFile);
  const tty = process.stderr.isTTY;
  const started = Date.now();

  const warning = concurrencyWarning(selected);
  if (warning !== undefined) console.error(`tickfan: warning: ${warning}`);
  console.error(
    `tickfan: building functions and starting dynalite, local-aws-sqs and the exchange simulator`,
  );
  let reportData: RunReportData | undefined;
  const summary = await runLocal({
    onReportData: (data) => {
      reportData = data;
    },
    config,
    ticks,
    ...(symbols ? { symbols } : {}),
    resume: values.resume,
    faults,
    timeScale,
    stateDir,
    logs,
    onProgress: (p) => {
      if (p.draining) {
        const line = `waiting for retries and dead-lettering: ${p.draining.messages} messages left`;
        if (tty) process.stderr.write(`\r${line}\x1b[K`);
        return;
      }
      const line = `tick ${p.tick}/${p.ticks}  ${p.scheduledAt}  invocations ${p.invocations}  failed ${p.failed}  orders ${p.orders}  ${((Date.now() - started) / 1000).toFixed(1)}s`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (p.tick === p.ticks || p.tick % Math.max(1, Math.ceil(p.ticks / 10)) === 0)
        console.error(line);
    },
  });
  if (tty) process.stderr.write('\n');
  logs.end();
  console.log(formatSummary(summary));
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

main().catch(failWith(usage));
