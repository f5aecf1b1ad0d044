import { describe, expect, it } from 'vitest';
import { candlesPerTick, defaultCandlesPerTick, parseAzs } from '../../../lib/cli/cost-input.js';
import {
  type CostInput,
  type CostLine,
  coldStartsPerSymbolHour,
  estimateMonthlyCost,
  flowLogBytes,
  interfaceEndpointBreakEvenGb,
  natBytes,
} from '../../../lib/cost/cost-model.js';
import { formatCostBreakdown, formatEgressComparison } from '../../../lib/cost/format.js';
import { unitPrices } from '../../../lib/cost/prices.js';

/** cdk.json's workload: five symbols every five minutes, 32 candles a tick. */
const fiveSymbols: CostInput = {
  symbols: 5,
  everyMs: 300_000,
  tradeDurationMs: 400,
  fanOutDurationMs: 100,
  tradeMemoryMb: 512,
  fanOutMemoryMb: 256,
  orderRate: 0.01,
  live: true,
  marketsRefreshMinutes: 60,
};
const ticks = (730 * 60) / 5;
const symbolTicks = ticks * 5;
const orders = symbolTicks * 0.01;

function lineOf(lines: readonly CostLine[], item: string): CostLine {
  const found = lines.find((l) => l.item.startsWith(item));
  if (found === undefined) throw new Error(`no line ${item}`);
  return found;
}

function withEgress(azs: number, input: CostInput = fiveSymbols) {
  return estimateMonthlyCost({ ...input, egress: { azs, candlesPerTick: 32 } });
}

describe('the fixed egress IP in the cost model', () => {
  it('adds nothing without network.staticEgressIp', () => {
    const { lines, egress } = estimateMonthlyCost(fiveSymbols);

    expect(lines.some((l) => l.service === 'VPC' || l.item.includes('flow log'))).toBe(false);
    expect(egress).toBeUndefined();
  });

  it('bills every NAT gateway hour and every Elastic IP hour, per zone', () => {
    for (const azs of [1, 2]) {
      const { lines } = withEgress(azs);

      expect(lineOf(lines, 'NAT gateway hours').quantity).toBe(730 * azs);
      expect(lineOf(lines, 'NAT gateway hours').usd).toBeCloseTo(32.85 * azs, 10);
      expect(lineOf(lines, 'Elastic IPs').quantity).toBe(730 * azs);
      expect(lineOf(lines, 'Elastic IPs').usd).toBeCloseTo(3.65 * azs, 10);
    }
  });

  it('counts the NAT data of every tick, order, cold start and markets refresh, DynamoDB excluded', () => {
    const { lines, egress } = withEgress(1);
    const coldStarts = 5 * 730 * coldStartsPerSymbolHour;
    const bytes =
      symbolTicks * (natBytes.connection + natBytes.call + 32 * natBytes.candle) +
      orders * (natBytes.order + natBytes.tradeEvent) +
      coldStarts * natBytes.secretRead +
      730 * natBytes.markets;

    expect(lineOf(lines, 'NAT data processed').quantity).toBeCloseTo(bytes / 1024 ** 3, 10);
    expect(egress?.natGb).toBeCloseTo(bytes / 1024 ** 3, 10);
    expect(lineOf(lines, 'NAT data processed').usd).toBeCloseTo((bytes / 1024 ** 3) * 0.045, 10);
    expect(egress?.awsApiGb).toBeCloseTo(
      (orders * natBytes.tradeEvent + coldStarts * natBytes.secretRead) / 1024 ** 3,
      10,
    );
  });

  it('reads the secret through the NAT gateway in live mode only', () => {
    const live = withEgress(1).egress?.natGb ?? 0;
    const paper = withEgress(1, { ...fiveSymbols, live: false }).egress?.natGb ?? 0;

    expect(live - paper).toBeCloseTo((5 * 730 * natBytes.secretRead) / 1024 ** 3, 10);
  });

  it('makes every tick cold when ticks are hours apart, the markets still loaded once a period', () => {
    const daily = withEgress(1, { ...fiveSymbols, everyMs: 86_400_000 });
    const dailyTicks = 5 * (730 / 24);
    const bytes =
      dailyTicks * (natBytes.connection + natBytes.call + 32 * natBytes.candle) +
      dailyTicks * 0.01 * (natBytes.order + natBytes.tradeEvent) +
      dailyTicks * natBytes.secretRead +
      730 * natBytes.markets;

    expect(daily.egress?.natGb).toBeCloseTo(bytes / 1024 ** 3, 10);
  });

  it('lists the DynamoDB gateway endpoint at no charge', () => {
    const endpoint = lineOf(withEgress(2).lines, 'DynamoDB gateway endpoint');

    expect(endpoint).toMatchObject({ service: 'VPC', quantity: 1, usd: 0 });
  });

  it('bills the flow logs as vended logs and their storage, background records per address', () => {
    const { lines } = withEgress(2);
    const records =
      symbolTicks * flowLogBytes.recordsPerTick +
      orders * flowLogBytes.recordsPerOrder +
      2 * (730 / 24) * flowLogBytes.backgroundRecordsPerAddressDay;
    const gb = (records * flowLogBytes.record) / 1024 ** 3;

    expect(lineOf(lines, 'VPC flow log ingestion')).toMatchObject({ service: 'CloudWatch' });
    expect(lineOf(lines, 'VPC flow log ingestion').quantity).toBeCloseTo(gb, 10);
    expect(lineOf(lines, 'VPC flow log ingestion').usd).toBeCloseTo(gb * 0.5, 10);
    expect(lineOf(lines, 'VPC flow log storage').usd).toBeCloseTo(gb * 0.03, 10);
  });

  it("costs cdk.json's workload about $36.60 a month more in one zone, $73.10 in two", () => {
    const without = estimateMonthlyCost(fiveSymbols);

    expect(withEgress(1).totalUsd - without.totalUsd).toBeCloseTo(36.6, 1);
    expect(withEgress(2).totalUsd - without.totalUsd).toBeCloseTo(73.1, 1);
    expect(withEgress(1).byService.map((s) => s.service)).toEqual([
      'Lambda',
      'SQS',
      'DynamoDB',
      'Scheduler',
      'CloudWatch',
      'KMS',
      'Secrets Manager',
      'VPC',
    ]);
  });

  it('refuses zero zones', () => {
    expect(() => withEgress(0)).toThrow(RangeError);
  });
});

