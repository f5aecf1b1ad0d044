import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BotConfig } from '../lib/config/schema.js';
import { TickfanDashboard } from './constructs/dashboard.js';
import { FanOutFunction } from './constructs/fan-out-function.js';
import { TickSchedule } from './constructs/schedule.js';
import { StateTable } from './constructs/state-table.js';
import { SymbolQueue } from './constructs/symbol-queue.js';
import { TradeFunction } from './constructs/trade-function.js';

export interface TickfanStackProps extends StackProps {
  /** The validated `tickfan` context. */
  readonly config: BotConfig;
  /** Deployment stage, e.g. `dev` or `prod`; only `dev` resources holding data are disposable. */
  readonly stage: string;
}

/**
 * One tickfan deployment: schedule → fan-out function → FIFO queue → trade function → state
 * table, plus the dashboard.
 */
export class TickfanStack extends Stack {
  public readonly stateTable: StateTable;
  public readonly symbolQueue: SymbolQueue;
  public readonly tradeFunction: TradeFunction;
  public readonly fanOutFunction: FanOutFunction;
  public readonly tickSchedule: TickSchedule;
  public readonly dashboard: TickfanDashboard;

  constructor(scope: Construct, id: string, props: TickfanStackProps) {
    super(scope, id, props);
    const { config, stage } = props;
    const common = {
      config,
      logRemovalPolicy: stage === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    };

    this.stateTable = new StateTable(this, 'StateTable', { stage });
    this.symbolQueue = new SymbolQueue(this, 'SymbolQueue', {
      consumerTimeout: Duration.seconds(config.timeouts.tradeFunctionSeconds),
      maxReceiveCount: config.queue.maxReceiveCount,
    });
    this.tradeFunction = new TradeFunction(this, 'TradeFunction', {
      ...common,
      queue: this.symbolQueue.queue,
      table: this.stateTable.table,
    });
    this.fanOutFunction = new FanOutFunction(this, 'FanOutFunction', {
      ...common,
      queue: this.symbolQueue.queue,
      table: this.stateTable.table,
    });
    this.tickSchedule = new TickSchedule(this, 'TickSchedule', {
      schedule: config.schedule,
      target: this.fanOutFunction.function,
    });
    this.dashboard = new TickfanDashboard(this, 'Dashboard', {
      queue: this.symbolQueue.queue,
      deadLetterQueue: this.symbolQueue.deadLetterQueue,
      scheduleDeadLetterQueue: this.tickSchedule.deadLetterQueue,
      functions: { 'fan-out': this.fanOutFunction.function, trade: this.tradeFunction.function },
    });

    new CfnOutput(this, 'TradeFunctionName', {
      value: this.tradeFunction.function.functionName,
    });
    new CfnOutput(this, 'FanOutFunctionName', {
      value: this.fanOutFunction.function.functionName,
    });
    new CfnOutput(this, 'QueueUrl', { value: this.symbolQueue.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.symbolQueue.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'StateTableName', { value: this.stateTable.table.tableName });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.dashboard.dashboardName}`,
    });
  }
}
