/**
 * What a tickfan stage costs per month, line by line, from the workload (symbols, tick period,
 * tick duration, orders) and what the stack deploys (functions, queue, tables, schedule,
 * alarms, dashboard, metrics). Pure arithmetic: every quantity and price is an input or a named
 * constant below, so each line can be checked by hand.
 */
import { AlarmIds, functionMemoryMb } from '../../infra/stack-facts.js';
import { metricCatalogue } from '../metrics/catalogue.js';
import { type PriceName, unitPrices } from './prices.js';

/** AWS bills a month as 730 hours. */
export const hoursPerMonth = 730;
const msPerMonth = hoursPerMonth * 3_600_000;

/**
 * DynamoDB requests of one trade tick, counted from `processSymbolTick`, the state store and the
 * paper broker (items stay under 1 KB for writes and 4 KB for reads, so each call is one unit):
 * - every tick: read position and health (2 RRU); write the tick result and the health (2 WRU);
 *   Powertools idempotency writes its record in progress and completed (2 WRU).
 * - an order adds: read the order (1 RRU); write the intent, `sent`, the final status and the
 *   position (4 WRU); the paper broker reads the order and the balance (2 RRU) and writes the
 *   fill and two balances (3 WRU).
 */
export const dynamoPerTick = { reads: 2, writes: 4 } as const;
export const dynamoPerOrder = { reads: 3, writes: 7 } as const;
/** The fan-out reads the control item and each symbol's health once per tick. */
export const fanOutReadsPerTick = (symbols: number): number => 1 + symbols;

/** Bytes a tick result occupies in the state table; it expires after 30 days (TTL). */
export const tickResultBytes = 1024;
export const tickResultRetentionDays = 30;

/** Log bytes per invocation: platform START/END/REPORT lines, Powertools log lines, EMF blobs. */
export const logBytesPerInvocation = { trade: 3_000, fanOut: 2_000 } as const;

/**
 * Lambda's SQS pollers long-poll (20 s) even when the queue is empty; five of them ask three
 * times a minute each, and every ask is a billed request.
 */
export const idleReceivesPerMinute = 15;

/** Distinct values assumed per extra metric dimension (the catalogue names the dimension). */
export const dimensionValues: Readonly<Record<string, number>> = {
  /** Exchange call kinds: candles, market, order, lookup. */
  call: 4,
  /** Powertools' ColdStart metric carries the function name: one value per function. */
  function_name: 1,
};

/** What the stack deploys that is billed per month, whatever the workload. */
export const deployed = {
  alarms: Object.keys(AlarmIds).length,
  dashboards: 1,
  /** The alarm topic's customer-managed key. */
  kmsKeys: 1,
  tradeMemoryMb: functionMemoryMb.trade,
  fanOutMemoryMb: functionMemoryMb['fan-out'],
} as const;

export interface CostInput {
  /** Symbols traded at every tick. */
  readonly symbols: number;
  /** Time between ticks. */
  readonly everyMs: number;
  /** Billed duration of one trade invocation. */
  readonly tradeDurationMs: number;
  /** Billed duration of one fan-out invocation. */
  readonly fanOutDurationMs: number;
  readonly tradeMemoryMb: number;
  readonly fanOutMemoryMb: number;
  /** Share of symbol ticks that place an order (0..1). */
  readonly orderRate: number;
  /** Live mode reads the exchange keys from one Secrets Manager secret. */
  readonly live: boolean;
}

/** One billed item: quantity per month × unit price. */
export interface CostLine {
  readonly service: string;
  readonly item: string;
  /** Quantity per month, in the price's base unit (requests, GB-s, units, months...). */
  readonly quantity: number;
  readonly price: PriceName;
  readonly usd: number;
}

export interface CostBreakdown {
  readonly input: CostInput;
  readonly ticksPerMonth: number;
  readonly symbolTicksPerMonth: number;
  readonly customMetrics: number;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  /** Monthly total per service, in first-appearance order. */
  readonly byService: readonly { readonly service: string; readonly usd: number }[];
}

/** Distinct custom metric series the catalogue implies: emitters × values of extra dimensions. */
export function customMetricCount(
  catalogue: Readonly<
    Record<string, { readonly emittedBy: string; readonly dimensions?: readonly string[] }>
  > = metricCatalogue,
): number {
  return Object.values(catalogue).reduce((count, metric) => {
    const emitters = metric.emittedBy === 'both' ? 2 : 1;
    const series = (metric.dimensions ?? []).reduce(
      (product, dimension) => product * (dimensionValues[dimension] ?? 1),
      1,
    );
    return count + emitters * series;
  }, 0);
}

