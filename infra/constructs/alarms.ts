import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricName } from '../../lib/metrics/catalogue.js';
import { catalogueMetric, type Emitter, type MetricScope } from '../catalogue-metrics.js';
import type { AlarmId } from '../stack-facts.js';

/** SQS publishes queue metrics once a minute; reading them more finely only adds gaps. */
const queuePeriod = Duration.minutes(1);

export interface TickfanAlarmsProps {
  /** Every alarm notifies this topic when it fires and when it recovers. */
  readonly topic: ITopic;
  /** The stage's metric namespace (`POWERTOOLS_METRICS_NAMESPACE` of both functions). */
  readonly metricNamespace: string;
  /** Time between schedule ticks (lib/config/schedule.ts `tickPeriodMs`). */
  readonly tickPeriod: Duration;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly scheduleDeadLetterQueue: IQueue;
  readonly functions: Readonly<Record<Emitter, IFunction>>;
  /** The markets function, which stores the market rules and the pair selection. */
  readonly marketsFunction: IFunction;
  /** Time between two markets refreshes (`markets.refreshMinutes`). */
  readonly marketsPeriod: Duration;
}

interface AlarmSpec {
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly missing: TreatMissingData;
  /** What fired and what to do; the alarm's description, so it arrives in the notification. */
  readonly description: string;
}

const above = ComparisonOperator.GREATER_THAN_THRESHOLD;

/**
 * Every failure tickfan can see, as an alarm on one SNS topic: dead letters, a backlog older than
 * a tick, function errors and throttles, a schedule that stopped firing, silent symbols, open
 * circuit breakers, a trading halt and lost dispatches. Each alarm fires on the first occurrence
 * (threshold 0, one period) because each is worth a look when real money trades; the schedule
 * alarm is the exception, needing two missed periods and treating no data as a miss.
 */
export class TickfanAlarms extends Construct {
  public readonly alarms: Readonly<Record<AlarmId, Alarm>>;
  /** The catalogue metrics the alarms watch. */
  public readonly catalogueMetricNames: ReadonlySet<MetricName>;

