import { Duration } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { InvocationType, Trigger } from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { FunctionInvoke } from './schedule.js';

/** `source` of every scheduled markets refresh event. */
export const marketsEventSource = 'tickfan.markets';

export interface MarketsScheduleProps {
  /** `markets.refreshMinutes`: the time between two refreshes. */
  readonly refreshMinutes: number;
  /** The markets function. */
  readonly target: LambdaFunction;
}

/**
 * The EventBridge Scheduler schedule of the markets refresh: every `markets.refreshMinutes`, for
 * the whole deployment. A refresh may run anywhere in the first quarter of its period (a flexible
 * window spreads it away from the ticks on the minute); one that fails is retried twice and then
 * dropped, as the next one comes within the period and the trade containers keep the rules they
 * have (or load them from the exchange) meanwhile.
 *
 * The function also runs once at every deployment that changes it or its config (new symbols
 * included), so the first ticks after a deploy find their rules stored: without it, every cold
 * container would load the whole market list itself until the first scheduled run, and a
 * thousand of them would spend 20,000 of binance's 6,000 weight a minute. The run is
 * asynchronous: an exchange that cannot be reached does not fail the deployment.
 */
export class MarketsSchedule extends Construct {
  public readonly schedule: Schedule;
  /** The run at deployment. */
  public readonly atDeploy: Trigger;

  constructor(scope: Construct, id: string, props: MarketsScheduleProps) {
    super(scope, id);
    const period = Duration.minutes(props.refreshMinutes);
    this.schedule = new Schedule(this, 'Schedule', {
      description: `tickfan markets refresh: every ${props.refreshMinutes} minutes`,
      schedule: ScheduleExpression.rate(period),
      timeWindow:
        props.refreshMinutes >= 4
          ? TimeWindow.flexible(Duration.minutes(Math.floor(props.refreshMinutes / 4)))
          : TimeWindow.off(),
      target: new FunctionInvoke(props.target, {
        input: ScheduleTargetInput.fromObject({ source: marketsEventSource }),
        retryAttempts: 2,
        maxEventAge: Duration.seconds(Math.min(Math.max(period.toSeconds(), 60), 86_400)),
      }),
    });
    this.atDeploy = new Trigger(this, 'AtDeploy', {
      handler: props.target,
      invocationType: InvocationType.EVENT,
    });
  }
}
