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
