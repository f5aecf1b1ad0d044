import { Annotations, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  concurrencyWarning,
  rateBudgetWarning,
  retryTimingWarning,
} from '../../lib/config/schema.js';
import { HandlerNames } from '../bundling.js';
import { functionMemoryMb } from '../stack-facts.js';
import {
  FunctionEnvNames,
  type FunctionNetwork,
  TickfanFunction,
  type TickfanFunctionCommonProps,
} from './tickfan-function.js';

export interface TradeFunctionProps extends TickfanFunctionCommonProps {
  /** The FIFO queue of symbol ticks this function consumes. */
  readonly queue: IQueue;
  /** Its dead-letter queue, where the function parks poison messages itself. */
  readonly deadLetterQueue: IQueue;
  /** Positions, orders, tick results: read and written. */
  readonly table: ITable;
  /** Powertools idempotency records of the ticks it processes. */
  readonly idempotencyTable: ITable;
  /** The exchange API keys; only in live mode, and only this function may read them. */
  readonly exchangeSecret?: ISecret;
  /**
   * The fixed egress IP's VPC (`network.staticEgressIp`): the function calls the exchange from
   * the addresses its API key is restricted to. Without it, from Lambda's changing addresses.
   */
  readonly network?: FunctionNetwork;
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
      memorySize: functionMemoryMb.trade,
    });
    this.bindTable(props.table, 'readWrite');
    this.bindTable(props.idempotencyTable, 'idempotency', FunctionEnvNames.IdempotencyTableName);
    // A message that can never be processed goes straight here, with the reason attached.
    this.bindQueue(props.deadLetterQueue, FunctionEnvNames.DeadLetterQueueUrl);
    if (props.exchangeSecret !== undefined) this.bindSecret(props.exchangeSecret);
    // A failed tick's message is made visible again after guards.retryDelayMs, inside the stale
    // limit; the queue's visibility timeout (six function timeouts) would come after it. The
    // event source below grants sqs:ChangeMessageVisibility on this queue with consuming.
    this.function.addEnvironment(FunctionEnvNames.QueueUrl, props.queue.queueUrl);
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.config.queue.maxConcurrency,
      }),
    );
    const warning = concurrencyWarning(props.config);
    if (warning !== undefined) {
      Annotations.of(this).addWarningV2('tickfan:concurrency-below-symbols', warning);
    }
    const retryWarning = retryTimingWarning(props.config);
    if (retryWarning !== undefined) {
      Annotations.of(this).addWarningV2('tickfan:retry-after-stale-limit', retryWarning);
    }
    const budgetWarning = rateBudgetWarning(props.config);
    if (budgetWarning !== undefined) {
      Annotations.of(this).addWarningV2('tickfan:rate-budget-below-symbols', budgetWarning);
    }
  }
}