  constructor(scope: Construct, id: string, props: TickfanAlarmsProps) {
    super(scope, id);
    const { queue, functions } = props;
    const tickPeriodSeconds = props.tickPeriod.toSeconds();
    // Alarm periods are whole minutes; a tick period is one already, at least one minute.
    const tickPeriod = Duration.seconds(Math.max(60, tickPeriodSeconds));
    const metricScope: MetricScope = { namespace: props.metricNamespace, period: tickPeriod };
    const watched = new Set<MetricName>();
    // A catalogue metric of the fan-out, read with the catalogue's statistic, above 0.
    const fanOutMetric = (name: MetricName, description: string): AlarmSpec => {
      watched.add(name);
      return {
        metric: catalogueMetric(name, 'fan-out', metricScope),
        threshold: 0,
        comparison: above,
        evaluationPeriods: 1,
        // A fan-out that reports nothing is the ScheduleStopped alarm's business.
        missing: TreatMissingData.NOT_BREACHING,
        description,
      };
    };
    const firstOf = (metric: IMetric, description: string): AlarmSpec => ({
      metric,
      threshold: 0,
      comparison: above,
      evaluationPeriods: 1,
      missing: TreatMissingData.NOT_BREACHING,
      description,
    });

    const specs: Record<AlarmId, AlarmSpec> = {
      SymbolDeadLetters: firstOf(
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: queuePeriod,
          statistic: Stats.MAXIMUM,
        }),
        'A symbol tick failed on every delivery and sits in the dead-letter queue. Read the ' +
          'trade log for its error; the message is not retried until you redrive it.',
      ),
      ScheduleDeadLetters: firstOf(
        props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: queuePeriod,
          statistic: Stats.MAXIMUM,
        }),
        'A schedule tick never fanned out: Scheduler could not invoke the fan-out function, or ' +
          'the fan-out failed on every retry. Those symbols missed that tick.',
      ),
      OldestSymbolTick: {
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: queuePeriod,
          statistic: Stats.MAXIMUM,
        }),
        threshold: tickPeriodSeconds,
        comparison: above,
        evaluationPeriods: 1,
        missing: TreatMissingData.NOT_BREACHING,
        description:
          `A symbol tick has waited in the queue longer than one tick period (${tickPeriodSeconds} s): ` +
          'the trade function is failing, throttled or too slow, and ticks will be skipped as stale.',
      },
      TradeErrors: firstOf(
        functions.trade.metricErrors({ period: tickPeriod, statistic: Stats.SUM }),
        'The trade function failed a symbol tick (exchange error, crash or timeout); the queue ' +
          'retries it. Read "Recent errors" on the dashboard.',
      ),
      TradeThrottles: firstOf(
        functions.trade.metricThrottles({ period: tickPeriod, statistic: Stats.SUM }),
        'Lambda throttled the trade function: the account or region ran out of concurrency.',
      ),
      FanOutErrors: firstOf(
        functions['fan-out'].metricErrors({ period: tickPeriod, statistic: Stats.SUM }),
        'The fan-out function failed a schedule tick; Lambda retries it within one tick period.',
      ),
      FanOutThrottles: firstOf(
        functions['fan-out'].metricThrottles({ period: tickPeriod, statistic: Stats.SUM }),
        'Lambda throttled the fan-out function: the account or region ran out of concurrency.',
      ),
      ScheduleStopped: {
        metric: functions['fan-out'].metricInvocations({
          period: tickPeriod,
          statistic: Stats.SUM,
        }),
        threshold: 1,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        // No data is exactly what a dead schedule looks like.
        missing: TreatMissingData.BREACHING,
        description:
          'The fan-out function was not invoked for two tick periods: the schedule is disabled, ' +
          'deleted or cannot invoke it. Nothing trades.',
      },
      SilentSymbols: fanOutMetric(
        'SilentSymbols',
        'An enabled symbol had no successful tick for its silence window. Check its errors and ' +
          'the exchange.',
      ),
      OpenBreakers: fanOutMetric(
        'OpenBreakers',
        "A symbol's circuit breaker is open after repeated exchange failures; it is skipped " +
          'until the cooldown ends.',
      ),
      TradingHalted: fanOutMetric(
        'TradingHalted',
        'Trading is halted (kill switch or daily-loss limit): no symbol trades until it is ' +
          'resumed.',
      ),
      DispatchFailures: fanOutMetric(
        'DispatchFailures',
        'The fan-out could not queue some symbol ticks after retries; those symbols missed ' +
          'the tick.',
      ),
      MarketsErrors: firstOf(
        props.marketsFunction.metricErrors({ period: props.marketsPeriod, statistic: Stats.SUM }),
        'The markets refresh failed: the market rules and the pairs picked by volume stay as the ' +
          'last refresh stored them (pairs are not picked again, a new symbol has no stored ' +
          'rules and its container loads every market itself). Read the markets log.',
      ),
    };

    const stack = Stack.of(this);
    const action = new SnsAction(props.topic);
    const alarms = {} as Record<AlarmId, Alarm>;
    for (const alarmId of Object.keys(specs) as AlarmId[]) {
      const spec = specs[alarmId];
      const alarm = new Alarm(this, alarmId, {
        // The stack name holds the stage, so stages never share an alarm name.
        alarmName: `${stack.stackName}-${alarmId}`,
        alarmDescription: spec.description,
        metric: spec.metric,
        threshold: spec.threshold,
        comparisonOperator: spec.comparison,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.evaluationPeriods,
        treatMissingData: spec.missing,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms[alarmId] = alarm;
    }
    this.alarms = alarms;
    this.catalogueMetricNames = watched;
  }
}
