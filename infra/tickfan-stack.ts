import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  egressIpOutputKey,
  metricNamespaceFor,
  type StackOutputKey,
  StackOutputKeys,
} from '../lib/config/deployment-names.js';
import { tickPeriodMs } from '../lib/config/schedule.js';
import type { BotConfig } from '../lib/config/schema.js';
import { idempotencyTable, stateTable } from '../lib/config/tables.js';
import { AlarmTopic } from './constructs/alarm-topic.js';
import { TickfanAlarms } from './constructs/alarms.js';
import { ConfigLayer } from './constructs/config-layer.js';
import { TickfanDashboard } from './constructs/dashboard.js';
import { EgressNetwork } from './constructs/egress-network.js';
import { FanOutFunction } from './constructs/fan-out-function.js';
import { MarketsFunction } from './constructs/markets-function.js';
import { MarketsSchedule } from './constructs/markets-schedule.js';
import { Notifications } from './constructs/notifications.js';
import { TickSchedule } from './constructs/schedule.js';
import { SymbolQueue } from './constructs/symbol-queue.js';
import { TickfanTable } from './constructs/table.js';
import { TradeFunction } from './constructs/trade-function.js';

export interface TickfanStackProps extends StackProps {
  /** The validated `tickfan` context. */
  readonly config: BotConfig;
  /** Deployment stage, e.g. `dev` or `prod`; only `dev` resources holding data are disposable. */
  readonly stage: string;
}

/**
 * One tickfan deployment: schedule → fan-out function → FIFO queue → trade function → state and
 * idempotency tables, the markets function on its own schedule storing the exchange's rules, the exchange secret in live mode, and the alarms on one topic and the
 * dashboard that watch it all.
 */
export class TickfanStack extends Stack {
  public readonly stage: string;
  /** CloudWatch namespace of this stage's metrics: the functions' env, dashboard and alarms. */
  public readonly metricNamespace: string;
  /** Time between schedule ticks. */
  public readonly tickPeriod: Duration;
  /** The bot config every function reads, as a layer: the environment has no room for it. */
  public readonly configLayer: ConfigLayer;
  public readonly stateTable: TickfanTable;
  public readonly idempotencyTable: TickfanTable;
  /** The exchange API keys; referenced (never created) and only in live mode. */
  public readonly exchangeSecret?: ISecret;
  public readonly symbolQueue: SymbolQueue;
  /** The fixed egress IP's VPC, NAT gateways and Elastic IPs; only with `network.staticEgressIp`. */
  public readonly egressNetwork?: EgressNetwork;
  public readonly tradeFunction: TradeFunction;
  public readonly fanOutFunction: FanOutFunction;
  /** Stores the exchange's market rules once a refresh period, for every trade container. */
  public readonly marketsFunction: MarketsFunction;
  public readonly marketsSchedule: MarketsSchedule;
  public readonly tickSchedule: TickSchedule;
  public readonly alarmTopic: AlarmTopic;
  public readonly alarms: TickfanAlarms;
  /** Trade events and alarms to e-mail and the webhooks, on the alarm topic. */
  public readonly notifications: Notifications;
  public readonly dashboard: TickfanDashboard;

