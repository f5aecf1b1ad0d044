import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { HandlerNames } from '../bundling.js';
import { functionMemoryMb } from '../stack-facts.js';
import { TickfanFunction, type TickfanFunctionCommonProps } from './tickfan-function.js';

/** Lambda's bounds for the age of an asynchronous event. */
const minEventAge = Duration.minutes(1);
const maxEventAge = Duration.hours(6);

/** Lambda's own retries of a failed asynchronous invocation (its default, stated on purpose). */
export const fanOutRetryAttempts = 2;

export interface FanOutFunctionProps extends TickfanFunctionCommonProps {
  /** The FIFO queue it sends one message per symbol to. */
  readonly queue: IQueue;
  /** Read for control flags (halt, breakers) and symbol health; the fan-out writes no state. */
  readonly table: ITable;
}

/** The fan-out function: turns one schedule tick into one queue message per enabled symbol. */
export class FanOutFunction extends TickfanFunction {
  constructor(scope: Construct, id: string, props: FanOutFunctionProps) {
    super(scope, id, {
      ...props,
      handlerName: HandlerNames.FanOut,
      description: 'tickfan fan-out: queues one message per symbol for each schedule tick',
      timeout: Duration.seconds(props.config.timeouts.fanOutFunctionSeconds),
      // Sized for 1,000 symbols: see functionMemoryMb.
      memorySize: functionMemoryMb['fan-out'],
    });
    this.bindTable(props.table, 'read');
    this.bindQueue(props.queue);
  }

  /**
   * Scheduler invokes the function asynchronously, so a tick whose fan-out throws is retried by
   * Lambda, not by Scheduler, and would vanish after the retries. This keeps retries within one
   * tick period (a later retry would only dispatch stale ticks) and parks what still fails in
   * `deadLetterQueue`, next to the deliveries Scheduler itself could not make.
   */
  sendFailedTicksTo(deadLetterQueue: IQueue, tickPeriod: Duration): this {
    const age = Math.min(
      Math.max(tickPeriod.toSeconds(), minEventAge.toSeconds()),
      maxEventAge.toSeconds(),
    );
    this.function.configureAsyncInvoke({
      retryAttempts: fanOutRetryAttempts,
      maxEventAge: Duration.seconds(age),
      onFailure: new SqsDestination(deadLetterQueue),
    });
    return this;
  }
}
