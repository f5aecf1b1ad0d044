import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { marketsServiceName } from '../../lib/metrics/catalogue.js';
import { HandlerNames } from '../bundling.js';
import { functionMemoryMb, marketsFunctionSeconds } from '../stack-facts.js';
import {
  type FunctionNetwork,
  TickfanFunction,
  type TickfanFunctionCommonProps,
} from './tickfan-function.js';

export interface MarketsFunctionProps extends TickfanFunctionCommonProps {
  /** The state table, where each configured symbol's market item is stored. */
  readonly table: ITable;
  /**
   * The trade function's network: the markets request then leaves from the same egress IP, and
   * its weight counts on the same rate limit as the trades'.
   */
  readonly network?: FunctionNetwork;
}

/**
 * The markets function: the `refresh` export of the trade function's bundle (no second bundle
 * holds ccxt), which fetches the exchange's market rules once and stores one item per configured
 * symbol. It reads no exchange key (markets are public) and may only batch-read and batch-write
 * the table.
 */
export class MarketsFunction extends TickfanFunction {
  constructor(scope: Construct, id: string, props: MarketsFunctionProps) {
    super(scope, id, {
      ...props,
      handlerName: HandlerNames.Trade,
      exportName: 'refresh',
      serviceName: marketsServiceName,
      description: 'tickfan markets: stores the exchange market rules of every configured symbol',
      timeout: Duration.seconds(marketsFunctionSeconds),
      memorySize: functionMemoryMb.markets,
    });
    this.bindTable(props.table, 'markets');
  }
}
