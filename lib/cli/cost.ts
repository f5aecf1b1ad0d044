/**
 * `npm run cost -- [--symbols N] [--every 1m] [--duration-ms D] [--memory-mb M]
 * [--from-summary FILE] [--order-rate R] [--live] [--json] [--config FILE]`: prints what a
 * tickfan stage would cost a month, line by line, with the unit price assumed beside each line.
 *
 * Without flags it models the config in cdk.json: its enabled symbols at its tick period.
 */
import { readFileSync } from 'node:fs';
import { tickPeriodMs } from '../config/schedule.js';
import { type CostInput, deployed, estimateMonthlyCost } from '../cost/cost-model.js';
import { formatCostBreakdown } from '../cost/format.js';
import { configOption, positiveInt, UsageError } from './args.js';
import {
  defaultFanOutDurationMs,
  defaultOrderRate,
  defaultTradeDurationMs,
  parseEvery,
  readSummaryFacts,
} from './cost-input.js';
import { configFile, inputFile } from './paths.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  symbols: {
    type: 'string',
    value: 'N',
    help: "symbols traded (default: the config's enabled symbols)",
  },
  every: {
    type: 'string',
    value: '1m|5m|1h|...',
    help: "the tick period (default: the config's schedule)",
  },
  'duration-ms': {
    type: 'string',
    value: 'D',
    help: `billed duration of a trade tick (default ${defaultTradeDurationMs}, or --from-summary's p50)`,
  },
  'memory-mb': {
    type: 'string',
    value: 'M',
    help: `trade function memory (default ${deployed.tradeMemoryMb})`,
  },
  'from-summary': {
    type: 'string',
    value: 'FILE',
    help: 'take durations and the order rate from an npm start --summary-json file',
  },
  'order-rate': {
    type: 'string',
    value: 'R',
    help: `share of symbol ticks that place an order, 0 to 1 (default ${defaultOrderRate})`,
  },
  live: {
    type: 'boolean',
    help: "count the live-mode secret (default: the config's exchange.mode)",
  },
  json: { type: 'boolean', default: false, help: 'print the breakdown as JSON' },
  config: configOption,
} as const;

function main({ values }: CliArgs<typeof options>): void {
  const notes: string[] = [];
  const needConfig = values.symbols === undefined || values.every === undefined;
  const config = needConfig || values.live === undefined ? configFile(values.config) : undefined;
  const enabled = config?.symbols.filter((s) => s.enabled) ?? [];
  const symbols =
    values.symbols === undefined ? enabled.length : positiveInt('--symbols', values.symbols);
  const everyMs =
    values.every === undefined
      ? tickPeriodMs(
          config?.schedule.expression ?? '',
          enabled.map((s) => s.timeframe),
        )
      : parseEvery(values.every);
  if (needConfig) notes.push(`symbols and tick period from ${values.config}`);

  const summary =
    values['from-summary'] === undefined
      ? undefined
      : readSummaryFacts(
          readFileSync(inputFile('--from-summary', values['from-summary']), 'utf8'),
          values['from-summary'],
        );
  let tradeDurationMs = defaultTradeDurationMs;
  if (values['duration-ms'] !== undefined) {
    tradeDurationMs = positiveInt('--duration-ms', values['duration-ms']);
  } else if (summary !== undefined) {
    tradeDurationMs = summary.p50Ms;
    notes.push(
      `trade duration: p50 tick latency of ${values['from-summary']} (a local run: the exchange ` +
        'was a simulator on this machine, so a real exchange adds network time)',
    );
  } else {
    notes.push(
      `trade duration: the default ${defaultTradeDurationMs} ms (give --duration-ms or --from-summary)`,
    );
  }
  let orderRate = summary?.orderRate ?? defaultOrderRate;
  if (values['order-rate'] !== undefined) {
    orderRate = Number(values['order-rate']);
    if (!(orderRate >= 0 && orderRate <= 1)) {
      throw new UsageError(`--order-rate must be between 0 and 1 (got ${values['order-rate']})`);
    }
  }

  const input: CostInput = {
    symbols,
    everyMs,
    tradeDurationMs,
    fanOutDurationMs: defaultFanOutDurationMs,
    tradeMemoryMb:
      values['memory-mb'] === undefined
        ? deployed.tradeMemoryMb
        : positiveInt('--memory-mb', values['memory-mb']),
    fanOutMemoryMb: deployed.fanOutMemoryMb,
    orderRate,
    live: values.live ?? config?.exchange.mode === 'live',
  };
  const breakdown = estimateMonthlyCost(input);
  console.log(
    values.json ? JSON.stringify(breakdown, null, 2) : formatCostBreakdown(breakdown, notes),
  );
}

await runCli(
  {
    name: 'cost',
    usage: 'npm run cost --',
    summary:
      'Prints what a tickfan stage would cost a month, item by item, with the unit price assumed beside each line (us-east-1 list prices, no free tier).',
    options,
  },
  main,
);
