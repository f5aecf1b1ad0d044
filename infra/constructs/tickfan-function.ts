import { join } from 'node:path';
import { type Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  LogLevel,
  NodejsFunction,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BotConfig } from '../../lib/config/schema.js';
import { serviceNames } from '../../lib/metrics/catalogue.js';
import {
  bundleOptions,
  type HandlerName,
  handlerEntry,
  repoRoot,
  type TickfanBundleOptions,
} from '../bundling.js';
import type { ConfigLayer } from './config-layer.js';

/**
 * The newest Node.js runtime aws-cdk-lib 2.276 knows, named explicitly. `Runtime.NODEJS_LATEST`
 * (also nodejs24.x today) would change the runtime on a library upgrade nobody reviewed, and
 * NodejsFunction warns that runtime-provided externals such as the AWS SDK may vanish with it.
 */
export const functionRuntime = Runtime.NODEJS_24_X;

/** Maps the shared esbuild options onto NodejsFunction's bundling props. */
export function cdkBundling(options: TickfanBundleOptions = bundleOptions()): BundlingOptions {
  return {
    format: options.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
    target: options.target,
    minify: options.minify,
    sourceMap: options.sourcemap,
    mainFields: options.mainFields,
    banner: options.banner.js,
    externalModules: options.external,
    // esbuild's per-file size table on every synth is noise; warnings and errors still print.
    logLevel: LogLevel.WARNING,
    // NodejsFunction has no alias prop; `--alias` is passed as `--alias:from=to`.
    esbuildArgs: {
      '--alias': Object.entries(options.alias).map(([from, to]) => `${from}=${to}`),
    },
  };
}

