import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  LogQueryVisualizationType,
  LogQueryWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type MetricName, metricCatalogue, serviceNames } from '../../lib/metrics/catalogue.js';
import {
  catalogueGraphMetrics,
  catalogueMetricNames,
  type Emitter,
  emittersOf,
  type MetricScope,
} from '../catalogue-metrics.js';

const period = Duration.minutes(5);

/**
 * Logs Insights queries over the trade function's log lines. The trade handler logs each tick's
 * result as `{ message: 'tick done', tickResult: { symbol, durationMs, order?, ... } }` and
 * Powertools writes `level` on every line.
 */
export const logQueries = {
  slowestSymbols: [
    'fields tickResult.symbol as symbol, tickResult.durationMs as durationMs',
    "filter message = 'tick done'",
    'stats max(durationMs) as maxMs, pct(durationMs, 99) as p99Ms, avg(durationMs) as avgMs, ' +
      'count(*) as ticks by symbol',
    'sort maxMs desc',
    'limit 20',
  ],
  recentErrors: [
    'fields @timestamp, service, symbol, message, error.name, error.message',
    "filter level = 'ERROR'",
    'sort @timestamp desc',
    'limit 50',
  ],
  recentOrders: [
    'fields @timestamp, tickResult.symbol as symbol, tickResult.order.side as side, ' +
      'tickResult.order.amount as amount, tickResult.order.price as price, ' +
      'tickResult.order.status as status, tickResult.order.clientOrderId as clientOrderId',
    "filter message = 'tick done' and ispresent(tickResult.order.clientOrderId)",
    'sort @timestamp desc',
    'limit 50',
  ],
} as const;

/** A function as the dashboard charts it. */
export interface ChartedFunction {
  readonly function: IFunction;
  readonly logGroup: ILogGroup;
}

export interface TickfanDashboardProps {
  /** The stage's metric namespace (`POWERTOOLS_METRICS_NAMESPACE` of both functions). */
  readonly metricNamespace: string;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** Where Scheduler puts ticks it could not deliver to the fan-out function. */
  readonly scheduleDeadLetterQueue: IQueue;
  readonly functions: Readonly<Record<Emitter, ChartedFunction>>;
  /** Shown in one alarm status widget at the top. */
  readonly alarms: readonly IAlarm[];
}

/**
 * The tickfan dashboard, top to bottom: the state of every alarm; a graph for every metric of
 * the catalogue (built from it, so a new metric gets a graph); queue health; Lambda errors,
 * throttles and duration; and Logs Insights tables of the slowest symbols, recent errors and
 * recent orders.
 */
export class TickfanDashboard extends Construct {
  public readonly dashboard: Dashboard;
  public readonly dashboardName: string;
  /** The catalogue metrics the dashboard graphs (every one of them). */
  public readonly catalogueMetricNames: ReadonlySet<MetricName>;

  constructor(scope: Construct, id: string, props: TickfanDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Dashboards are global to the account; the stack name holds the stage, the region keeps two
    // regions' stacks apart.
    this.dashboardName = `${stack.stackName}-${stack.region}`;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.hours(6),
    });
    const metricScope: MetricScope = { namespace: props.metricNamespace, period };

    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# ${stack.stackName}\n` +
          `Alarms, then every tickfan metric (namespace \`${props.metricNamespace}\`), ` +
          'queues, functions and the trade log.',
        width: 24,
        height: 2,
      }),
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        width: 24,
        height: Math.max(2, Math.ceil(props.alarms.length / 4) + 1),
      }),
    );

    const emitterOrder: Emitter[] = ['fan-out', 'trade'];
    const graphed = new Set<MetricName>();
    for (const emitter of emitterOrder) {
      const names = catalogueMetricNames.filter((name) => emittersOf(name)[0] === emitter);
      this.dashboard.addWidgets(
        new TextWidget({
          markdown: `## Emitted by ${serviceNames[emitter]}${emitter === 'trade' ? ' (or both)' : ''}`,
          width: 24,
          height: 1,
        }),
      );
      this.dashboard.addWidgets(
        ...names.map((name) => {
          graphed.add(name);
          const { unit, statistic, meaning } = metricCatalogue[name];
          return new GraphWidget({
            title: `${name} (${statistic}): ${meaning}`,
            left: catalogueGraphMetrics(name, metricScope),
            leftYAxis: { label: unit, min: unit === 'None' ? undefined : 0, showUnits: false },
            width: 8,
            height: 6,
          });
        }),
      );
    }
    this.catalogueMetricNames = graphed;

    this.dashboard.addWidgets(
      new TextWidget({ markdown: '## Queues and functions', width: 24, height: 1 }),
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

    const functions = emitterOrder.map((emitter) => [emitter, props.functions[emitter]] as const);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda invocations, errors and throttles',
        left: functions.flatMap(([label, { function: fn }]): IMetric[] => [
          fn.metricInvocations({ period, label: `${label} invocations` }),
          fn.metricErrors({ period, label: `${label} errors` }),
          fn.metricThrottles({ period, label: `${label} throttles` }),
        ]),
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Lambda duration (ms)',
        left: functions.flatMap(([label, { function: fn }]): IMetric[] => [
          fn.metricDuration({ period, statistic: Stats.percentile(50), label: `${label} p50` }),
          fn.metricDuration({ period, statistic: Stats.percentile(99), label: `${label} p99` }),
          fn.metricDuration({ period, statistic: Stats.MAXIMUM, label: `${label} max` }),
        ]),
        width: 12,
        height: 6,
      }),
    );

    const tradeLogs = [props.functions.trade.logGroup.logGroupName];
    this.dashboard.addWidgets(
      new TextWidget({ markdown: '## Trade log (Logs Insights)', width: 24, height: 1 }),
    );
    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Slowest symbols (tick duration, ms)',
        logGroupNames: tradeLogs,
        queryLines: [...logQueries.slowestSymbols],
        view: LogQueryVisualizationType.TABLE,
        width: 24,
        height: 6,
      }),
      new LogQueryWidget({
        title: 'Recent errors (both functions)',
        logGroupNames: emitterOrder.map((e) => props.functions[e].logGroup.logGroupName),
        queryLines: [...logQueries.recentErrors],
        view: LogQueryVisualizationType.TABLE,
        width: 24,
        height: 6,
      }),
      new LogQueryWidget({
        title: 'Recent orders',
        logGroupNames: tradeLogs,
        queryLines: [...logQueries.recentOrders],
        view: LogQueryVisualizationType.TABLE,
        width: 24,
        height: 6,
      }),
    );
  }
}
