/**
 * `npm run cost -- [--symbols N] [--every 1m] [--duration-ms D] [--memory-mb M]
 * [--from-summary FILE] [--order-rate R] [--live] [--static-ip] [--azs 1|2] [--json]
 * [--config FILE]`: prints what a tickfan stage would cost a month, line by line, with the unit
 * price assumed beside each line.
 *
 * Without flags it models the config in cdk.json: its enabled symbols at its tick period, and
 * the fixed egress IP if `network.staticEgressIp` is on. `--static-ip` prints the cost with the
 * fixed egress IP, then the totals without and with it side by side.
 */
import { readFileSync } from 'node:fs';
import { tickPeriodMs } from '../config/schedule.js';
import { defaultMarketsRefreshMinutes } from '../config/schema.js';
import { type CostInput, deployed, estimateMonthlyCost } from '../cost/cost-model.js';
import { formatCostBreakdown, formatEgressComparison } from '../cost/format.js';
import { configOption, positiveInt, UsageError } from './args.js';
import {
  candlesPerTick,
  defaultFanOutDurationMs,
  defaultOrderRate,
  defaultTradeDurationMs,
  parseAzs,
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
  'static-ip': {
    type: 'boolean',
    help: "compare the cost without and with the fixed egress IP (default: the config's network.staticEgressIp alone)",
  },
  azs: {
    type: 'string',
    value: '1|2',
    help: "availability zones of the fixed egress IP (default: the config's network.azs)",
  },
  json: { type: 'boolean', default: false, help: 'print the breakdown as JSON' },
  config: configOption,
} as const;

function main({ values }: CliArgs<typeof options>): void {
  const notes: string[] = [];
  const needConfig = values.symbols === undefined || values.every === undefined;
  // The network section decides the egress lines unless both flags do.
  const needNetwork = values['static-ip'] !== true || values.azs === undefined;
  const config =
    needConfig || values.live === undefined || needNetwork ? configFile(values.config) : undefined;
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
    marketsRefreshMinutes: config?.markets.refreshMinutes ?? defaultMarketsRefreshMinutes,
  };
  const compare = values['static-ip'] === true;
  const egress =
    compare || config?.network.staticEgressIp === true
      ? {
          azs: values.azs === undefined ? (config?.network.azs ?? 1) : parseAzs(values.azs),
          candlesPerTick: candlesPerTick(enabled),
        }
      : undefined;
  if (egress !== undefined) {
    notes.push(
      enabled.length === 0
        ? `NAT data: ${egress.candlesPerTick} candles a tick (no config symbols to count)`
        : `NAT data: ${egress.candlesPerTick} candles a tick, the strategies' windows in ${values.config}`,
    );
  }
  const breakdown = estimateMonthlyCost({ ...input, ...(egress === undefined ? {} : { egress }) });
  if (!compare) {
    console.log(
      values.json ? JSON.stringify(breakdown, null, 2) : formatCostBreakdown(breakdown, notes),
    );
    return;
  }
  const without = estimateMonthlyCost(input);
  console.log(
    values.json
      ? JSON.stringify(
          {
            without,
            with: breakdown,
            differenceUsd: breakdown.totalUsd - without.totalUsd,
          },
          null,
          2,
        )
      : `${formatCostBreakdown(breakdown, notes)}\n\n${formatEgressComparison(without, breakdown)}`,
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
