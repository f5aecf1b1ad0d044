import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { HandlerNames } from '../bundling.js';
import { TickfanFunction, type TickfanFunctionCommonProps } from './tickfan-function.js';

export interface FanOutFunctionProps extends TickfanFunctionCommonProps {
  /** The FIFO queue it sends one message per symbol to. */
  readonly queue: IQueue;
  /** Read for control flags (halt, breakers); the fan-out writes no state. */
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
      memorySize: 256,
    });
    this.bindTable(props.table, 'read');
    this.bindQueue(props.queue);
  }
}
