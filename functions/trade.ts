import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CcxtExchange, createBinanceClient } from '../lib/adapters/ccxt-exchange.js';
import { DynamoStateStore } from '../lib/adapters/dynamo-state-store.js';
import { eventLoopDelay } from '../lib/adapters/event-loop-delay.js';
import { PaperBroker } from '../lib/adapters/paper-broker.js';
import { PowertoolsMetrics } from '../lib/adapters/powertools-metrics.js';
import { readExchangeKeys } from '../lib/adapters/secrets-manager-keys.js';
import { SqsDeadLetters } from '../lib/adapters/sqs-dead-letters.js';
import { SystemClock } from '../lib/adapters/system-clock.js';
import { clockOffsetMs, readFunctionEnv } from '../lib/config/env.js';
import type { SymbolConfig } from '../lib/config/schema.js';
import { type DirectInvocation, parseDirectInvocation } from '../lib/domain/direct-invocation.js';
import { createStrategy } from '../lib/domain/strategies/registry.js';
import { type TickResult, tickId } from '../lib/domain/tick.js';
import { PoisonMessageError, parseTickMessage } from '../lib/domain/tick-message.js';
import { blockingStrategy } from '../lib/local/faults/blocking-strategy.js';
import { serviceNames } from '../lib/metrics/catalogue.js';
import type { Broker } from '../lib/ports/broker.js';
import {
  processSymbolTick,
  TickFailedError,
  type TradeDeps,
  UnknownSymbolError,
} from '../lib/use-cases/process-symbol-tick.js';

const env = readFunctionEnv();
const logger = new Logger({ serviceName: serviceNames.trade });
const metrics = new Metrics({ serviceName: serviceNames.trade });
const metricsSink = new PowertoolsMetrics(metrics);
const clock = new SystemClock(() => clockOffsetMs());
const live = env.config.exchange.mode === 'live';
const exchange = new CcxtExchange({
  // Live keys come from Secrets Manager at cold start, straight into the client: never into
  // the environment, a log line or an error message.
  exchange: createBinanceClient({
    url: env.exchangeUrl,
    ...(live ? await readExchangeKeys(liveSecretName()) : {}),
  }),
  clock,
});
// Markets load during init, not in the first tick's budget; at most 2 of the 10 s Lambda allows
// for init. A failed load is made again by the first tick.
if (!(await exchange.prime(Math.min(env.config.timeouts.exchangeCallMs, 2_000)))) {
  logger.warn('markets not loaded at cold start; the first tick loads them');
}
const store = new DynamoStateStore({ tableName: env.tableName, clock });
const deadLetters =
  env.deadLetterQueueUrl === undefined
    ? undefined
    : new SqsDeadLetters({ queueUrl: env.deadLetterQueueUrl });
const deps: TradeDeps = {
  market: exchange,
  broker: chooseBroker(),
  store,
  clock,
  metrics: metricsSink,
  config: env.config,
  ...(env.blockSymbols.length > 0 ? { strategyFor } : {}),
};
const processor = new SqsFifoPartialProcessorAsync();
if (env.idempotencyTableName === undefined) {
  throw new Error('environment variable TICKFAN_IDEMPOTENCY_TABLE_NAME is not set');
}
const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'tickId',
  // Long enough to cover every redelivery SQS can make of one tick message.
  expiresAfterSeconds: 24 * 3600,
  responseHook: (response) => {
    metricsSink.add('DuplicateDeliveries', 1);
    logger.info('duplicate delivery answered with the recorded tick result');
    return response;
  },
});

/** One symbol tick as the idempotency layer sees it: keyed on `tickId` (symbol + scheduled time). */
interface TickRequest {
  readonly tickId: string;
  readonly symbol: string;
  readonly scheduledAt: number;
  readonly attempt: number;
}

/**
 * Runs a tick at most once per `tickId`: a redelivered message gets the recorded result, and a
 * concurrent duplicate is refused (IdempotencyAlreadyInProgressError) and retried later. A tick
 * that throws leaves no record, so its retry runs again.
 */
const runTickOnce = makeIdempotent(
  async (request: TickRequest, context: Context): Promise<TickResult> =>
    runTick(request, context, request.attempt),
  {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: env.idempotencyTableName }),
    config: idempotencyConfig,
  },
);

