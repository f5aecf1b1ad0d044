import { Duration, TimeZone } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BotConfig } from '../../lib/config/schema.js';

/** `source` of every scheduled tick event, so the handler can tell it from a manual invocation. */
export const scheduleEventSource = 'tickfan.schedule';

export interface TickScheduleProps {
  readonly schedule: BotConfig['schedule'];
  /** The fan-out function the schedule invokes. */
  readonly target: IFunction;
}

/**
 * The EventBridge Scheduler schedule that drives every tick. The payload carries the scheduled
 * time (Scheduler fires anywhere within the minute, so arrival time is not the tick); deliveries
 * that still fail after the retries land in a dead-letter queue instead of vanishing.
 */
export class TickSchedule extends Construct {
  public readonly schedule: Schedule;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: TickScheduleProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.schedule = new Schedule(this, 'Schedule', {
      description: `tickfan tick: ${props.schedule.expression} (${props.schedule.timezone})`,
      schedule: ScheduleExpression.expression(
        props.schedule.expression,
        TimeZone.of(props.schedule.timezone),
      ),
      timeWindow: TimeWindow.off(),
      target: new LambdaInvoke(props.target, {
        input: ScheduleTargetInput.fromObject({
          scheduledAt: ContextAttribute.scheduledTime,
          source: scheduleEventSource,
        }),
        // A tick older than a few minutes is stale and would be skipped anyway.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(5),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
