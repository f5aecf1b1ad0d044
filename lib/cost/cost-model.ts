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
 *   Powertools idempotency writes its record in progress and completed (2 WRU); the shared rate
 *   budget's reservation (1 WRU).
 * - an order adds: read the order (1 RRU); write the intent, `sent`, the final status and the
 *   position (4 WRU); the paper broker reads the order and the balance (2 RRU) and writes the
 *   fill and two balances (3 WRU).
 */
export const dynamoPerTick = { reads: 2, writes: 5 } as const;
export const dynamoPerOrder = { reads: 3, writes: 7 } as const;
/**
 * The markets function: its billed duration (one market list fetched and parsed, the changed
 * symbols' items written), an estimate.
 */
export const marketsDurationMs = 2_000;

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

/**
 * Bytes the NAT gateway processes for the trade function (both directions, IP and TCP headers
 * included), when `network.staticEgressIp` puts it in a VPC. Estimates, from what a tick sends:
 * - `connection`: a tick opens a new TLS connection to the exchange (ticks are minutes apart,
 *   longer than any keep-alive), so it pays a TCP and TLS 1.3 handshake with the server's
 *   certificate chain: about 6.5 KB.
 * - `call`: one REST call's request line and headers (a signed query included) and the response's
 *   headers (Binance sends about fifteen), with the packets' headers: about 1.6 KB.
 * - `candle`: one Binance kline as JSON, 12 fields, six of them 8-decimal strings: ~147 bytes.
 *   Responses come gzip-compressed (fetch asks for it), so counting rows uncompressed overstates.
 * - `order`: placing it, looking it up by client id and placing its stop: three calls with ~2.5 KB
 *   of bodies on the tick's connection. `tradeEvent`: its trade event to SNS, on a connection of
 *   its own.
 * - `markets`: `GET /api/v3/exchangeInfo`, the market list the markets function loads once per
 *   refresh period for the whole deployment (trade containers read their symbol's stored rules):
 *   96,093 bytes gzip-compressed in a Feb 2024 log (freqtrade issue #9829), plus its connection
 *   and call. In live mode each cold trade container reads the keys from Secrets Manager on its
 *   own connection (`secretRead`).
 * DynamoDB's traffic takes the gateway endpoint and is not processed by the NAT gateway; Lambda's
 * own polling of the queue and its logs never enter the VPC.
 */
export const natBytes = {
  connection: 6_500,
  call: 1_600,
  candle: 150,
  order: 3 * 1_600 + 2_500,
  tradeEvent: 6_500 + 1_600 + 1_000,
  markets: 6_500 + 1_600 + 96_093,
  secretRead: 6_500 + 1_600 + 500,
} as const;

/**
 * Containers a symbol's ticks start cold, per hour. Lambda promises no lifetime: a container used
 * every few minutes typically lives well over an hour, and one idle longer than a tick period of
 * an hour or more is usually gone, so at most every tick is cold.
 */
export const coldStartsPerSymbolHour = 1;

/**
 * VPC flow log bytes (as CloudWatch Logs counts them: the record's ~125 characters plus 26 bytes
 * per event). A connection is one record per direction at the function's network interface and
 * two at the NAT gateway's (its private and its public side): six for the exchange connection of
 * a tick, two more for its DynamoDB connection, six for an order's SNS connection. Unsolicited
 * packets from the internet to a public address (scanners) make records too:
 * `backgroundRecordsPerAddressDay` is an allowance for them, not a measurement.
 */
export const flowLogBytes = {
  record: 150,
  recordsPerTick: 8,
  recordsPerOrder: 6,
  backgroundRecordsPerAddressDay: 5_000,
} as const;

/** The fixed egress IP (`network.staticEgressIp`) as the stack deploys it. */
export interface EgressInput {
  /** Availability zones (`network.azs`): one NAT gateway and one Elastic IP in each. */
  readonly azs: number;
  /** Candles a symbol tick fetches (the strategy's warmup plus one), averaged over the symbols. */
  readonly candlesPerTick: number;
}

/**
 * Monthly GB of one service's traffic (SQS, SNS, Secrets Manager) above which an interface
 * endpoint for it, in every zone, would cost less than sending the traffic through the NAT
 * gateway: the endpoint's hours over what it saves per GB. The stack deploys none: at tickfan's
 * traffic (MBs a month) it is hundreds of GB away.
 */
export function interfaceEndpointBreakEvenGb(azs: number): number {
  const endpointMonth = unitPrices.interfaceEndpointHour.usd * hoursPerMonth * azs;
  const savedPerGb = unitPrices.natGatewayGb.usd - unitPrices.interfaceEndpointGb.usd;
  return endpointMonth / savedPerGb;
}

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
  /** Minutes between two runs of the markets function (`markets.refreshMinutes`). */
  readonly marketsRefreshMinutes: number;
  /** The fixed egress IP's network; absent without `network.staticEgressIp`. */
  readonly egress?: EgressInput;
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

/** What the fixed egress IP sends through the NAT gateway, and the interface endpoint figures. */
export interface EgressFacts {
  /** Everything the NAT gateway processes a month. */
  readonly natGb: number;
  /** Of it, the AWS APIs' share (SNS, Secrets Manager) an interface endpoint could carry. */
  readonly awsApiGb: number;
  /** {@link interfaceEndpointBreakEvenGb} for the deployed zones. */
  readonly interfaceEndpointBreakEvenGb: number;
}

