/**
 * The unit prices the cost model assumes: AWS list prices for us-east-1 (N. Virginia), on-demand,
 * without free tiers or volume discounts, as published in June 2025. They are assumptions, not
 * quotes: check the AWS pricing pages of your region before deciding on money.
 */
export const pricesAsOf = 'us-east-1 list prices as of 2025-06, no free tier';

/** One unit price, with the unit it is charged per, as printed beside each line. */
export interface UnitPrice {
  readonly usd: number;
  /** What the price is per, e.g. `1M requests`. */
  readonly per: string;
  /** How many of the model's base units make one `per` (1e6 for a price per million). */
  readonly perUnits: number;
}

const price = (usd: number, per: string, perUnits = 1): UnitPrice => ({ usd, per, perUnits });

/** Every unit price the model uses. */
export const unitPrices = {
  lambdaRequests: price(0.2, '1M requests', 1e6),
  /** arm64; x86_64 costs $0.0000166667. */
  lambdaArmGbSecond: price(0.0000133334, 'GB-s'),
  /** FIFO queues; a request carries up to 64 KB (tickfan's messages are far smaller). */
  sqsFifoRequests: price(0.5, '1M requests', 1e6),
  /** On-demand write request units (one per KB written, per item). */
  dynamoWriteUnits: price(0.625, '1M WRU', 1e6),
  /** On-demand read request units (one strongly consistent read of up to 4 KB). */
  dynamoReadUnits: price(0.125, '1M RRU', 1e6),
  dynamoStorageGbMonth: price(0.25, 'GB-month'),
  dynamoPitrGbMonth: price(0.2, 'GB-month'),
  schedulerInvocations: price(1.0, '1M invocations', 1e6),
  cloudWatchMetricMonth: price(0.3, 'metric-month'),
  cloudWatchAlarmMonth: price(0.1, 'alarm-month'),
  cloudWatchDashboardMonth: price(3.0, 'dashboard-month'),
  logsIngestionGb: price(0.5, 'GB ingested'),
  logsStorageGbMonth: price(0.03, 'GB-month'),
  kmsKeyMonth: price(1.0, 'key-month'),
  secretMonth: price(0.4, 'secret-month'),
  /** Amazon VPC pricing, NAT gateways: per gateway and hour it exists, whatever passes. */
  natGatewayHour: price(0.045, 'NAT gateway-hour'),
  /** Amazon VPC pricing, NAT gateways: per GB processed, in either direction. */
  natGatewayGb: price(0.045, 'GB processed'),
  /**
   * Amazon VPC pricing, public IPv4 addresses: every public IPv4 address, an Elastic IP held by a
   * NAT gateway included, per hour (charged since 2024-02-01).
   */
  publicIpv4Hour: price(0.005, 'IPv4 address-hour'),
  /** AWS PrivateLink pricing: a gateway endpoint (DynamoDB, S3) costs nothing, nor its traffic. */
  gatewayEndpointMonth: price(0, 'endpoint-month'),
  /** AWS PrivateLink pricing: an interface endpoint, per availability zone and hour. */
  interfaceEndpointHour: price(0.01, 'endpoint AZ-hour'),
  /** AWS PrivateLink pricing: data an interface endpoint processes (first PB a month). */
  interfaceEndpointGb: price(0.01, 'GB processed'),
  /**
   * CloudWatch pricing, vended logs (VPC flow logs among them) delivered to CloudWatch Logs,
   * first 10 TB a month; stored like any log. Delivered to S3 they would cost $0.25 / GB.
   */
  vendedLogsIngestionGb: price(0.5, 'GB ingested'),
} as const satisfies Record<string, UnitPrice>;

export type PriceName = keyof typeof unitPrices;
