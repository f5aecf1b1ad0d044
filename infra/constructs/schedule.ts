import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import {
  ScheduleTargetBase,
  type ScheduleTargetBaseProps,
} from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BotConfig } from '../../lib/config/schema.js';

/** `source` of every scheduled tick event, so the handler can tell it from a manual invocation. */
export const scheduleEventSource = 'tickfan.schedule';

/**
 * A Scheduler target that invokes a function's unqualified ARN, as Scheduler does, and may invoke
 * nothing else. aws-scheduler-targets' `LambdaInvoke` grants `<function arn>:*` as well (every
 * version and alias), which tickfan never publishes.
 */
export class FunctionInvoke extends ScheduleTargetBase {
  constructor(
    private readonly func: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(props, func.functionArn);
  }

  protected addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.func.functionArn],
      }),
    );
  }
}

/** Scheduler's upper bound for `maxEventAge` (its lower bound is 60 s). */
const maxScheduleEventAgeSeconds = 86_400;

export interface TickScheduleProps {
  readonly schedule: BotConfig['schedule'];
  /** Time between ticks; a delivery older than this is given up (the next tick has come). */
  readonly tickPeriod: Duration;
  /** The fan-out function the schedule invokes. */
  readonly target: IFunction;
}

/**
 * The EventBridge Scheduler schedule that drives every tick. The payload carries the scheduled
 * time (Scheduler fires anywhere within the minute, so arrival time is not the tick); deliveries
 * that still fail after the retries land in a dead-letter queue instead of vanishing. No
 * flexible time window: a tick is due at its minute, not somewhere in a window after it.
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
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the schedule (and of failed fan-out invocations); ' +
        'a dead-letter queue of its own would only hide what its alarm reports.',
    });

    this.schedule = new Schedule(this, 'Schedule', {
      description: `tickfan tick: ${props.schedule.expression} (${props.schedule.timezone})`,
      schedule: ScheduleExpression.expression(
        props.schedule.expression,
        TimeZone.of(props.schedule.timezone),
      ),
      timeWindow: TimeWindow.off(),
      target: new FunctionInvoke(props.target, {
        input: ScheduleTargetInput.fromObject({
          scheduledAt: ContextAttribute.scheduledTime,
          source: scheduleEventSource,
        }),
        // A delivery later than one tick period would only dispatch stale ticks.
        retryAttempts: 2,
        maxEventAge: Duration.seconds(
          Math.min(Math.max(props.tickPeriod.toSeconds(), 60), maxScheduleEventAgeSeconds),
        ),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