export interface CostBreakdown {
  readonly input: CostInput;
  readonly ticksPerMonth: number;
  readonly symbolTicksPerMonth: number;
  readonly customMetrics: number;
  /** Only with {@link CostInput.egress}. */
  readonly egress?: EgressFacts;
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
  const refreshes = refreshesPerMonth(input);
  const gbSeconds = (invocations: number, durationMs: number, memoryMb: number) =>
    invocations * (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
  // Steady state: each symbol keeps one result per tick of the retention window.
  const storedResults = input.symbols * ((tickResultRetentionDays * 86_400_000) / input.everyMs);
  const storedGb = (storedResults * tickResultBytes) / 1024 ** 3;
  const logGb =
    (symbolTicks * logBytesPerInvocation.trade + ticks * logBytesPerInvocation.fanOut) / 1024 ** 3;
  const metrics = customMetricCount();

  const lines: CostLine[] = [
    line(
      'Lambda',
      'requests (trade + fan-out + markets)',
      symbolTicks + ticks + refreshes,
      'lambdaRequests',
    ),
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
      'Lambda',
      `markets compute (${functionMemoryMb.markets} MB × ${marketsDurationMs} ms, every ${input.marketsRefreshMinutes} min)`,
      gbSeconds(refreshes, marketsDurationMs, functionMemoryMb.markets),
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
      'writes (ticks, health, idempotency, rate budget, orders)',
      symbolTicks * dynamoPerTick.writes + orders * dynamoPerOrder.writes,
      'dynamoWriteUnits',
    ),
    line(
      'DynamoDB',
      'reads (position, health, orders, fan-out control, market rules)',
      symbolTicks * dynamoPerTick.reads +
        Math.min(symbolTicks, input.symbols * refreshes) +
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
  const egress =
    input.egress === undefined ? undefined : egressLines(input, input.egress, lines, orders);

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
    ...(egress === undefined ? {} : { egress }),
    lines,
    totalUsd: lines.reduce((sum, l) => sum + l.usd, 0),
    byService,
  };
}

/**
 * Adds the fixed egress IP's lines to `lines`: the NAT gateways' hours and the data they process,
 * the Elastic IPs' public IPv4 hours, the free DynamoDB gateway endpoint, and the flow logs.
 */
function egressLines(
  input: CostInput,
  egress: EgressInput,
  lines: CostLine[],
  orders: number,
): EgressFacts {
  if (!(egress.azs >= 1) || !(egress.candlesPerTick >= 0)) {
    throw new RangeError('need at least 1 availability zone and a candle count of 0 or more');
  }
  const ticks = msPerMonth / input.everyMs;
  const symbolTicks = ticks * input.symbols;
  const coldStarts = Math.min(symbolTicks, input.symbols * hoursPerMonth * coldStartsPerSymbolHour);
  const refreshes = refreshesPerMonth(input);
  const tickBytes = natBytes.connection + natBytes.call + egress.candlesPerTick * natBytes.candle;
  const secretBytes = input.live ? coldStarts * natBytes.secretRead : 0;
  const snsBytes = orders * natBytes.tradeEvent;
  const natGb =
    (symbolTicks * tickBytes +
      orders * natBytes.order +
      snsBytes +
      refreshes * natBytes.markets +
      secretBytes) /
    1024 ** 3;
  const addressHours = egress.azs * hoursPerMonth;
  const flowLogGb =
    ((symbolTicks * flowLogBytes.recordsPerTick +
      orders * flowLogBytes.recordsPerOrder +
      egress.azs * (hoursPerMonth / 24) * flowLogBytes.backgroundRecordsPerAddressDay) *
      flowLogBytes.record) /
    1024 ** 3;

  lines.push(
    line('VPC', `NAT gateway hours (${egress.azs} AZ)`, addressHours, 'natGatewayHour'),
    line(
      'VPC',
      `NAT data processed (${Math.round(egress.candlesPerTick)} candles a tick, orders, markets)`,
      natGb,
      'natGatewayGb',
    ),
    line('VPC', `Elastic IPs (public IPv4, ${egress.azs})`, addressHours, 'publicIpv4Hour'),
    line('VPC', 'DynamoDB gateway endpoint', 1, 'gatewayEndpointMonth'),
    line('CloudWatch', 'VPC flow log ingestion (vended logs)', flowLogGb, 'vendedLogsIngestionGb'),
    line('CloudWatch', 'VPC flow log storage (30-day retention)', flowLogGb, 'logsStorageGbMonth'),
  );
  return {
    natGb,
    awsApiGb: (secretBytes + snsBytes) / 1024 ** 3,
    interfaceEndpointBreakEvenGb: interfaceEndpointBreakEvenGb(egress.azs),
  };
}

/** Runs of the markets function a month. */
function refreshesPerMonth(input: Pick<CostInput, 'marketsRefreshMinutes'>): number {
  if (!(input.marketsRefreshMinutes >= 1)) {
    throw new RangeError('need a markets refresh period of at least 1 minute');
  }
  return (hoursPerMonth * 60) / input.marketsRefreshMinutes;
}
