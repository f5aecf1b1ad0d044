import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmIds } from '../../infra/stack-facts.js';
import {
  type AlarmProperties,
  alarmsById,
  logicalId,
  removeTestAssemblies,
  sharedTestStack,
  synthTestStack,
  testConfig,
} from './stack-factory.js';

afterAll(removeTestAssemblies);

/** What one alarm must look like in the template (rate(5 minutes) schedule, stage dev). */
interface ExpectedAlarm {
  readonly id: string;
  readonly namespace: string;
  readonly metric: string;
  /** `service` for catalogue metrics, `QueueName` / `FunctionName` (a resource id) for AWS ones. */
  readonly dimension: readonly [string, unknown];
  readonly statistic: string;
  readonly period: number;
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly evaluationPeriods: number;
  readonly missing: 'notBreaching' | 'breaching';
}

function expectedAlarms(): ExpectedAlarm[] {
  const { stack } = sharedTestStack();
  const queueName = (queue: Parameters<typeof logicalId>[1]) => ({
    'Fn::GetAtt': [logicalId(stack, queue), 'QueueName'],
  });
  const fn = (construct: Parameters<typeof logicalId>[1]) => ({
    Ref: logicalId(stack, construct),
  });
  const trade = stack.tradeFunction.function;
  const fanOut = stack.fanOutFunction.function;
  const tick = 300;
  const above = 'GreaterThanThreshold';
  const custom = (id: string, statistic: string): ExpectedAlarm => ({
    id,
    namespace: 'tickfan/dev',
    metric: id,
    dimension: ['service', 'tickfan-fan-out'],
    statistic,
    period: tick,
    threshold: 0,
    comparison: above,
    evaluationPeriods: 1,
    missing: 'notBreaching',
  });
  const lambda = (id: string, metric: string, construct: typeof trade): ExpectedAlarm => ({
    id,
    namespace: 'AWS/Lambda',
    metric,
    dimension: ['FunctionName', fn(construct)],
    statistic: 'Sum',
    period: tick,
    threshold: 0,
    comparison: above,
    evaluationPeriods: 1,
    missing: 'notBreaching',
  });
  const queue = (
    id: string,
    metric: string,
    construct: Parameters<typeof logicalId>[1],
    threshold: number,
  ): ExpectedAlarm => ({
    id,
    namespace: 'AWS/SQS',
    metric,
    dimension: ['QueueName', queueName(construct)],
    statistic: 'Maximum',
    period: 60,
    threshold,
    comparison: above,
    evaluationPeriods: 1,
    missing: 'notBreaching',
  });
  return [
    queue(
      'SymbolDeadLetters',
      'ApproximateNumberOfMessagesVisible',
      stack.symbolQueue.deadLetterQueue,
      0,
    ),
    queue(
      'ScheduleDeadLetters',
      'ApproximateNumberOfMessagesVisible',
      stack.tickSchedule.deadLetterQueue,
      0,
    ),
    queue('OldestSymbolTick', 'ApproximateAgeOfOldestMessage', stack.symbolQueue.queue, tick),
    lambda('TradeErrors', 'Errors', trade),
    lambda('TradeThrottles', 'Throttles', trade),
    lambda('FanOutErrors', 'Errors', fanOut),
    lambda('FanOutThrottles', 'Throttles', fanOut),
    {
      id: 'ScheduleStopped',
      namespace: 'AWS/Lambda',
      metric: 'Invocations',
      dimension: ['FunctionName', fn(fanOut)],
      statistic: 'Sum',
      period: tick,
      threshold: 1,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 2,
      missing: 'breaching',
    },
    custom('SilentSymbols', 'Maximum'),
    custom('OpenBreakers', 'Maximum'),
    custom('TradingHalted', 'Maximum'),
    custom('DispatchFailures', 'Sum'),
    // Over one markets refresh period (cdk.json's default 60 minutes).
    { ...lambda('MarketsErrors', 'Errors', stack.marketsFunction.function), period: 3_600 },
  ];
}

