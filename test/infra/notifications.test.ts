import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { notifierMaxReceiveCount } from '../../infra/constructs/notifications.js';
import { addNagChecks } from '../../infra/nag.js';
import { TickfanStack } from '../../infra/tickfan-stack.js';
import { stackNameFor } from '../../lib/config/deployment-names.js';
import { parseConfig } from '../../lib/config/schema.js';
import {
  actionsOf,
  logicalId,
  rawConfig,
  removeTestAssemblies,
  statementsOf,
  synthTestStack,
  testApp,
} from './stack-factory.js';

afterAll(removeTestAssemblies);

const notifying = parseConfig(
  {
    ...rawConfig(),
    notifications: {
      emails: ['ops@example.com', 'oncall@example.com'],
      webhooks: [
        { kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x' },
        { kind: 'discord', secretName: 'tickfan/discord-webhook' },
        { kind: 'telegram', chatId: '-1001234', secretName: 'tickfan/telegram-bot' },
      ],
    },
  },
  'test config',
);

describe('notifications', () => {
  const quiet = synthTestStack();
  const loud = synthTestStack({ config: notifying });

  it('lets the trade function publish to the encrypted alarm topic, and tells it the ARN', () => {
    const { stack, template } = loud;
    const topicId = logicalId(stack, stack.alarmTopic.topic);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack, stack.alarmTopic.key), 'Arn'] },
    });
    const statements = statementsOf(template, stack, stack.tradeFunction.role);
    const publish = statements.filter((s) => actionsOf([s]).includes('sns:Publish'));
    expect(publish).toEqual([expect.objectContaining({ Resource: { Ref: topicId } })]);
    const onKey = statements.filter((s) => JSON.stringify(s.Resource).includes('AlarmTopicKey'));
    expect(actionsOf(onKey).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^tickfan trade'),
      Environment: {
        Variables: Match.objectLike({ TICKFAN_NOTIFICATION_TOPIC_ARN: { Ref: topicId } }),
      },
    });
  });

  it('subscribes each configured e-mail address to the topic', () => {
    const { stack, template } = loud;
    const topicId = logicalId(stack, stack.alarmTopic.topic);
    for (const email of ['ops@example.com', 'oncall@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: topicId },
      });
    }
    quiet.template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
  });

  it('feeds the notifier through an encrypted queue with raw delivery and its own dead-letter queue', () => {
    const { stack, template } = loud;
    const n = stack.notifications;
    if (!n.queue || !n.deadLetterQueue || !n.function) throw new Error('no notifier');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: { 'Fn::GetAtt': [logicalId(stack, n.queue), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, n.deadLetterQueue), 'Arn'] },
        maxReceiveCount: notifierMaxReceiveCount,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack, n.function) },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^tickfan notifier'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({ TICKFAN_CONFIG_FILE: '/opt/tickfan/config.json' }),
      },
    });
  });

  it('gives the notifier its queue, its log group and its webhook secrets, nothing else', () => {
    const { stack, template } = loud;
    const role = stack.notifications.role;
    if (!role) throw new Error('no notifier role');
    const statements = statementsOf(template, stack, role);
    const actions = actionsOf(statements);
    expect(actions.filter((a) => !/^(sqs|logs|secretsmanager):/.test(a))).toEqual([]);
    expect(actions).not.toContain('sqs:SendMessage');
    const secretResources = statements
      .filter((s) => actionsOf([s]).includes('secretsmanager:GetSecretValue'))
      .map((s) => JSON.stringify(s.Resource));
    expect(secretResources).toHaveLength(2);
    expect(secretResources.join()).toContain('tickfan/discord-webhook');
    expect(secretResources.join()).toContain('tickfan/telegram-bot');
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('deploys no notifier function and no queue for it when no webhook is configured', () => {
    expect(quiet.stack.notifications.function).toBeUndefined();
    quiet.template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Description: Match.stringLikeRegexp('^tickfan notifier') },
      0,
    );
    quiet.template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'sqs' }, 0);
  });

  it('passes cdk-nag with every notification part deployed, unacknowledged', () => {
    const app = testApp();
    new TickfanStack(app, stackNameFor('prod'), { config: notifying, stage: 'prod' });
    addNagChecks(app);
    expect(() => app.synth()).not.toThrow();
  });
});
