import { type BotConfig, parseConfig } from './schema.js';

/**
 * The one module that reads the process environment. Handlers call {@link readFunctionEnv} once
 * per cold start; nothing else touches `process.env`.
 */
export interface FunctionEnv {
  readonly config: BotConfig;
  readonly tableName: string;
  /** SQS queue of symbol ticks (fan-out only). */
  readonly queueUrl?: string;
  /** Base URL of an exchange endpoint replacing the real one (the local simulator). */
  readonly exchangeUrl?: string;
  /**
   * Where orders go: `paper` (the paper broker) or `exchange`. Unset, it follows the config's
   * mode. The local runtime sets `exchange`, because its exchange is the simulator.
   */
  readonly broker?: 'paper' | 'exchange';
  /** Powertools idempotency records of symbol ticks (trade only). */
  readonly idempotencyTableName?: string;
  /** Secrets Manager secret with the exchange API keys (trade only, live mode). */
  readonly secretName?: string;
  /** Dead-letter queue for poison messages (trade only). */
  readonly deadLetterQueueUrl?: string;
  /** Symbols whose strategy blocks its thread: fault injection, set only by the local runtime. */
  readonly blockSymbols: readonly string[];
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function readFunctionEnv(env: NodeJS.ProcessEnv = process.env): FunctionEnv {
  let raw: unknown;
  try {
    raw = JSON.parse(required(env, 'TICKFAN_CONFIG'));
  } catch (error) {
    throw new Error(`TICKFAN_CONFIG is not valid JSON: ${(error as Error).message}`);
  }
  return {
    config: parseConfig(raw, 'TICKFAN_CONFIG'),
    tableName: required(env, 'TICKFAN_TABLE_NAME'),
    queueUrl: env.TICKFAN_QUEUE_URL || undefined,
    exchangeUrl: env.TICKFAN_EXCHANGE_URL || undefined,
    broker: brokerOf(env.TICKFAN_BROKER),
    deadLetterQueueUrl: env.TICKFAN_DLQ_URL || undefined,
    idempotencyTableName: env.TICKFAN_IDEMPOTENCY_TABLE_NAME || undefined,
    secretName: env.TICKFAN_SECRET_NAME || undefined,
    blockSymbols: (env.TICKFAN_FAULT_BLOCK ?? '').split(',').filter(Boolean),
  };
}

function brokerOf(value: string | undefined): FunctionEnv['broker'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'paper' || value === 'exchange') return value;
  throw new Error(`TICKFAN_BROKER must be "paper" or "exchange" (got ${JSON.stringify(value)})`);
}

/**
 * Offset of the simulated clock from the system clock. Only the local runtime sets it, per
 * invocation, to replay history; in Lambda it is always 0.
 */
export function clockOffsetMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.TICKFAN_CLOCK_OFFSET_MS ?? 0);
  return Number.isFinite(value) ? value : 0;
}
