import { Duration, Stack } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type MetricName,
  type MetricUnit,
  metricCatalogue,
  metricNamespace,
} from '../../lib/metrics/catalogue.js';

const period = Duration.minutes(5);

export interface TickfanDashboardProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** Where Scheduler puts ticks it could not deliver to the fan-out function. */
  readonly scheduleDeadLetterQueue: IQueue;
  /** Functions to chart, by the label shown in the legend. */
  readonly functions: Readonly<Record<string, IFunction>>;
}

function statisticsFor(unit: MetricUnit): { statistic: string; label: string }[] {
  switch (unit) {
    case 'Count':
    case 'None':
      return [{ statistic: Stats.SUM, label: 'sum' }];
    case 'Milliseconds':
      return [
        { statistic: Stats.percentile(50), label: 'p50' },
        { statistic: Stats.percentile(99), label: 'p99' },
        { statistic: Stats.MAXIMUM, label: 'max' },
      ];
  }
}

/**
 * What to chart for one catalogue metric: a search over the `service` dimension Powertools adds
 * to every metric, so the graph shows one line per emitting function without this construct
 * having to know which function emits which metric.
 */
export function catalogueMetrics(name: MetricName): MathExpression[] {
  return statisticsFor(metricCatalogue[name].unit).map(
    ({ statistic, label }) =>
      new MathExpression({
        expression: `SEARCH('{${metricNamespace},service} MetricName="${name}"', '${statistic}', ${period.toSeconds()})`,
        label,
        period,
      }),
  );
}

/**
 * The tickfan dashboard: a graph for every metric in the catalogue (built from it, so a new
 * metric gets a graph), then queue health and Lambda errors and duration.
 */
export class TickfanDashboard extends Construct {
  public readonly dashboard: Dashboard;
  public readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: TickfanDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Dashboards are global to the account; the region keeps two regions' stacks apart.
    this.dashboardName = `${stack.stackName}-${stack.region}`;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.hours(6),
    });

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${stack.stackName}\nTickfan metrics (namespace \`${metricNamespace}\`), then queues and functions.`,
        width: 24,
        height: 2,
      }),
    );
    const names = Object.keys(metricCatalogue) as MetricName[];
    this.dashboard.addWidgets(
      ...names.map(
        (name) =>
          new GraphWidget({
            title: `${name}: ${metricCatalogue[name].meaning}`,
            left: catalogueMetrics(name),
            leftYAxis: { label: metricCatalogue[name].unit, min: 0, showUnits: false },
            width: 8,
            height: 6,
          }),
      ),
    );

    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Symbol queue: messages waiting',
        left: [props.queue.metricApproximateNumberOfMessagesVisible({ period, label: 'queue' })],
        width: 8,
        height: 6,
      }),
      new GraphWidget({
        title: 'Symbol queue: oldest message age (s)',
        left: [
          props.queue.metricApproximateAgeOfOldestMessage({
            period,
            statistic: Stats.MAXIMUM,
            label: 'oldest',
          }),
        ],
        width: 8,
        height: 6,
      }),
      new GraphWidget({
        title: 'Dead-letter queues: messages',
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: Stats.MAXIMUM,
            label: 'symbol ticks',
          }),
          props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: Stats.MAXIMUM,
            label: 'schedule deliveries',
          }),
        ],
        width: 8,
        height: 6,
      }),
    );

    const functions = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda errors and throttles',
        left: functions.flatMap(([label, fn]): IMetric[] => [
          fn.metricErrors({ period, label: `${label} errors` }),
          fn.metricThrottles({ period, label: `${label} throttles` }),
        ]),
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Lambda duration (ms)',
        left: functions.flatMap(([label, fn]): IMetric[] => [
          fn.metricDuration({ period, statistic: Stats.percentile(99), label: `${label} p99` }),
          fn.metricDuration({ period, statistic: Stats.MAXIMUM, label: `${label} max` }),
        ]),
        width: 12,
        height: 6,
      }),
    );
  }
}
