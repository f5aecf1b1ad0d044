import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { MarketRulesFallback } from '../adapters/ccxt-exchange.js';
import { DynamoStateStore } from '../adapters/dynamo-state-store.js';
import { eventLoopDelay } from '../adapters/event-loop-delay.js';
import { PowertoolsMetrics } from '../adapters/powertools-metrics.js';
import { describeEvent, SnsNotifier } from '../adapters/sns-notifier.js';
import { SqsDeadLetters } from '../adapters/sqs-dead-letters.js';
import { SqsMessageRetry } from '../adapters/sqs-message-retry.js';
import type { FunctionEnv } from '../config/env.js';
import type { DirectInvocation } from '../domain/direct-invocation.js';
import { createRedactor } from '../domain/redact.js';
import type { TickPair, TickResult } from '../domain/tick.js';
import { serviceNames } from '../metrics/catalogue.js';
import type { Broker } from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import type { FlushableNotifier } from '../ports/notifier.js';
import type { RateBudget, ThrottleListener } from '../ports/rate-budget.js';
import { handleTickMessage } from '../use-cases/handle-tick-message.js';
import { invokeSymbol } from '../use-cases/invoke-symbol.js';
import { processSymbolTick, type TradeDeps } from '../use-cases/process-symbol-tick.js';
import type { RecordedTickResult, TickRequest } from '../use-cases/tick-runner.js';

/**
 * Market data whose rules come from the markets store, and which tells when a symbol's were not
 * stored and every market was loaded from the exchange instead.
 */
export type TradeMarket = MarketData & {
  onMarketRulesFallback?(listener: (event: MarketRulesFallback) => void): void;
};

/** The adapters a trade handler runs on; the rest it builds from the environment. */
export interface TradeHandlerParts {
  readonly env: FunctionEnv;
  readonly clock: Clock;
  /** Candles and market rules for the decisions; no markets are loaded at the cold start. */
  readonly market: TradeMarket;
  /** Where orders go: the paper broker, or the exchange in live mode. */
  readonly broker: Broker;
  /** Values no log line may show (the exchange keys): each is written as `***`. */
  readonly secrets?: readonly string[];
  /** Where trade events go; default: the notification topic, when the stack set one. */
  readonly notifier?: FlushableNotifier;
  /**
   * The rate budget shared by every invocation on the exchange account and egress IP (the one
   * the exchange adapter reports its 429s to); none when `rateBudget.enabled` is off.
   */
  readonly budget?: RateBudget;
  /** Told of each tick of a selected pair before it runs, with the settings its message carries. */
  readonly onPairTick?: (symbol: string, pair: TickPair) => void;
}

/**
 * The log keys one SQS record appends. The batch is one invocation, so middy's `resetKeys` would
 * let a record's keys (its `clientOrderId`, say) stay on the next record's lines.
 */
const recordLogKeys = ['messageId', 'symbol', 'tickId', 'clientOrderId'];

export type TradeEvent = SQSEvent | DirectInvocation;
export type TradeResponse = SQSBatchResponse | RecordedTickResult;

/**
 * Builds the trade function's handler on `parts`: Powertools logger, metrics and idempotency, a
 * FIFO partial-batch processor that routes each SQS record through `handleTickMessage`, and a
 * direct `{ symbol, at?, rerun? }` invocation through `invokeSymbol`. The deployed entries
 * (`functions/trade-<exchange>.ts`) and the local runtime's call it with their own adapters, so
 * both run the same handler. Call it once per cold start.
 */
