import { readFileSync } from 'node:fs';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeploymentContext } from '../../infra/context.js';
import { TickfanStack } from '../../infra/tickfan-stack.js';
import { StackOutputKeys, stackNameFor } from '../../lib/config/deployment-names.js';
import { ConfigError, parseConfig } from '../../lib/config/schema.js';
import {
  actionsOf,
  liveConfig,
  liveSecretName,
  logicalId,
  rawConfig,
  removeTestAssemblies,
  sharedTestStack,
  skipBundling,
  statementsOf,
  synthTestStack,
  testApp,
  testConfig,
} from './stack-factory.js';

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
      const { template } = sharedTestStack();

      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({
          Input: Match.serializedJson({
            scheduledAt: '<aws.scheduler.scheduled-time>',
            source: 'tickfan.schedule',
          }),
        }),
      });
    });

    it('retries a failed delivery for one tick period, then parks it in an encrypted dead-letter queue', () => {
      const { stack, template } = sharedTestStack();
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

    it('gives up a delivery after one tick period of a slower schedule', () => {
      const { template } = synthTestStack({
        config: testConfig({
          schedule: { expression: 'rate(15 minutes)' },
          symbols: [{ symbol: 'LTC/BTC', timeframe: '15m' }],
        }),
      });

      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({
          RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 900 }),
        }),
      });
    });

    it('lets Scheduler invoke the fan-out function itself and nothing else', () => {
      const { stack, template } = sharedTestStack();
      const schedulerPolicies = Object.values(
        template.findResources('AWS::IAM::Policy', {
          Properties: { PolicyName: Match.stringLikeRegexp('^SchedulerRoleForTarget') },
        }),
      );
      const statements = schedulerPolicies.flatMap((p) => p.Properties.PolicyDocument.Statement);

      expect(statements).toContainEqual({
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(stack, stack.fanOutFunction.function), 'Arn'] },
      });
      expect(JSON.stringify(statements)).not.toContain(':*');
    });

    it('parks a fan-out that failed all its Lambda retries in the same dead-letter queue', () => {
      const { stack, template } = sharedTestStack();

      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(stack, stack.fanOutFunction.function) },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 300,
        DestinationConfig: {
          OnFailure: {
            Destination: {
              'Fn::GetAtt': [logicalId(stack, stack.tickSchedule.deadLetterQueue), 'Arn'],
            },
          },
        },
      });
      template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    });
  });

  describe('symbol queue', () => {
    it('is a FIFO queue with explicit deduplication ids, encrypted, kept 4 days', () => {
      const { stack, template } = sharedTestStack();

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

    it('redrives after 3 receives when the config does not say', () => {
      const raw = rawConfig();
      const { queue: _omitted, ...withoutQueue } = raw;
      const { stack, template } = synthTestStack({ config: parseConfig(withoutQueue) });

      const queue =
        template.findResources('AWS::SQS::Queue')[logicalId(stack, stack.symbolQueue.queue)];
      expect(queue?.Properties?.RedrivePolicy?.maxReceiveCount).toBe(3);
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
      const { stack, template } = sharedTestStack();
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
        ['fan-out', 12, 1024],
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

    it('hands each function the config layer, whose file parses back to the same config', () => {
      const { stack, template, config } = sharedTestStack();
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      const layer = logicalId(stack, stack.configLayer.layer);

      expect(functions).toHaveLength(3);
      for (const fn of functions) {
        expect(fn.Properties.Layers).toEqual([{ Ref: layer }]);
        expect(fn.Properties.Environment.Variables).toMatchObject({
          TICKFAN_CONFIG_FILE: '/opt/tickfan/config.json',
          NODE_OPTIONS: '--enable-source-maps',
        });
        expect(fn.Properties.Environment.Variables).not.toHaveProperty('TICKFAN_CONFIG');
      }
      expect(parseConfig(JSON.parse(readFileSync(stack.configLayer.file, 'utf8')))).toEqual(config);
      template.hasResourceProperties('AWS::Lambda::LayerVersion', {
        CompatibleArchitectures: ['arm64'],
        Description: Match.stringLikeRegexp('^tickfan config: 2 symbols on binance'),
      });
    });

    describe.each(['dev', 'prod'])('in stage %s', (stage) => {
      it(`emits metrics to the namespace tickfan/${stage} under each function's service name`, () => {
        const { template } = synthTestStack({ stage });

        for (const [name, service] of [
          ['trade', 'tickfan-trade'],
          ['fan-out', 'tickfan-fan-out'],
        ] as const) {
          template.hasResourceProperties('AWS::Lambda::Function', {
            Description: Match.stringLikeRegexp(`^tickfan ${name}:`),
            Environment: {
              Variables: Match.objectLike({
                POWERTOOLS_METRICS_NAMESPACE: `tickfan/${stage}`,
                POWERTOOLS_SERVICE_NAME: service,
              }),
            },
          });
        }
      });
    });

    it('tells the fan-out function the state table and the queue, and the trade function both tables and the queue', () => {
      const { stack, template } = sharedTestStack();
      const table = { Ref: logicalId(stack, stack.stateTable.table) };
      const idempotency = { Ref: logicalId(stack, stack.idempotencyTable.table) };
      const queue = { Ref: logicalId(stack, stack.symbolQueue.queue) };

      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^tickfan fan-out:'),
        Environment: {
          Variables: Match.objectLike({
            TICKFAN_TABLE_NAME: table,
            TICKFAN_QUEUE_URL: queue,
            TICKFAN_IDEMPOTENCY_TABLE_NAME: Match.absent(),
          }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^tickfan trade:'),
        Environment: {
          Variables: Match.objectLike({
            TICKFAN_TABLE_NAME: table,
            TICKFAN_IDEMPOTENCY_TABLE_NAME: idempotency,
            TICKFAN_DLQ_URL: { Ref: logicalId(stack, stack.symbolQueue.deadLetterQueue) },
            // The queue it consumes: a failed tick's message is brought back early on it.
            TICKFAN_QUEUE_URL: queue,
          }),
        },
      });
    });

    it('lets the trade function send to the dead-letter queue, where it parks poison messages', () => {
      const { stack, template } = sharedTestStack();
      const dlqArn = { 'Fn::GetAtt': [logicalId(stack, stack.symbolQueue.deadLetterQueue), 'Arn'] };
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(stack, stack.tradeFunction.role) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['sqs:SendMessage']),
              Resource: dlqArn,
            }),
          ]),
        },
      });
    });

    it('gives each function a role of its own with no AWS managed policy', () => {
      const { stack, template } = sharedTestStack();

      for (const fn of [stack.tradeFunction, stack.fanOutFunction]) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Description: Match.stringLikeRegexp(
            `^tickfan ${fn === stack.tradeFunction ? 'trade' : 'fan-out'}:`,
          ),
          Role: { 'Fn::GetAtt': [logicalId(stack, fn.role), 'Arn'] },
        });
      }
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });

    it('lets each function write its own log group and no other', () => {
      const { stack, template } = sharedTestStack();

      for (const fn of [stack.tradeFunction, stack.fanOutFunction]) {
        const logStatements = statementsOf(template, stack, fn.role).filter((s) =>
          JSON.stringify(s.Action).includes('logs:'),
        );
        expect(logStatements).toEqual([
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalId(stack, fn.logGroup), 'Arn'] },
          },
        ]);
      }
    });

    it('lets the fan-out function read the state table and send to the queue, nothing more', () => {
      const { stack, template } = sharedTestStack();
      const statements = statementsOf(template, stack, stack.fanOutFunction.role);
      const onTable = statements.filter(
        (s) =>
          JSON.stringify(s.Resource) ===
          JSON.stringify([{ 'Fn::GetAtt': [logicalId(stack, stack.stateTable.table), 'Arn'] }]),
      );

      expect(actionsOf(onTable).sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(actionsOf(statements)).toContain('sqs:SendMessage');
      expect(JSON.stringify(statements)).not.toContain(
        logicalId(stack, stack.idempotencyTable.table),
      );
    });

    it('lets the trade function write the state table and use the idempotency table, never scan', () => {
      const { stack, template } = sharedTestStack();
      const statements = statementsOf(template, stack, stack.tradeFunction.role);
      const on = (construct: Parameters<typeof logicalId>[1]) =>
        actionsOf(
          statements.filter((s) =>
            JSON.stringify(s.Resource).includes(logicalId(stack, construct)),
          ),
        ).sort();

      expect(on(stack.stateTable.table)).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(on(stack.idempotencyTable.table)).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      // It sends to its dead-letter queue only, never to the symbol queue it consumes.
      const sends = statements.filter((s) => actionsOf([s]).includes('sqs:SendMessage'));
      expect(sends.map((s) => JSON.stringify(s.Resource))).toEqual([
        JSON.stringify({
          'Fn::GetAtt': [logicalId(stack, stack.symbolQueue.deadLetterQueue), 'Arn'],
        }),
      ]);
    });

    it('lets the trade function change the visibility of the messages it receives, on its own queue only', () => {
      const { stack, template } = sharedTestStack();
      const statements = statementsOf(template, stack, stack.tradeFunction.role);

      const changes = statements.filter((s) =>
        actionsOf([s]).includes('sqs:ChangeMessageVisibility'),
      );
      expect(changes.map((s) => JSON.stringify(s.Resource))).toEqual([
        JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.symbolQueue.queue), 'Arn'] }),
      ]);
    });

    it('warns at synth when a retry after an attempt that ran to its timeout would be stale', () => {
      const oneMinute = synthTestStack({
        config: testConfig({
          schedule: { expression: 'rate(1 minute)' },
          symbols: [{ symbol: 'ETH/BTC', timeframe: '1m' }],
        }),
      });

      Annotations.fromStack(oneMinute.stack).hasWarning(
        '/tickfan-dev/TradeFunction',
        Match.stringLikeRegexp(
          '40000 ms trade function timeout arrives 45000 ms .* 30000 ms stale',
        ),
      );
      Annotations.fromStack(sharedTestStack().stack).hasNoWarning(
        '*',
        Match.stringLikeRegexp('stale limit'),
      );
    });

    it('gives each function its own log group with a retention', () => {
      const { stack, template } = sharedTestStack();

      for (const [fn, name] of [
        [stack.tradeFunction, 'trade'],
        [stack.fanOutFunction, 'fan-out'],
        [stack.marketsFunction, 'markets'],
      ] as const) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Description: Match.stringLikeRegexp(`^tickfan ${name}:`),
          LoggingConfig: { LogGroup: { Ref: logicalId(stack, fn.logGroup) } },
        });
      }
      template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 3);
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

    it('warns at synth when fewer concurrency slots than symbols let a hung symbol delay others', () => {
      const symbols = ['LTC/BTC', 'ETH/BTC', 'XLM/BTC'].map((symbol) => ({
        symbol,
        timeframe: '5m',
      }));

      const narrow = synthTestStack({
        config: testConfig({ symbols, queue: { maxConcurrency: 2 } }),
      });
      const wide = synthTestStack({
        config: testConfig({ symbols, queue: { maxConcurrency: 3 } }),
      });

      Annotations.fromStack(narrow.stack).hasWarning(
        '/tickfan-dev/TradeFunction',
        Match.stringLikeRegexp('queue.maxConcurrency is 2 for 3 enabled symbols.*at least 3'),
      );
      Annotations.fromStack(wide.stack).hasNoWarning('*', Match.stringLikeRegexp('maxConcurrency'));
    });

    it('keeps every function environment far below 4 KB with a 1,000-symbol config', () => {
      const symbols = Array.from({ length: 1000 }, (_, i) => ({
        symbol: `C${String(i).padStart(4, '0')}/BTC`,
        timeframe: '5m',
        params: { fast: 10, slow: 30 },
      }));
      const config = testConfig({
        symbols,
        queue: { maxConcurrency: 50 },
        exchange: { id: 'binance', mode: 'live', secretName: 'tickfan/binance' },
        network: { staticEgressIp: true },
        notifications: {
          webhooks: [{ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x' }],
        },
      });
      const { stack, template } = synthTestStack({ config });
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));

      // trade, markets, fan-out, notifier
      expect(functions).toHaveLength(4);
      for (const fn of functions) {
        const bytes = environmentBytes(fn.Properties.Environment.Variables);
        expect(bytes).toBeLessThan(2048);
      }
      expect(
        parseConfig(JSON.parse(readFileSync(stack.configLayer.file, 'utf8'))).symbols,
      ).toHaveLength(1000);
    });
  });

  describe('tables', () => {
    it('keeps state under pk/sk strings, on demand, with PITR, AWS-managed encryption and TTL', () => {
      const { stack, template } = sharedTestStack();

      expect(
        template.findResources('AWS::DynamoDB::Table')[logicalId(stack, stack.stateTable.table)]
          ?.Properties,
      ).toMatchObject({
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

    it('keeps idempotency records under Powertools defaults: key id, TTL expiration', () => {
      const { stack, template } = sharedTestStack();

      expect(
        template.findResources('AWS::DynamoDB::Table')[
          logicalId(stack, stack.idempotencyTable.table)
        ]?.Properties,
      ).toEqual({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        DeletionProtectionEnabled: false,
      });
      template.resourceCountIs('AWS::DynamoDB::Table', 2);
    });

    describe.each([
      { stage: 'dev', policy: 'Delete', protection: false },
      { stage: 'prod', policy: 'Retain', protection: true },
      { stage: 'staging', policy: 'Retain', protection: true },
    ])('in stage $stage', ({ stage, policy, protection }) => {
      it(`has deletion policy ${policy} on tables, logs and the alarm key`, () => {
        const { template } = synthTestStack({ stage });

        template.allResources('AWS::DynamoDB::Table', {
          DeletionPolicy: policy,
          UpdateReplacePolicy: policy,
          Properties: Match.objectLike({ DeletionProtectionEnabled: protection }),
        });
        template.resourceCountIs('AWS::DynamoDB::Table', 2);
        template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: policy });
        template.allResources('AWS::KMS::Key', { DeletionPolicy: policy });
      });
    });
  });

  describe('exchange secret', () => {
    it('lets the trade function alone read the configured secret in live mode', () => {
      const { stack, template } = synthTestStack({ config: liveConfig() });
      const secretArn = `:secret:${liveSecretName}-??????`;

      const trade = statementsOf(template, stack, stack.tradeFunction.role);
      const read = trade.filter((s) => JSON.stringify(s.Action).includes('secretsmanager:'));
      expect(read).toHaveLength(1);
      expect(actionsOf(read).sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
      expect(JSON.stringify(read[0]?.Resource)).toContain(secretArn);

      const others = Object.values(template.findResources('AWS::IAM::Policy')).filter(
        (p) =>
          JSON.stringify(p.Properties.Roles) !==
          JSON.stringify([{ Ref: logicalId(stack, stack.tradeFunction.role) }]),
      );
      expect(JSON.stringify(others)).not.toContain('secretsmanager');
      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    });

    it('tells only the trade function the secret name in live mode', () => {
      const { template } = synthTestStack({ config: liveConfig() });

      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^tickfan trade:'),
        Environment: {
          Variables: Match.objectLike({ TICKFAN_SECRET_NAME: liveSecretName }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^tickfan fan-out:'),
        Environment: { Variables: Match.objectLike({ TICKFAN_SECRET_NAME: Match.absent() }) },
      });
    });

    it('has no secret, no secret grant and no secret name in paper mode', () => {
      const { stack, template } = sharedTestStack();

      expect(stack.exchangeSecret).toBeUndefined();
      expect(JSON.stringify(template.toJSON())).not.toMatch(/secretsmanager|TICKFAN_SECRET_NAME/);
    });
  });

  describe('stages', () => {
    it('names stacks, dashboards, alarms and metric namespaces after the stage', () => {
      // Both stages in one app, as two `cdk deploy -c stage=...` would place them in one account.
      const app = testApp();
      const config = testConfig();
      const stacks = (['dev', 'prod'] as const).map(
        (stage) => [new TickfanStack(app, stackNameFor(stage), { config, stage }), stage] as const,
      );

      expect(stacks.map(([stack]) => stack.stackName)).toEqual(['tickfan-dev', 'tickfan-prod']);
      for (const [stack, stage] of stacks) {
        const template = Template.fromStack(stack);
        template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
          DashboardName: {
            'Fn::Join': ['', [`tickfan-${stage}-`, { Ref: 'AWS::Region' }]],
          },
        });
        template.allResourcesProperties('AWS::CloudWatch::Alarm', {
          AlarmName: Match.stringLikeRegexp(`^tickfan-${stage}-[A-Z]`),
        });
        template.hasOutput(StackOutputKeys.MetricNamespace, { Value: `tickfan/${stage}` });
      }
    });

    it('leaves every other physical name to CloudFormation, which prefixes the stack name', () => {
      const { template } = sharedTestStack();

      for (const [type, name] of [
        ['AWS::DynamoDB::Table', 'TableName'],
        ['AWS::SQS::Queue', 'QueueName'],
        ['AWS::Lambda::Function', 'FunctionName'],
        ['AWS::Logs::LogGroup', 'LogGroupName'],
        ['AWS::Scheduler::Schedule', 'Name'],
        ['AWS::SNS::Topic', 'TopicName'],
        ['AWS::IAM::Role', 'RoleName'],
      ] as const) {
        template.allResourcesProperties(type, { [name]: Match.absent() });
      }
      template.allResourcesProperties('AWS::Scheduler::Schedule', { GroupName: Match.absent() });
    });
  });

  describe('outputs', () => {
    it('names the functions, queues, tables, dashboard and alarm topic, without exports', () => {
      const { stack, template } = sharedTestStack();
      const ref = (construct: Parameters<typeof logicalId>[1]) => ({
        Ref: logicalId(stack, construct),
      });

      for (const [id, value] of [
        ['TradeFunctionName', ref(stack.tradeFunction.function)],
        ['FanOutFunctionName', ref(stack.fanOutFunction.function)],
        ['MarketsFunctionName', ref(stack.marketsFunction.function)],
        ['QueueUrl', ref(stack.symbolQueue.queue)],
        ['DeadLetterQueueUrl', ref(stack.symbolQueue.deadLetterQueue)],
        ['ScheduleDeadLetterQueueUrl', ref(stack.tickSchedule.deadLetterQueue)],
        ['StateTableName', ref(stack.stateTable.table)],
        ['IdempotencyTableName', ref(stack.idempotencyTable.table)],
        ['AlarmTopicArn', ref(stack.alarmTopic.topic)],
        ['MetricNamespace', 'tickfan/dev'],
      ] as const) {
        template.hasOutput(id, { Value: value, Export: Match.absent() });
      }
      template.hasOutput('DashboardUrl', { Export: Match.absent() });
      const url = JSON.stringify(template.findOutputs('DashboardUrl'));
      expect(url).toContain('.console.aws.amazon.com/cloudwatch/home?region=');
      expect(url).toContain('#dashboards:name=tickfan-dev-');
    });

    it('declares exactly the outputs the remote commands read', () => {
      const { template } = sharedTestStack();

      expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
        Object.keys(StackOutputKeys).sort(),
      );
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

/**
 * The bytes Lambda counts for a function's environment (names and values), a value the template
 * takes from another resource (a table name, a queue URL) counted as 256 bytes, more than any of
 * them becomes once deployed.
 */
function environmentBytes(variables: Record<string, unknown>): number {
  return Object.entries(variables).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : 256),
    0,
  );
}