describe('TickfanAlarms', () => {
  it('has exactly the alarms listed here', () => {
    const { template } = sharedTestStack();

    expect([...alarmsById(template).keys()].sort()).toEqual(
      expectedAlarms()
        .map((a) => a.id)
        .sort(),
    );
    expect(Object.keys(AlarmIds).sort()).toEqual(
      expectedAlarms()
        .map((a) => a.id)
        .sort(),
    );
  });

  describe.each(expectedAlarms().map((a) => [a.id, a] as const))('%s', (id, expected) => {
    it(`watches ${expected.namespace} ${expected.metric} (${expected.statistic}) ${expected.comparison} ${expected.threshold}`, () => {
      const alarm = alarmsById(sharedTestStack().template).get(id) as AlarmProperties;

      expect(alarm).toMatchObject({
        AlarmName: `tickfan-dev-${id}`,
        Namespace: expected.namespace,
        MetricName: expected.metric,
        Dimensions: [{ Name: expected.dimension[0], Value: expected.dimension[1] }],
        Statistic: expected.statistic,
        Period: expected.period,
        Threshold: expected.threshold,
        ComparisonOperator: expected.comparison,
        EvaluationPeriods: expected.evaluationPeriods,
        DatapointsToAlarm: expected.evaluationPeriods,
        TreatMissingData: expected.missing,
      });
    });

    it('notifies the alarm topic when it fires and when it recovers', () => {
      const { stack, template } = sharedTestStack();
      const alarm = alarmsById(template).get(id) as AlarmProperties;
      const topic = { Ref: logicalId(stack, stack.alarmTopic.topic) };

      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    });
  });

  it('derives the periods and the age threshold from the schedule', () => {
    const { template } = synthTestStack({
      config: testConfig({
        schedule: { expression: 'rate(15 minutes)' },
        symbols: [{ symbol: 'LTC/BTC', timeframe: '15m' }],
      }),
    });
    const alarms = alarmsById(template);

    expect(alarms.get('OldestSymbolTick')).toMatchObject({ Threshold: 900, Period: 60 });
    expect(alarms.get('ScheduleStopped')).toMatchObject({ Period: 900, EvaluationPeriods: 2 });
    expect(alarms.get('SilentSymbols')).toMatchObject({ Period: 900 });
    expect(alarms.get('TradeErrors')).toMatchObject({ Period: 900 });
  });

  it('takes the tick period of a cron schedule from the shortest timeframe traded', () => {
    const { template } = synthTestStack({
      config: testConfig({
        schedule: { expression: 'cron(0/5 * * * ? *)' },
        symbols: [
          { symbol: 'LTC/BTC', timeframe: '1h' },
          { symbol: 'ETH/BTC', timeframe: '5m' },
        ],
      }),
    });

    expect(alarmsById(template).get('OldestSymbolTick')).toMatchObject({ Threshold: 300 });
    expect(alarmsById(template).get('ScheduleStopped')).toMatchObject({ Period: 300 });
  });

  it('reads custom metrics from the stage namespace', () => {
    const { template } = synthTestStack({ stage: 'prod' });

    expect(alarmsById(template).get('TradingHalted')).toMatchObject({
      Namespace: 'tickfan/prod',
      AlarmName: 'tickfan-prod-TradingHalted',
    });
  });
});

describe('AlarmTopic', () => {
  it('is encrypted with a rotating customer-managed key that CloudWatch alarms may use', () => {
    const { stack, template } = sharedTestStack();
    const key = logicalId(stack, stack.alarmTopic.key);

    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.objectLike({
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            }),
          }),
        ]),
      },
    });
  });

  it("denies publishing without TLS and lets this account's CloudWatch alarms publish", () => {
    const { stack, template } = sharedTestStack();
    const topic = { Ref: logicalId(stack, stack.alarmTopic.topic) };

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topic,
            Condition: Match.objectLike({
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            }),
          }),
        ]),
      },
    });
  });
});