  constructor(scope: Construct, id: string, props: TickfanStackProps) {
    super(scope, id, props);
    const { config, stage } = props;
    this.stage = stage;
    this.metricNamespace = metricNamespaceFor(stage);
    this.tickPeriod = Duration.millis(
      tickPeriodMs(
        config.schedule.expression,
        config.symbols.map((s) => s.timeframe),
      ),
    );
    this.configLayer = new ConfigLayer(this, 'Config', { config });
    const common = {
      config,
      configLayer: this.configLayer,
      metricNamespace: this.metricNamespace,
      logRemovalPolicy: stage === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    };

    this.stateTable = new TickfanTable(this, 'StateTable', { definition: stateTable, stage });
    this.idempotencyTable = new TickfanTable(this, 'IdempotencyTable', {
      definition: idempotencyTable,
      stage,
    });
    this.exchangeSecret = this.referenceExchangeSecret(config);
    this.symbolQueue = new SymbolQueue(this, 'SymbolQueue', {
      consumerTimeout: Duration.seconds(config.timeouts.tradeFunctionSeconds),
      maxReceiveCount: config.queue.maxReceiveCount,
    });
    if (config.network.staticEgressIp) {
      this.egressNetwork = new EgressNetwork(this, 'EgressNetwork', {
        azs: config.network.azs,
        logRemovalPolicy: common.logRemovalPolicy,
      });
    }
    this.tradeFunction = new TradeFunction(this, 'TradeFunction', {
      ...common,
      queue: this.symbolQueue.queue,
      deadLetterQueue: this.symbolQueue.deadLetterQueue,
      table: this.stateTable.table,
      idempotencyTable: this.idempotencyTable.table,
      exchangeSecret: this.exchangeSecret,
      // Only the trade and markets functions call the exchange; the fan-out needs no fixed address.
      network: this.egressNetwork?.functionNetwork,
    });
    this.marketsFunction = new MarketsFunction(this, 'MarketsFunction', {
      ...common,
      table: this.stateTable.table,
      network: this.egressNetwork?.functionNetwork,
    });
    this.marketsSchedule = new MarketsSchedule(this, 'MarketsSchedule', {
      refreshMinutes: config.markets.refreshMinutes,
      target: this.marketsFunction.function,
    });
    this.fanOutFunction = new FanOutFunction(this, 'FanOutFunction', {
      ...common,
      queue: this.symbolQueue.queue,
      table: this.stateTable.table,
    });
    this.tickSchedule = new TickSchedule(this, 'TickSchedule', {
      schedule: config.schedule,
      tickPeriod: this.tickPeriod,
      target: this.fanOutFunction.function,
    });
    this.fanOutFunction.sendFailedTicksTo(this.tickSchedule.deadLetterQueue, this.tickPeriod);

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { stage });
    this.notifications = new Notifications(this, 'Notifications', {
      config,
      configLayer: this.configLayer,
      topic: this.alarmTopic.topic,
      key: this.alarmTopic.key,
      publishers: [this.tradeFunction.function],
      logRemovalPolicy: common.logRemovalPolicy,
    });
    const functions = {
      trade: this.tradeFunction,
      'fan-out': this.fanOutFunction,
    } as const;
    this.alarms = new TickfanAlarms(this, 'Alarms', {
      topic: this.alarmTopic.topic,
      metricNamespace: this.metricNamespace,
      tickPeriod: this.tickPeriod,
      queue: this.symbolQueue.queue,
      deadLetterQueue: this.symbolQueue.deadLetterQueue,
      scheduleDeadLetterQueue: this.tickSchedule.deadLetterQueue,
      functions: { trade: functions.trade.function, 'fan-out': functions['fan-out'].function },
      marketsFunction: this.marketsFunction.function,
      marketsPeriod: Duration.minutes(config.markets.refreshMinutes),
    });
    this.dashboard = new TickfanDashboard(this, 'Dashboard', {
      metricNamespace: this.metricNamespace,
      queue: this.symbolQueue.queue,
      deadLetterQueue: this.symbolQueue.deadLetterQueue,
      scheduleDeadLetterQueue: this.tickSchedule.deadLetterQueue,
      functions,
      alarms: Object.values(this.alarms.alarms),
    });

    const outputs: Record<StackOutputKey, string> = {
      TradeFunctionName: this.tradeFunction.function.functionName,
      FanOutFunctionName: this.fanOutFunction.function.functionName,
      MarketsFunctionName: this.marketsFunction.function.functionName,
      QueueUrl: this.symbolQueue.queue.queueUrl,
      DeadLetterQueueUrl: this.symbolQueue.deadLetterQueue.queueUrl,
      ScheduleDeadLetterQueueUrl: this.tickSchedule.deadLetterQueue.queueUrl,
      StateTableName: this.stateTable.table.tableName,
      IdempotencyTableName: this.idempotencyTable.table.tableName,
      DashboardUrl: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.dashboard.dashboardName}`,
      AlarmTopicArn: this.alarmTopic.topic.topicArn,
      MetricNamespace: this.metricNamespace,
    };
    for (const key of Object.keys(StackOutputKeys) as StackOutputKey[]) {
      new CfnOutput(this, key, { value: outputs[key] });
    }
    const egressIps = this.egressNetwork?.egressIps ?? [];
    egressIps.forEach((eip, i) => {
      new CfnOutput(this, egressIpOutputKey(i + 1), {
        value: eip.attrPublicIp,
        description:
          `Egress IP ${i + 1} of ${egressIps.length}: the trade function calls the exchange from it; ` +
          "paste every EgressIp output into the exchange API key's IP whitelist",
      });
    });
  }

  /**
   * Live mode reads the exchange API keys from an existing Secrets Manager secret; the stack
   * only references it by name, so deleting the stack never deletes the keys, and paper mode
   * has no secret at all.
   */
  private referenceExchangeSecret(config: BotConfig): ISecret | undefined {
    if (config.exchange.mode !== 'live') return undefined;
    const { secretName } = config.exchange;
    // The schema requires a name in live mode; this keeps a schema change from slipping past.
    if (secretName === undefined) throw new Error('exchange.secretName is required in live mode');
    return Secret.fromSecretNameV2(this, 'ExchangeSecret', secretName);
  }
}
