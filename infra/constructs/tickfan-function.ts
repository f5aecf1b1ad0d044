import { join } from 'node:path';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BotConfig } from '../../lib/config/schema.js';
import { metricNamespace } from '../../lib/metrics/catalogue.js';
import {
  bundleOptions,
  type HandlerName,
  handlerEntry,
  repoRoot,
  type TickfanBundleOptions,
} from '../bundling.js';

/**
 * The newest Node.js runtime aws-cdk-lib 2.276 knows, named explicitly. `Runtime.NODEJS_LATEST`
 * (also nodejs24.x today) would change the runtime on a library upgrade nobody reviewed, and
 * NodejsFunction warns that runtime-provided externals such as the AWS SDK may vanish with it.
 */
export const functionRuntime = Runtime.NODEJS_24_X;

/**
 * Powertools service name of a function: the `service` field of its log lines and the `service`
 * dimension of its metrics (the handlers pass the same name to Logger and Metrics).
 */
export function serviceNameOf(handlerName: HandlerName): string {
  return `tickfan-${handlerName}`;
}

/** Lambda allows 4 KB of environment variables per function; the config may use this much. */
export const configEnvBudgetBytes = 3072;

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
    // NodejsFunction has no alias prop; `--alias` is passed as `--alias:from=to`.
    esbuildArgs: {
      '--alias': Object.entries(options.alias).map(([from, to]) => `${from}=${to}`),
    },
  };
}

/** Settings every tickfan function shares; the stack passes them to each function construct. */
export interface TickfanFunctionCommonProps {
  /** The validated bot config, handed to the function as `TICKFAN_CONFIG`. */
  readonly config: BotConfig;
  /** What happens to the function's log group when it leaves the stack. */
  readonly logRemovalPolicy: RemovalPolicy;
}

export interface TickfanFunctionProps extends TickfanFunctionCommonProps {
  /** The handler file under `functions/`. */
  readonly handlerName: HandlerName;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
}

export type TableAccess = 'read' | 'readWrite';

/**
 * A tickfan Lambda function: an esbuild ESM bundle of one handler on the newest Node.js runtime,
 * arm64, with its own log group, the bot config and the Powertools settings in its environment.
 * Resources are bound with {@link bindTable} and {@link bindQueue}, which grant access and set
 * the environment variable the handler reads in one step.
 */
export class TickfanFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TickfanFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });

    const configJson = JSON.stringify(props.config);
    this.function = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.handlerName),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      description: props.description,
      runtime: functionRuntime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      logGroup: this.logGroup,
      environment: {
        TICKFAN_CONFIG: configJson,
        POWERTOOLS_SERVICE_NAME: serviceNameOf(props.handlerName),
        POWERTOOLS_METRICS_NAMESPACE: metricNamespace,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: cdkBundling(),
    });

    this.node.addValidation({
      validate: () => {
        const bytes = Buffer.byteLength(configJson);
        return bytes <= configEnvBudgetBytes
          ? []
          : [
              `TICKFAN_CONFIG of ${this.node.path} is ${bytes} bytes, more than the ` +
                `${configEnvBudgetBytes} bytes left for it in Lambda's 4 KB of environment variables; ` +
                'shorten the tickfan context (fewer symbols or params)',
            ];
      },
    });
  }

  /** Grants access to the state table and tells the handler its name (`TICKFAN_TABLE_NAME`). */
  bindTable(table: ITable, access: TableAccess = 'readWrite'): this {
    if (access === 'read') table.grantReadData(this.function);
    else table.grantReadWriteData(this.function);
    this.function.addEnvironment('TICKFAN_TABLE_NAME', table.tableName);
    return this;
  }

  /** Lets the handler send to the queue and tells it the URL (`TICKFAN_QUEUE_URL`). */
  bindQueue(queue: IQueue): this {
    queue.grantSendMessages(this.function);
    this.function.addEnvironment('TICKFAN_QUEUE_URL', queue.queueUrl);
    return this;
  }
}
