import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeploymentContext } from '../../infra/context.js';
import { ConfigError, parseConfig } from '../../lib/config/schema.js';
import { metricCatalogue, metricNamespace } from '../../lib/metrics/catalogue.js';
import {
  logicalId,
  rawConfig,
  removeTestAssemblies,
  skipBundling,
  synthTestStack,
  testApp,
  testConfig,
} from './stack-factory.js';

interface DashboardWidget {
  readonly type: string;
  readonly properties: { readonly title?: string; readonly metrics?: unknown[] };
}

/**
 * The dashboard body is an Fn::Join of JSON text and tokens (region, queue names); tokens only
 * occur inside JSON strings, so replacing them with a placeholder leaves parseable JSON.
 */
function dashboardWidgets(template: Template): DashboardWidget[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body: unknown = dashboards[0]?.Properties?.DashboardBody;
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return (JSON.parse(text) as { widgets: DashboardWidget[] }).widgets;
}

afterAll(removeTestAssemblies);

describe('TickfanStack', () => {
  describe('schedule', () => {
    it('invokes the fan-out function on the configured expression and time zone, on time', () => {
      const { stack, template } = synthTestStack({
        config: testConfig({
          schedule: { expression: 'cron(0/5 * * * ? *)', timezone: 'Asia/Tokyo' },
        }),
      });

      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0/5 * * * ? *)',
        ScheduleExpressionTimezone: 'Asia/Tokyo',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.fanOutFunction.function), 'Arn'] },
        }),
      });
    });

    it('sends the scheduled time, not the arrival time, in the payload', () => {
      const { template } = synthTestStack();

      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({
          Input: Match.serializedJson({
            scheduledAt: '<aws.scheduler.scheduled-time>',
            source: 'tickfan.schedule',
          }),
        }),
      });
    });

    it('retries a failed delivery briefly, then parks it in an encrypted dead-letter queue', () => {
      const { stack, template } = synthTestStack();
      const dlq = logicalId(stack, stack.tickSchedule.deadLetterQueue);

      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      });
      const queue = template.findResources('AWS::SQS::Queue')[dlq];
      expect(queue?.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      expect(queue?.Properties).not.toHaveProperty('FifoQueue');
    });
  });

  describe('symbol queue', () => {
    it('is a FIFO queue with explicit deduplication ids, encrypted, kept 4 days', () => {
      const { stack, template } = synthTestStack();

      const queue =
        template.findResources('AWS::SQS::Queue')[logicalId(stack, stack.symbolQueue.queue)];
      expect(queue?.Properties).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 4 * 24 * 3600,
      });
    });

    it('moves a message to a FIFO dead-letter queue after config.queue.maxReceiveCount receives', () => {
      const { stack, template } = synthTestStack({
        config: testConfig({ queue: { maxReceiveCount: 5 } }),
      });
      const dlq = logicalId(stack, stack.symbolQueue.deadLetterQueue);

      template.hasResourceProperties('AWS::SQS::Queue', {
        FifoQueue: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
      });
      expect(template.findResources('AWS::SQS::Queue')[dlq]?.Properties).toMatchObject({
        FifoQueue: true,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });

    describe.each([3, 30, 120, 900])('with a trade function timeout of %i s', (seconds) => {
      it('keeps a message invisible for six times the trade function timeout', () => {
        const { stack, template } = synthTestStack({
          config: testConfig({ timeouts: { tradeFunctionSeconds: seconds } }),
        });

        template.hasResourceProperties('AWS::Lambda::Function', {
          Description: Match.stringLikeRegexp('^tickfan trade'),
          Timeout: seconds,
        });
        const queue =
          template.findResources('AWS::SQS::Queue')[logicalId(stack, stack.symbolQueue.queue)];
        expect(queue?.Properties?.VisibilityTimeout).toBe(6 * seconds);
      });
    });

    it('denies every request without TLS on all three queues', () => {
      const { stack, template } = synthTestStack();
      const queues = [
        stack.symbolQueue.queue,
        stack.symbolQueue.deadLetterQueue,
        stack.tickSchedule.deadLetterQueue,
      ];

      for (const queue of queues) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalId(stack, queue) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });
  });

  describe('functions', () => {
    it('runs both on Node.js 24, arm64, with their configured timeouts', () => {
      const { template } = synthTestStack({
        config: testConfig({ timeouts: { tradeFunctionSeconds: 45, fanOutFunctionSeconds: 12 } }),
      });

      for (const [name, timeout, memory] of [
        ['trade', 45, 512],
        ['fan-out', 12, 256],
      ] as const) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Description: Match.stringLikeRegexp(`^tickfan ${name}:`),
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Timeout: timeout,
          MemorySize: memory,
        });
      }
    });

    it('hands each function the validated config, which parses back to the same config', () => {
      const { template, config } = synthTestStack();
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));

      expect(functions).toHaveLength(2);
      for (const fn of functions) {
        const variables: Record<string, unknown> = fn.Properties.Environment.Variables;
        expect(typeof variables.TICKFAN_CONFIG).toBe('string');
        expect(parseConfig(JSON.parse(String(variables.TICKFAN_CONFIG)))).toEqual(config);
        expect(variables).toMatchObject({
          POWERTOOLS_METRICS_NAMESPACE: metricNamespace,
          NODE_OPTIONS: '--enable-source-maps',
        });
      }
    });

    it('gives the fan-out function the table and the queue, and the trade function only the table', () => {
      const { stack, template } = synthTestStack();
      const table = { Ref: logicalId(stack, stack.stateTable.table) };
      const queue = { Ref: logicalId(stack, stack.symbolQueue.queue) };

      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^tickfan fan-out:'),
        Environment: {
          Variables: Match.objectLike({
            TICKFAN_CONFIG: Match.anyValue(),
            TICKFAN_TABLE_NAME: table,
            TICKFAN_QUEUE_URL: queue,
            POWERTOOLS_SERVICE_NAME: 'tickfan-fan-out',
          }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^tickfan trade:'),
        Environment: {
          Variables: Match.objectLike({
            TICKFAN_CONFIG: Match.anyValue(),
            TICKFAN_TABLE_NAME: table,
            TICKFAN_QUEUE_URL: Match.absent(),
            POWERTOOLS_SERVICE_NAME: 'tickfan-trade',
          }),
        },
      });
    });

    it('lets the fan-out function read the table and send to the queue, but not write the table', () => {
      const { stack, template } = synthTestStack();
      const role = stack.fanOutFunction.function.role;
      if (role === undefined) throw new Error('fan-out function has no role');
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: logicalId(stack, role) }] },
      });
      const actions = JSON.stringify(Object.values(policies));

      expect(actions).toContain('sqs:SendMessage');
      expect(actions).toContain('dynamodb:GetItem');
      expect(actions).not.toContain('dynamodb:PutItem');
      expect(actions).not.toContain('dynamodb:UpdateItem');
    });

    it('lets the trade function write the table', () => {
      const { stack, template } = synthTestStack();
      const role = stack.tradeFunction.function.role;
      if (role === undefined) throw new Error('trade function has no role');
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: logicalId(stack, role) }] },
      });

      expect(JSON.stringify(Object.values(policies))).toContain('dynamodb:UpdateItem');
    });

    it('gives each function its own log group with a retention', () => {
      const { stack, template } = synthTestStack();

      for (const fn of [stack.tradeFunction, stack.fanOutFunction]) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Description: Match.stringLikeRegexp(
            `^tickfan ${fn === stack.tradeFunction ? 'trade' : 'fan-out'}:`,
          ),
          LoggingConfig: { LogGroup: { Ref: logicalId(stack, fn.logGroup) } },
        });
      }
      template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 2);
    });

    it('feeds the trade function one message at a time, reporting failures per message', () => {
      const { stack, template } = synthTestStack({
        config: testConfig({ queue: { maxConcurrency: 13 } }),
      });

      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack, stack.tradeFunction.function) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.symbolQueue.queue), 'Arn'] },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 13 },
      });
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    });

    it('fails synthesis with a clear message when the config outgrows the Lambda environment', () => {
      const symbols = Array.from({ length: 40 }, (_, i) => ({
        symbol: `COIN${i}/BTC`,
        timeframe: '5m',
      }));

      expect(() => synthTestStack({ config: testConfig({ symbols }) })).toThrow(
        /TICKFAN_CONFIG of tickfan-dev\/TradeFunction is \d+ bytes/,
      );
    });
  });

  describe('state table', () => {
    it('is keyed by pk/sk strings, on demand, with PITR, AWS-managed encryption and TTL', () => {
      const { template } = synthTestStack();

      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });

    describe.each([
      { stage: 'dev', policy: 'Delete', protection: false },
      { stage: 'prod', policy: 'Retain', protection: true },
      { stage: 'staging', policy: 'Retain', protection: true },
    ])('in stage $stage', ({ stage, policy, protection }) => {
      it(`has deletion policy ${policy}`, () => {
        const { template } = synthTestStack({ stage });

        template.hasResource('AWS::DynamoDB::Table', {
          DeletionPolicy: policy,
          UpdateReplacePolicy: policy,
          Properties: Match.objectLike({ DeletionProtectionEnabled: protection }),
        });
        template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: policy });
      });
    });
  });

  describe('dashboard', () => {
    it('has a graph for every metric in the catalogue, in the tickfan namespace', () => {
      const { template } = synthTestStack();
      const widgets = dashboardWidgets(template);

      for (const name of Object.keys(metricCatalogue)) {
        const graph = widgets.find((w) => w.properties.title?.startsWith(`${name}:`));
        expect(graph, `graph for ${name}`).toBeDefined();
        expect(JSON.stringify(graph?.properties.metrics)).toContain(
          `{${metricNamespace},service} MetricName=\\"${name}\\"`,
        );
      }
    });

    it('charts queue depth, dead letters, oldest message age and Lambda errors and duration', () => {
      const { template } = synthTestStack();
      const metrics = JSON.stringify(dashboardWidgets(template).map((w) => w.properties.metrics));

      for (const metric of [
        '"AWS/SQS","ApproximateNumberOfMessagesVisible"',
        '"AWS/SQS","ApproximateAgeOfOldestMessage"',
        '"AWS/Lambda","Errors"',
        '"AWS/Lambda","Throttles"',
        '"AWS/Lambda","Duration"',
      ]) {
        expect(metrics).toContain(metric);
      }
    });
  });

  describe('outputs', () => {
    it('names the functions, queues, table and dashboard, without exports', () => {
      const { stack, template } = synthTestStack();
      const ref = (construct: Parameters<typeof logicalId>[1]) => ({
        Ref: logicalId(stack, construct),
      });

      for (const [id, value] of [
        ['TradeFunctionName', ref(stack.tradeFunction.function)],
        ['FanOutFunctionName', ref(stack.fanOutFunction.function)],
        ['QueueUrl', ref(stack.symbolQueue.queue)],
        ['DeadLetterQueueUrl', ref(stack.symbolQueue.deadLetterQueue)],
        ['StateTableName', ref(stack.stateTable.table)],
      ] as const) {
        template.hasOutput(id, { Value: value, Export: Match.absent() });
      }
      template.hasOutput('DashboardUrl', { Export: Match.absent() });
      const url = JSON.stringify(template.findOutputs('DashboardUrl'));
      expect(url).toContain('.console.aws.amazon.com/cloudwatch/home?region=');
      expect(url).toContain('#dashboards:name=tickfan-dev-');
    });
  });
});