describe('interfaceEndpointBreakEvenGb', () => {
  it('is the endpoint hours in every zone over what it saves per GB against the NAT gateway', () => {
    const perGbSaved = unitPrices.natGatewayGb.usd - unitPrices.interfaceEndpointGb.usd;

    expect(interfaceEndpointBreakEvenGb(1)).toBeCloseTo((0.01 * 730) / perGbSaved, 10);
    expect(interfaceEndpointBreakEvenGb(1)).toBeCloseTo(208.57, 2);
    expect(interfaceEndpointBreakEvenGb(2)).toBeCloseTo(417.14, 2);
  });

  it("lies hundreds of GB above what cdk.json's workload sends to the AWS APIs", () => {
    const { egress } = withEgress(1);

    expect(egress?.interfaceEndpointBreakEvenGb).toBe(interfaceEndpointBreakEvenGb(1));
    expect((egress?.awsApiGb ?? Infinity) * 1000).toBeLessThan(
      egress?.interfaceEndpointBreakEvenGb ?? 0,
    );
  });
});

describe('formatting the fixed egress IP', () => {
  it('names the zones in the breakdown and prints each line with its unit price', () => {
    const text = formatCostBreakdown(withEgress(2));

    expect(text).toContain('live mode, fixed egress IP in 2 AZ');
    expect(text).toMatch(
      /NAT gateway hours \(2 AZ\)\s+1,460\s+\$0\.045 \/ NAT gateway-hour\s+65\.70/,
    );
    expect(text).toMatch(
      /Elastic IPs \(public IPv4, 2\)\s+1,460\s+\$0\.005 \/ IPv4 address-hour\s+7\.30/,
    );
    expect(text).toMatch(/DynamoDB gateway endpoint\s+1\s+\$0\.00 \/ endpoint-month\s+0\.00/);
  });

  it('puts the totals without and with it side by side, with the difference', () => {
    const without = estimateMonthlyCost(fiveSymbols);
    const text = formatEgressComparison(without, withEgress(1));

    expect(text).toContain('network.staticEgressIp in 1 AZ: 1 NAT gateway and 1 Elastic IP');
    expect(text).toMatch(/^VPC\s+0\.00\s+36\.\d\d\s+\+36\.\d\d$/m);
    expect(text).toMatch(/^Lambda\s+(\d+\.\d+)\s+\1\s+0\.00$/m);
    const total = withEgress(1).totalUsd;
    expect(text).toMatch(
      new RegExp(
        `^total\\s+${without.totalUsd.toFixed(2)}\\s+${total.toFixed(2)}\\s+\\+${(total - without.totalUsd).toFixed(2)}$`,
        'm',
      ),
    );
    expect(text).toContain('Interface endpoints: none');
    expect(text).toContain('$7.30 a month in 1 AZ, and pay off above 209 GB a month');
  });

  it('needs a breakdown with the fixed egress IP to compare', () => {
    const without = estimateMonthlyCost(fiveSymbols);

    expect(() => formatEgressComparison(without, without)).toThrow(/fixed egress IP/);
  });
});

describe('cost CLI inputs of the fixed egress IP', () => {
  it("counts each symbol's strategy window plus one candle, averaged", () => {
    expect(
      candlesPerTick([
        { strategy: 'sma-cross', params: { fast: 10, slow: 30 } },
        { strategy: 'sma-cross', params: { fast: 5, slow: 20 } },
      ]),
    ).toBe((32 + 22) / 2);
    expect(candlesPerTick([])).toBe(defaultCandlesPerTick);
  });

  it('reads --azs 1 or 2 and names the flag otherwise', () => {
    expect(parseAzs('1')).toBe(1);
    expect(parseAzs('2')).toBe(2);
    expect(() => parseAzs('3')).toThrow('--azs must be 1 or 2 (got "3")');
  });
});