export async function createTradeHandler(parts: TradeHandlerParts) {
  const { env, clock } = parts;
  if (env.idempotencyTableName === undefined) {
    throw new Error('environment variable TICKFAN_IDEMPOTENCY_TABLE_NAME is not set');
  }
  // Every string a line carries is redacted and cut to 2 KB as it is serialised: a ccxt message
  // with a signed URL, a poison body, an error's stack and causes.
  const logger = new Logger({
    serviceName: serviceNames.trade,
    jsonReplacerFn: createRedactor(parts.secrets).jsonReplacer,
  });
  // Metrics' own warnings (e.g. an invocation that published none) go out as structured log lines.
  const metrics = new Metrics({ serviceName: serviceNames.trade, logger });
  const metricsSink = new PowertoolsMetrics(metrics);
  // No markets request at the cold start: a tick reads its symbol's rules from the markets store.
  // A symbol no refresh has stored yet costs its container the exchange's whole market list.
  parts.market.onMarketRulesFallback?.((event) => {
    logger.warn('market rules not stored; every market loaded from the exchange instead', {
      marketRules: { symbol: event.symbol, reason: event.reason },
      ...(event.error === undefined ? {} : { error: event.error }),
    });
    metricsSink.add('MarketRulesFallbacks', 1);
  });
  // The invocation's time left, for a publish that starts while its tick runs.
  let remainingMs = () => 0;
  const publishBudget = () => Math.min(2_000, remainingMs() - env.config.timeouts.safetyMarginMs);
  const notifier =
    parts.notifier ??
    (env.notificationTopicArn === undefined
      ? undefined
      : new SnsNotifier({
          topicArn: env.notificationTopicArn,
          metrics: metricsSink,
          timeoutMs: publishBudget,
          onFailure: (event, error) =>
            logger.warn('notification not published', { event: describeEvent(event), error }),
        }));
  const deps: TradeDeps = {
    ...(notifier === undefined ? {} : { notifier }),
    ...(parts.budget === undefined ? {} : { budget: parts.budget }),
    market: parts.market,
    broker: parts.broker,
    store: new DynamoStateStore({ tableName: env.tableName, clock }),
    clock,
    metrics: metricsSink,
    config: env.config,
  };
  const deadLetters =
    env.deadLetterQueueUrl === undefined
      ? undefined
      : new SqsDeadLetters({ queueUrl: env.deadLetterQueueUrl });
  // The queue the ticks come from: a failed tick's message is brought back from it early.
  const messageRetry =
    env.queueUrl === undefined ? undefined : new SqsMessageRetry({ queueUrl: env.queueUrl });
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'tickId',
    // Long enough to cover every redelivery SQS can make of one tick message.
    expiresAfterSeconds: 24 * 3600,
    // Only the caller's copy is marked: the stored record stays the tick's own result.
    responseHook: (response) => ({ ...(response as object), replayed: true }),
  });
  async function runTick(request: TickRequest, context: Context): Promise<TickResult> {
    logger.appendKeys({ symbol: request.symbol, tickId: request.tickId });
    remainingMs = () => context.getRemainingTimeInMillis();
    if (request.pair !== undefined) parts.onPairTick?.(request.symbol, request.pair);
    const result = await processSymbolTick(deps, {
      tick: {
        symbol: request.symbol,
        scheduledAt: request.scheduledAt,
        ...(request.pair === undefined ? {} : { pair: request.pair }),
      },
      attempt: request.attempt,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    // The tick has decided and traded; its notifications may finish within what is left.
    await notifier?.flush(Math.max(0, publishBudget()));
    if (result.order) logger.appendKeys({ clientOrderId: result.order.clientOrderId });
    logger.info('tick done', { tickResult: result });
    return result;
  }

  /**
   * Runs a tick at most once per `tickId`: a repeated request gets the recorded result, and a
   * concurrent duplicate is refused (IdempotencyAlreadyInProgressError) and retried later. A
   * tick that throws leaves no record, so its retry runs again.
   */
  const runTickOnce = makeIdempotent(runTick, {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: env.idempotencyTableName }),
    config: idempotencyConfig,
  }) as (request: TickRequest, context: Context) => Promise<RecordedTickResult>;

  async function handleRecord(
    record: SQSRecord,
    context: Context,
  ): Promise<RecordedTickResult | undefined> {
    logger.removeKeys(recordLogKeys);
    logger.appendKeys({ messageId: record.messageId });
    try {
      const outcome = await handleTickMessage(
        {
          runTickOnce: (request) => runTickOnce(request, context),
          metrics: metricsSink,
          ...(deadLetters ? { deadLetters } : {}),
          ...(messageRetry
            ? {
                retry: {
                  queue: messageRetry,
                  delayMs: env.config.guards.retryDelayMs,
                  onUnscheduled: (error: unknown) =>
                    logger.warn('retry delay not set; the queue visibility timeout applies', {
                      error,
                    }),
                },
              }
            : {}),
        },
        {
          messageId: record.messageId,
          body: record.body,
          ...(record.attributes.MessageGroupId
            ? { groupId: record.attributes.MessageGroupId }
            : {}),
          receiveCount: Number(record.attributes.ApproximateReceiveCount),
          receiptHandle: record.receiptHandle,
        },
      );
      if (outcome.kind === 'dead-lettered') {
        // The body is cut to 2 KB by the logger's serialiser; the DLQ keeps it whole.
        logger.error('poison message dead-lettered', { reason: outcome.reason, body: record.body });
        return undefined;
      }
      if (outcome.kind === 'replayed') {
        logger.info('duplicate delivery answered with the recorded tick result');
      }
      return outcome.result;
    } catch (error) {
      // The message stays in the queue; handleTickMessage made it visible again after
      // guards.retryDelayMs, inside the stale limit, so the retry can still trade.
      logger.error('tick failed', error as Error);
      throw error;
    }
  }

  const processor = new SqsFifoPartialProcessorAsync();
  return middy<TradeEvent, TradeResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(eventLoopDelay(metricsSink))
    .handler(async (event, context) => {
      idempotencyConfig.registerLambdaContext(context);
      if (!isSqsEvent(event)) {
        return invokeSymbol(
          {
            config: env.config,
            store: deps.store,
            clock,
            runTickOnce: (request) => runTickOnce(request, context),
            runTickAfresh: (request) => runTick(request, context),
          },
          event,
        );
      }
      return processPartialResponse(
        event,
        (record: SQSRecord) => handleRecord(record, context),
        processor,
        {
          context,
          // One symbol's failure must not fail the other symbols' ticks in the batch.
          skipGroupOnError: true,
        },
      );
    });
}

/**
 * The exchange adapter's 429/418 listener: pauses `budget` for every invocation until the
 * Retry-After has passed. A pause that cannot be written leaves the adapter's own cool-off.
 */
export function pauseOnThrottle(budget: RateBudget, clock: Clock): ThrottleListener {
  return (retryAfterMs) => budget.pause(clock.now() + retryAfterMs).catch(() => undefined);
}

function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}