function line(service: string, item: string, quantity: number, priceName: PriceName): CostLine {
  const unit = unitPrices[priceName];
  return { service, item, quantity, price: priceName, usd: (quantity / unit.perUnits) * unit.usd };
}

/** The monthly cost of one stage running `input`'s workload. */
export function estimateMonthlyCost(input: CostInput): CostBreakdown {
  if (!(input.symbols >= 1) || !(input.everyMs >= 60_000)) {
    throw new RangeError('need at least 1 symbol and a tick period of at least 1 minute');
  }
  const ticks = msPerMonth / input.everyMs;
  const symbolTicks = ticks * input.symbols;
  const orders = symbolTicks * input.orderRate;
  const gbSeconds = (invocations: number, durationMs: number, memoryMb: number) =>
    invocations * (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
  // Steady state: each symbol keeps one result per tick of the retention window.
  const storedResults = input.symbols * ((tickResultRetentionDays * 86_400_000) / input.everyMs);
  const storedGb = (storedResults * tickResultBytes) / 1024 ** 3;
  const logGb =
    (symbolTicks * logBytesPerInvocation.trade + ticks * logBytesPerInvocation.fanOut) / 1024 ** 3;
  const metrics = customMetricCount();

  const lines: CostLine[] = [
    line('Lambda', 'requests (trade + fan-out)', symbolTicks + ticks, 'lambdaRequests'),
    line(
      'Lambda',
      `trade compute (${input.tradeMemoryMb} MB × ${input.tradeDurationMs} ms)`,
      gbSeconds(symbolTicks, input.tradeDurationMs, input.tradeMemoryMb),
      'lambdaArmGbSecond',
    ),
    line(
      'Lambda',
      `fan-out compute (${input.fanOutMemoryMb} MB × ${input.fanOutDurationMs} ms)`,
      gbSeconds(ticks, input.fanOutDurationMs, input.fanOutMemoryMb),
      'lambdaArmGbSecond',
    ),
    line(
      'SQS',
      'SendMessageBatch (10 symbols per request)',
      ticks * Math.ceil(input.symbols / 10),
      'sqsFifoRequests',
    ),
    line('SQS', 'ReceiveMessage (1 per message)', symbolTicks, 'sqsFifoRequests'),
    line('SQS', 'DeleteMessage (1 per message)', symbolTicks, 'sqsFifoRequests'),
    line(
      'SQS',
      `idle long polls (${idleReceivesPerMinute}/min)`,
      hoursPerMonth * 60 * idleReceivesPerMinute,
      'sqsFifoRequests',
    ),
    line(
      'DynamoDB',
      'writes (ticks, health, idempotency, orders)',
      symbolTicks * dynamoPerTick.writes + orders * dynamoPerOrder.writes,
      'dynamoWriteUnits',
    ),
    line(
      'DynamoDB',
      'reads (position, health, orders, fan-out control)',
      symbolTicks * dynamoPerTick.reads +
        orders * dynamoPerOrder.reads +
        ticks * fanOutReadsPerTick(input.symbols),
      'dynamoReadUnits',
    ),
    line(
      'DynamoDB',
      `storage (${tickResultRetentionDays} days of tick results)`,
      storedGb,
      'dynamoStorageGbMonth',
    ),
    line('DynamoDB', 'point-in-time recovery', storedGb, 'dynamoPitrGbMonth'),
    line('Scheduler', 'invocations', ticks, 'schedulerInvocations'),
    line('CloudWatch', `custom metrics (catalogue × dimensions)`, metrics, 'cloudWatchMetricMonth'),
    line('CloudWatch', 'alarms', deployed.alarms, 'cloudWatchAlarmMonth'),
    line('CloudWatch', 'dashboard', deployed.dashboards, 'cloudWatchDashboardMonth'),
    line('CloudWatch', 'log ingestion (logs + EMF)', logGb, 'logsIngestionGb'),
    line('CloudWatch', 'log storage (30-day retention)', logGb, 'logsStorageGbMonth'),
    line('KMS', 'alarm topic key', deployed.kmsKeys, 'kmsKeyMonth'),
  ];
  if (input.live) lines.push(line('Secrets Manager', 'exchange API keys', 1, 'secretMonth'));

  const byService: { service: string; usd: number }[] = [];
  for (const { service, usd } of lines) {
    const entry = byService.find((s) => s.service === service);
    if (entry === undefined) byService.push({ service, usd });
    else entry.usd += usd;
  }
  return {
    input,
    ticksPerMonth: ticks,
    symbolTicksPerMonth: symbolTicks,
    customMetrics: metrics,
    lines,
    totalUsd: lines.reduce((sum, l) => sum + l.usd, 0),
    byService,
  };
}