/** Settings every tickfan function shares; the stack passes them to each function construct. */
export interface TickfanFunctionCommonProps {
  /** The validated bot config (the bundle is built for its exchange). */
  readonly config: BotConfig;
  /** The layer holding the config file each handler reads at cold start. */
  readonly configLayer: ConfigLayer;
  /** What happens to the function's log group when it leaves the stack. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** CloudWatch namespace of the stage's metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metricNamespace: string;
}

/** Where a function runs inside a VPC: the subnets its network interfaces sit in, and their groups. */
export interface FunctionNetwork {
  readonly vpc: IVpc;
  readonly vpcSubnets: SubnetSelection;
  readonly securityGroups: readonly ISecurityGroup[];
}

export interface TickfanFunctionProps extends TickfanFunctionCommonProps {
  /** The handler file under `functions/`. */
  readonly handlerName: HandlerName;
  /** The export of that file the function runs; default `handler`. */
  readonly exportName?: string;
  /** Powertools service name; default the handler file's (`serviceNames`). */
  readonly serviceName?: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** A VPC to run in (the fixed egress IP's); without it the function runs in Lambda's network. */
  readonly network?: FunctionNetwork;
}

/**
 * DynamoDB actions per kind of access, listed rather than taken from `grantReadWriteData`, which
 * also hands out Scan, BatchWriteItem and the stream reads that no tickfan code performs.
 * - `read`: single reads, key queries and batched reads of control and health items.
 * - `readWrite`: plus the single-item conditional writes and deletes the state store, the
 *   paper broker and the shared rate budget make (never transactions: see DESIGN.md).
 * - `idempotency`: exactly what Powertools' `DynamoDBPersistenceLayer` calls.
 */
export const tableActions = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
  idempotency: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
  /**
   * The markets refresh: its symbols' stored rules and the positions of pairs leaving the volume
   * selection read in batches, the changed rules written; the selection read and written whole.
   */
  markets: [
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
  ],
} as const satisfies Record<string, readonly string[]>;

export type TableAccess = keyof typeof tableActions;

/** How cdk-nag spells the network-interface wildcard of {@link TickfanFunction}'s VPC statements. */
const anyInterfaceFinding =
  'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*';

/** Environment variables the handlers read their resources from (see lib/config/env.ts). */
export const FunctionEnvNames = {
  TableName: 'TICKFAN_TABLE_NAME',
  IdempotencyTableName: 'TICKFAN_IDEMPOTENCY_TABLE_NAME',
  QueueUrl: 'TICKFAN_QUEUE_URL',
  DeadLetterQueueUrl: 'TICKFAN_DLQ_URL',
  SecretName: 'TICKFAN_SECRET_NAME',
} as const;

/**
 * A tickfan Lambda function: an esbuild ESM bundle of one handler on the newest Node.js runtime,
 * arm64, with its own log group, the config layer and the Powertools settings in its environment.
 * Its role starts empty but for writing to its own log group (no AWS managed policy);
 * {@link bindTable}, {@link bindQueue} and {@link bindSecret} grant access and set the environment
 * variable the handler reads in one step.
 */
export class TickfanFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: LogGroup;
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: TickfanFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });
    // In place of AWSLambdaBasicExecutionRole, which may write to every log group in the account.
    const serviceName = props.serviceName ?? serviceNames[props.handlerName];
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${serviceName}: its own log group plus what the stack binds`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.handlerName, props.config.exchange.id),
      handler: props.exportName ?? 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      description: props.description,
      runtime: functionRuntime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      vpc: props.network?.vpc,
      vpcSubnets: props.network?.vpcSubnets,
      securityGroups: props.network === undefined ? undefined : [...props.network.securityGroups],
      layers: [props.configLayer.layer],
      environment: {
        ...props.configLayer.environment,
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricNamespace,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: cdkBundling(),
    });
    if (props.network !== undefined) this.allowNetworkInterfaces(props.network);
    // The role's log policy must exist before the function first runs and logs, and its network
    // interface statements before Lambda attaches the function to the VPC (and until it detaches).
    this.function.node.addDependency(this.role);
  }

  /**
   * What Lambda asks of the function's role to attach it to a VPC: the actions of
   * AWSLambdaVPCAccessExecutionRole without its account-wide log permissions, each scoped as far
   * as EC2 allows. The role's code can use them too, hence: new interfaces only in the function's
   * subnets and groups, and deletes only of network interfaces in this account and region.
   */
  private allowNetworkInterfaces(network: FunctionNetwork): void {
    const stack = Stack.of(this);
    const ec2Arn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'ec2', resource, resourceName });
    const anyInterface = ec2Arn('network-interface', '*');
    const subnetIds = network.vpc.selectSubnets(network.vpcSubnets).subnetIds;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        resources: ['*'],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [
          anyInterface,
          ...subnetIds.map((id) => ec2Arn('subnet', id)),
          ...network.securityGroups.map((group) => ec2Arn('security-group', group.securityGroupId)),
        ],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: [anyInterface],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which Lambda needs to attach the ' +
        'function to its VPC, support no resource-level permissions: EC2 only allows them on "*"',
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${anyInterfaceFinding}]`,
      reason:
        'Lambda creates and deletes the network interfaces itself, so their ids are unknown ' +
        'when the role is written; they are limited to this account and region, and new ones ' +
        "to the function's subnets and security groups",
    });
  }

  /**
   * Grants `access` to a table and tells the handler its name in `envName`
   * (`TICKFAN_TABLE_NAME` unless given).
   */
  bindTable(
    table: ITable,
    access: TableAccess,
    envName: string = FunctionEnvNames.TableName,
  ): this {
    table.grant(this.function, ...tableActions[access]);
    this.function.addEnvironment(envName, table.tableName);
    return this;
  }

  /** Lets the handler send to the queue and tells it the URL (`TICKFAN_QUEUE_URL`). */
  bindQueue(queue: IQueue, envName: string = FunctionEnvNames.QueueUrl): this {
    queue.grantSendMessages(this.function);
    this.function.addEnvironment(envName, queue.queueUrl);
    return this;
  }

  /**
   * Lets the handler read the secret (GetSecretValue, DescribeSecret on that secret only) and
   * tells it the secret's name (`TICKFAN_SECRET_NAME`).
   */
  bindSecret(secret: ISecret): this {
    secret.grantRead(this.function);
    this.function.addEnvironment(FunctionEnvNames.SecretName, secret.secretName);
    return this;
  }
}
