import { readFileSync } from 'node:fs';
import { type BotConfig, parseConfig } from './schema.js';

/**
 * The one module that reads the process environment of a deployed function. Handlers call
 * {@link readFunctionEnv} once per cold start; nothing else they reach touches `process.env`.
 * It holds only what the stack sets: the local runtime's own wiring (simulator URL, simulated
 * clock, faults) enters through its own entries under `lib/local/entries/`, never here.
 */
export interface FunctionEnv {
  readonly config: BotConfig;
  readonly tableName: string;
  /** SQS queue of symbol ticks: the fan-out sends to it, the trade function retries on it. */
  readonly queueUrl?: string;
  /** Powertools idempotency records of symbol ticks (trade only). */
  readonly idempotencyTableName?: string;
  /** Secrets Manager secret with the exchange API keys (trade only, live mode). */
  readonly secretName?: string;
  /** Dead-letter queue for poison messages (trade only). */
  readonly deadLetterQueueUrl?: string;
  /** SNS topic trade events are published to (trade only); none when nobody is told. */
  readonly notificationTopicArn?: string;
  /**
   * Lambda's handler setting (`_HANDLER`, e.g. `index.refresh`): which export of a bundle this
   * function runs, where one bundle serves two functions (trade and markets).
   */
  readonly handler?: string;
}

/** The variable naming the file that holds the bot config as JSON. */
export const configFileEnvName = 'TICKFAN_CONFIG_FILE';

/**
 * Where a deployed function's config file is: the stack's config layer, which Lambda mounts
 * under `/opt`. The config is not in the environment, whose 4 KB hold about 25 symbols.
 */
export const deployedConfigPath = '/opt/tickfan/config.json';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Reads and validates the config file that `TICKFAN_CONFIG_FILE` names; one line on failure. */
function readConfig(env: NodeJS.ProcessEnv): BotConfig {
  const path = required(env, configFileEnvName);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read the tickfan config ${path} (${configFileEnvName}): ${reason}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`the tickfan config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, path);
}

/** Reads and validates the function's environment; throws naming a missing or bad variable. */
export function readFunctionEnv(env: NodeJS.ProcessEnv = process.env): FunctionEnv {
  return {
    config: readConfig(env),
    tableName: required(env, 'TICKFAN_TABLE_NAME'),
    queueUrl: env.TICKFAN_QUEUE_URL || undefined,
    deadLetterQueueUrl: env.TICKFAN_DLQ_URL || undefined,
    idempotencyTableName: env.TICKFAN_IDEMPOTENCY_TABLE_NAME || undefined,
    secretName: env.TICKFAN_SECRET_NAME || undefined,
    notificationTopicArn: env.TICKFAN_NOTIFICATION_TOPIC_ARN || undefined,
    handler: env._HANDLER || undefined,
  };
}

/** The notifier function's environment: only the bot config, for its webhooks. */
export function readNotifierEnv(env: NodeJS.ProcessEnv = process.env): Pick<FunctionEnv, 'config'> {
  return { config: readConfig(env) };
}
