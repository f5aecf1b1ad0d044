import { type CostBreakdown, hoursPerMonth } from './cost-model.js';
import { pricesAsOf, type UnitPrice, unitPrices } from './prices.js';

const count = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A price as `$0.50 / 1M requests` or `$0.0000133334 / GB-s`: six significant digits at most. */
export function formatUnitPrice(price: UnitPrice): string {
  const digits = Math.max(2, 6 - Math.floor(Math.log10(price.usd)) - 1);
  const text = price.usd.toFixed(Math.min(digits, 12)).replace(/(\.\d\d\d*?)0+$/, '$1');
  return `$${text} / ${price.per}`;
}

/** A monthly amount in dollars, to the cent (or a tenth of a cent below one cent). */
export function formatUsd(usd: number): string {
  return usd !== 0 && Math.abs(usd) < 0.01 ? usd.toFixed(4) : usd.toFixed(2);
}

function quantity(n: number): string {
  return Number.isInteger(n) || n >= 100 ? count(n) : count(n, 3);
}

function period(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${ms / 60_000}m`;
}

/**
 * The breakdown as a text table: one line per billed item with its monthly quantity, the unit
 * price assumed and the monthly cost; then the total per service and overall. `notes` (where the
 * inputs came from) are printed above the table.
 */
export function formatCostBreakdown(
  breakdown: CostBreakdown,
  notes: readonly string[] = [],
): string {
  const { input } = breakdown;
  const head = ['service', 'item', 'quantity/month', 'unit price', 'USD/month'];
  const rows = breakdown.lines.map((l) => [
    l.service,
    l.item,
    quantity(l.quantity),
    formatUnitPrice(unitPrices[l.price]),
    formatUsd(l.usd),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < 2 || i === 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const totalWidth = rule.length;
  const right = (label: string, usd: number) => {
    const amount = formatUsd(usd);
    return `${label.padStart(totalWidth - (widths[4] ?? 0) - 2)}  ${amount.padStart(widths[4] ?? 0)}`;
  };

  return [
    `tickfan monthly cost: ${input.symbols} symbol(s), a tick every ${period(input.everyMs)} ` +
      `(${count(breakdown.ticksPerMonth)} ticks, ${count(breakdown.symbolTicksPerMonth)} symbol ticks a month)`,
    `trade ${input.tradeMemoryMb} MB × ${input.tradeDurationMs} ms, fan-out ${input.fanOutMemoryMb} MB × ` +
      `${input.fanOutDurationMs} ms, orders on ${(input.orderRate * 100).toFixed(1)} % of symbol ticks, ` +
      `${input.live ? 'live' : 'paper'} mode` +
      (input.egress === undefined ? '' : `, fixed egress IP in ${input.egress.azs} AZ`),
    ...notes,
    `prices assumed: ${pricesAsOf}`,
    '',
    render(head),
    rule,
    ...rows.map(render),
    rule,
    ...breakdown.byService.map((s) => right(s.service, s.usd)),
    right('total', breakdown.totalUsd),
  ].join('\n');
}

/**
 * The monthly cost without and with the fixed egress IP side by side: the total of each service
 * and overall, and the difference. Then what the NAT gateway processes and why no interface
 * endpoint is deployed. `withEgress` must have been estimated with {@link CostInput.egress}.
 */
export function formatEgressComparison(without: CostBreakdown, withEgress: CostBreakdown): string {
  const { egress } = withEgress;
  const azs = withEgress.input.egress?.azs;
  if (egress === undefined || azs === undefined) {
    throw new Error('formatEgressComparison needs a breakdown with the fixed egress IP');
  }
  const services = withEgress.byService.map((s) => s.service);
  for (const s of without.byService) if (!services.includes(s.service)) services.push(s.service);
  const usdOf = (breakdown: CostBreakdown, service: string) =>
    breakdown.byService.find((s) => s.service === service)?.usd ?? 0;
  const signed = (usd: number) => (usd > 0 ? `+${formatUsd(usd)}` : formatUsd(usd));
  const head = ['USD/month', 'without', 'with', 'difference'];
  const rows = [
    ...services.map((service) => {
      const a = usdOf(without, service);
      const b = usdOf(withEgress, service);
      return [service, formatUsd(a), formatUsd(b), signed(b - a)];
    }),
    [
      'total',
      formatUsd(without.totalUsd),
      formatUsd(withEgress.totalUsd),
      signed(withEgress.totalUsd - without.totalUsd),
    ],
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const endpointMonthUsd = unitPrices.interfaceEndpointHour.usd * hoursPerMonth * azs;
  const mb = (gb: number) => `${count(gb * 1024, 1)} MB`;

  return [
    `without and with the fixed egress IP (network.staticEgressIp in ${azs} AZ: ` +
      `${azs === 1 ? '1 NAT gateway and 1 Elastic IP' : `${azs} NAT gateways and ${azs} Elastic IPs`})`,
    '',
    render(head),
    rule,
    ...rows.slice(0, -1).map(render),
    rule,
    render(rows.at(-1) ?? []),
    '',
    `NAT gateway: ${mb(egress.natGb)} a month processed, ${mb(egress.awsApiGb)} of it to SNS and ` +
      'Secrets Manager; DynamoDB takes the gateway endpoint (free).',
    `Interface endpoints: none. One for SQS, SNS or Secrets Manager would cost ` +
      `$${formatUsd(endpointMonthUsd)} a month in ${azs} AZ, and pay off above ` +
      `${count(egress.interfaceEndpointBreakEvenGb)} GB a month of its service's traffic.`,
  ].join('\n');
}
