import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { HandlerNames } from '../bundling.js';
import { TickfanFunction, type TickfanFunctionCommonProps } from './tickfan-function.js';

export interface TradeFunctionProps extends TickfanFunctionCommonProps {
  /** The FIFO queue of symbol ticks this function consumes. */
  readonly queue: IQueue;
  readonly table: ITable;
}

/**
 * The trade function: one invocation per symbol tick. It reads one message at a time and reports
 * a failed message instead of failing the batch, so a retry never repeats another symbol's tick.
 */
export class TradeFunction extends TickfanFunction {
  constructor(scope: Construct, id: string, props: TradeFunctionProps) {
    super(scope, id, {
      ...props,
      handlerName: HandlerNames.Trade,
      description: 'tickfan trade: runs one symbol tick (candles, strategy, risk, order, state)',
      timeout: Duration.seconds(props.config.timeouts.tradeFunctionSeconds),
      memorySize: 512,
    });
    this.bindTable(props.table, 'readWrite');
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.config.queue.maxConcurrency,
      }),
    );
  }
}