function tickRequest(tick: { symbol: string; scheduledAt: number }, attempt: number): TickRequest {
  return { tickId: tickId(tick), symbol: tick.symbol, scheduledAt: tick.scheduledAt, attempt };
}

function liveSecretName(): string {
  const name = env.secretName ?? env.config.exchange.secretName;
  if (name === undefined) throw new Error('live mode needs exchange.secretName');
  return name;
}

/**
 * Orders go to the exchange only in live mode, and to the paper broker otherwise. The local
 * runtime sends them to its exchange simulator (`TICKFAN_BROKER=exchange`), which holds no money.
 */
function chooseBroker(): Broker {
  if (live) return exchange;
  if (env.broker === 'exchange') {
    if (env.exchangeUrl === undefined) {
      throw new Error(
        'TICKFAN_BROKER=exchange needs TICKFAN_EXCHANGE_URL (a simulator, never a real account)',
      );
    }
    return exchange;
  }
  return new PaperBroker({
    tableName: env.tableName,
    feeRate: env.config.paper.feeRate,
    balances: env.config.paper.balances,
  });
}

/** Fault runs only: the symbols named by `--fault block:SYMBOL` get a strategy that blocks. */
function strategyFor(symbol: SymbolConfig) {
  const strategy = createStrategy(symbol.strategy, symbol.params);
  const blocked = env.blockSymbols.includes('*') || env.blockSymbols.includes(symbol.symbol);
  return blocked ? blockingStrategy(strategy) : strategy;
}

async function runTick(
  tick: { symbol: string; scheduledAt: number },
  context: Context,
  attempt = 1,
): Promise<TickResult> {
  const result = await processSymbolTick(deps, {
    tick,
    attempt,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  if (result.order) logger.appendKeys({ clientOrderId: result.order.clientOrderId });
  logger.info('tick done', { tickResult: result });
  return result;
}

async function handleRecord(record: SQSRecord, context: Context): Promise<TickResult | undefined> {
  logger.appendKeys({ messageId: record.messageId });
  try {
    const tick = parseTickMessage(record.body);
    logger.appendKeys({
      symbol: tick.symbol,
      tickId: `${tick.symbol}#${new Date(tick.scheduledAt).toISOString()}`,
    });
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    return await runTickOnce(tickRequest(tick, attempt), context);
  } catch (error) {
    if (!(error instanceof PoisonMessageError || error instanceof UnknownSymbolError)) {
      // The message stays in the queue and is retried after its visibility timeout.
      logger.error('tick failed', error as Error);
      throw error;
    }
    // Retrying cannot fix this message: park it with the reason and let the batch go on.
    if (deadLetters === undefined) throw error;
    await deadLetters.deadLetter(
      {
        messageId: record.messageId,
        body: record.body,
        ...(record.attributes.MessageGroupId ? { groupId: record.attributes.MessageGroupId } : {}),
      },
      error.message,
    );
    metricsSink.add('PoisonMessages', 1);
    logger.error('poison message dead-lettered', { reason: error.message });
    return undefined;
  }
}

async function handleDirect(event: DirectInvocation, context: Context): Promise<TickResult> {
  const tick = parseDirectInvocation(event, env.config, clock.now());
  logger.appendKeys({ symbol: tick.symbol });
  try {
    return await runTickOnce(tickRequest(tick, 1), context);
  } catch (error) {
    // A person invoking one symbol wants the failed tick's result, not a retry.
    if (error instanceof TickFailedError) return error.result;
    throw error;
  }
}

function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}

/** The trade function: an SQS batch of symbol ticks, or a direct `{ symbol, at? }` invocation. */
export const handler = middy<SQSEvent | DirectInvocation, SQSBatchResponse | TickResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(eventLoopDelay(metricsSink))
  .handler(async (event, context) => {
    idempotencyConfig.registerLambdaContext(context);
    return isSqsEvent(event)
      ? processPartialResponse(
          event,
          (record: SQSRecord) => handleRecord(record, context),
          processor,
          // One symbol's failure must not fail the other symbols' ticks in the batch.
          { context, skipGroupOnError: true },
        )
      : handleDirect(event, context);
  });
