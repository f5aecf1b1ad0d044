import { join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BotConfig } from '../../lib/config/schema.js';
import { repoRoot } from '../bundling.js';
import type { ConfigLayer } from './config-layer.js';
import { visibilityTimeoutFactor } from './symbol-queue.js';
import { cdkBundling, functionRuntime } from './tickfan-function.js';

/** The environment variable a publisher reads the notification topic's ARN from. */
export const notificationTopicEnvName = 'TICKFAN_NOTIFICATION_TOPIC_ARN';

/** Deliveries of one topic message to the notifier before it moves to the dead-letter queue. */
export const notifierMaxReceiveCount = 5;

export interface NotificationsProps {
  readonly config: BotConfig;
  /** The layer holding the config file the notifier reads its webhooks from. */
  readonly configLayer: ConfigLayer;
  /** The one encrypted topic trade events and alarms go to (the alarm topic). */
  readonly topic: ITopic;
  /** The key the topic is encrypted with: a publisher needs it to encrypt what it sends. */
  readonly key: IKey;
  /** Functions that publish trade events to it: each may publish there and nowhere else. */
  readonly publishers: readonly LambdaFunction[];
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * Who hears about trade and health events. The trade function publishes its events to the one
 * encrypted topic the alarms notify; each configured e-mail address subscribes to it. With
 * webhooks configured, an SQS queue (with its own dead-letter queue) subscribes too, and the
 * notifier function reads it and posts each message to Slack, Discord or Telegram: a webhook that
 * fails is retried by the queue, and no trade ever waits for it.
 */
export class Notifications extends Construct {
  public readonly queue?: Queue;
  public readonly deadLetterQueue?: Queue;
  public readonly function?: NodejsFunction;
  public readonly role?: Role;
  public readonly logGroup?: LogGroup;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { topic, config } = props;
    for (const publisher of props.publishers) {
      // Listed rather than grantPublish, whose kms:GenerateDataKey* allows more than SNS uses.
      publisher.addToRolePolicy(
        new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
      );
      props.key.grant(publisher, 'kms:GenerateDataKey', 'kms:Decrypt');
      publisher.addEnvironment(notificationTopicEnvName, topic.topicArn);
    }
    for (const email of config.notifications.emails) {
      topic.addSubscription(new EmailSubscription(email));
    }
    const { webhooks } = config.notifications;
    if (webhooks.length === 0) return;

    const timeout = Duration.seconds(30);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * visibilityTimeoutFactor),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: notifierMaxReceiveCount },
    });
    // Raw delivery: the queue holds the message itself (a trade event or an alarm), no envelope.
    topic.addSubscription(new SqsSubscription(this.queue, { rawMessageDelivery: true }));

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'tickfan-notifier: its own log group, its queue and its webhook secrets',
    });
    this.logGroup.grantWrite(this.role);
    const fn = new NodejsFunction(this, 'Function', {
      entry: join(repoRoot, 'functions', 'notifier.ts'),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      description: 'tickfan notifier: posts trade events and alarms to Slack, Discord, Telegram',
      runtime: functionRuntime,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      layers: [props.configLayer.layer],
      environment: {
        ...props.configLayer.environment,
        POWERTOOLS_SERVICE_NAME: 'tickfan-notifier',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: cdkBundling(),
    });
    this.function = fn;
    fn.node.addDependency(this.role);
    fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    const secretNames = new Set(webhooks.flatMap((w) => (w.secretName ? [w.secretName] : [])));
    [...secretNames].forEach((name, i) => {
      // Referenced by name, never created: the stack cannot delete a webhook's secret.
      Secret.fromSecretNameV2(this, `WebhookSecret${i + 1}`, name).grantRead(fn);
    });
  }
}
