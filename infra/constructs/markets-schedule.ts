import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { FunctionInvoke } from './schedule.js';

/** `source` of every scheduled markets refresh event. */
export const marketsEventSource = 'tickfan.markets';

export interface MarketsScheduleProps {
  /** `markets.refreshMinutes`: the time between two refreshes. */
  readonly refreshMinutes: number;
  /** The markets function. */
  readonly target: IFunction;
}

/**
 * The EventBridge Scheduler schedule of the markets refresh: every `markets.refreshMinutes`, for
 * the whole deployment. A refresh may run anywhere in the first quarter of its period (a flexible
 * window spreads it away from the ticks on the minute); one that fails is retried twice and then
 * dropped, as the next one comes within the period and the trade containers keep the rules they
 * have (or load them from the exchange) meanwhile.
 */
export class MarketsSchedule extends Construct {
  public readonly schedule: Schedule;

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
  }
}
