/**
 * Names a deployed stage goes by, derived in one place so the CDK app, the stack's functions,
 * dashboard and alarms, and the remote commands (`npm run invoke -- --remote`) agree.
 *
 * This module imports nothing from aws-cdk-lib or the AWS SDK, so any of them can load it cheaply.
 */

/** The stage `cdk deploy` uses without `-c stage=NAME`. */
export const defaultStage = 'dev';

/** CloudFormation stack name of a stage: `tickfan-<stage>`. */
export function stackNameFor(stage: string): string {
  return `tickfan-${stage}`;
}

/**
 * CloudWatch namespace of a stage's custom metrics, `tickfan/<stage>`. The functions receive it
 * as `POWERTOOLS_METRICS_NAMESPACE`; the dashboard and alarms read from it. One namespace per
 * stage keeps a test stage's metrics out of the production alarms, which cannot filter by
 * anything but namespace, name and dimensions.
 */
export function metricNamespaceFor(stage: string): string {
  return `tickfan/${stage}`;
}

/**
 * Every output a tickfan stack declares, by its CloudFormation output key. The stack creates its
 * `CfnOutput`s from this list, so a renamed output breaks the build instead of a remote command.
 */
export const StackOutputKeys = {
  /** Name of the trade function (direct invocation: `{ "symbol": ... }`). */
  TradeFunctionName: 'TradeFunctionName',
  /** Name of the fan-out function the schedule invokes. */
  FanOutFunctionName: 'FanOutFunctionName',
  /** Name of the markets function (invoke it once after a first deploy to store the rules). */
  MarketsFunctionName: 'MarketsFunctionName',
  /** URL of the FIFO queue of symbol ticks. */
  QueueUrl: 'QueueUrl',
  /** URL of the symbol queue's dead-letter queue. */
  DeadLetterQueueUrl: 'DeadLetterQueueUrl',
  /** URL of the queue holding schedule deliveries that never reached the fan-out function. */
  ScheduleDeadLetterQueueUrl: 'ScheduleDeadLetterQueueUrl',
  /** Name of the state table (positions, orders, tick results, control flags). */
  StateTableName: 'StateTableName',
  /** Name of the trade function's Powertools idempotency table. */
  IdempotencyTableName: 'IdempotencyTableName',
  /** CloudWatch console URL of the stage's dashboard. */
  DashboardUrl: 'DashboardUrl',
  /** ARN of the SNS topic every alarm notifies; subscribe to it to hear about failures. */
  AlarmTopicArn: 'AlarmTopicArn',
  /** CloudWatch namespace of the stage's custom metrics. */
  MetricNamespace: 'MetricNamespace',
} as const;

export type StackOutputKey = keyof typeof StackOutputKeys;

/**
 * Key prefix of the outputs holding the fixed egress IPs (`network.staticEgressIp`): `EgressIp1`,
 * `EgressIp2`, one per availability zone. They are not in {@link StackOutputKeys}, which every
 * stack has: a stack without the fixed IP has none of them.
 */
export const egressIpOutputPrefix = 'EgressIp';

/** Output key of the `n`th egress IP (from 1): `EgressIp1`. */
export function egressIpOutputKey(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`egress IP number ${n} is not 1 or more`);
  return `${egressIpOutputPrefix}${n}`;
}

/**
 * The egress IPs among a deployed stack's outputs: the value of every output whose key starts
 * with `EgressIp`, in key order (`EgressIp2` before `EgressIp10`). Empty for a stack without the
 * fixed IP.
 */
export function egressIpsFrom(outputs: Readonly<Record<string, string>>): string[] {
  return Object.keys(outputs)
    .filter((key) => key.startsWith(egressIpOutputPrefix))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((key) => outputs[key] ?? '');
}