describe('readDeploymentContext', () => {
  it('reads the stage and validates the tickfan config', () => {
    const app = testApp({ ...skipBundling, stage: 'prod', tickfan: rawConfig() });

    const { stage, config } = readDeploymentContext(app.node);

    expect(stage).toBe('prod');
    expect(config.queue.maxConcurrency).toBe(7);
  });

  it('defaults the stage to dev', () => {
    const app = testApp({ tickfan: rawConfig() });

    expect(readDeploymentContext(app.node).stage).toBe('dev');
  });

  it('accepts the config as a JSON string, as `cdk -c tickfan=...` passes it', () => {
    const app = testApp({ tickfan: JSON.stringify(rawConfig()) });

    expect(readDeploymentContext(app.node).config.schedule.timezone).toBe('Europe/Berlin');
  });

  it('names the bad field, its value and the context it came from', () => {
    const app = testApp({ tickfan: rawConfig({ queue: { maxConcurrency: 1 } }) });

    expect(() => readDeploymentContext(app.node)).toThrow(ConfigError);
    expect(() => readDeploymentContext(app.node)).toThrow(
      /cdk\.json context\.tickfan is invalid:\n {2}queue\.maxConcurrency: .* \(got 1\)/,
    );
  });

  it('rejects a stage that cannot name a stack', () => {
    const app = testApp({ stage: 'Prod_1', tickfan: rawConfig() });

    expect(() => readDeploymentContext(app.node)).toThrow(/context\.stage .*\(got "Prod_1"\)/s);
  });
});
