import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CcxtExchange, createBinanceClient } from '../lib/adapters/ccxt-exchange.js';
import { DynamoStateStore } from '../lib/adapters/dynamo-state-store.js';
import { PaperBroker } from '../lib/adapters/paper-broker.js';
import { PowertoolsMetrics } from '../lib/adapters/powertools-metrics.js';
import { SystemClock } from '../lib/adapters/system-clock.js';
import { clockOffsetMs, readFunctionEnv } from '../lib/config/env.js';
import { type DirectInvocation, parseDirectInvocation } from '../lib/domain/direct-invocation.js';
import type { TickResult } from '../lib/domain/tick.js';
import { parseTickMessage } from '../lib/domain/tick-message.js';
import { serviceNames } from '../lib/metrics/catalogue.js';
import type { Broker } from '../lib/ports/broker.js';
import {
  processSymbolTick,
  TickFailedError,
  type TradeDeps,
} from '../lib/use-cases/process-symbol-tick.js';

const env = readFunctionEnv();
const logger = new Logger({ serviceName: serviceNames.trade });
const metrics = new Metrics({ serviceName: serviceNames.trade });
const clock = new SystemClock(() => clockOffsetMs());
const exchange = new CcxtExchange({
  exchange: createBinanceClient({ url: env.exchangeUrl }),
  clock,
});
const store = new DynamoStateStore({ tableName: env.tableName, clock });
const deps: TradeDeps = {
  market: exchange,
  broker: chooseBroker(),
  store,
  clock,
  metrics: new PowertoolsMetrics(metrics),
  config: env.config,
};
const processor = new SqsFifoPartialProcessorAsync();

/**
 * Orders go to the paper broker in paper mode. The local runtime sends them to its exchange
 * simulator instead (`TICKFAN_BROKER=exchange`), which holds no money. Live trading needs API
 * keys from Secrets Manager, which this function does not read yet, so it refuses to start.
 */
function chooseBroker(): Broker {
  if (env.config.exchange.mode === 'live') {
    throw new Error('exchange.mode "live" is not supported yet: keep mode "paper"');
  }
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

async function runTick(
  tick: { symbol: string; scheduledAt: number },
  context: Context,
): Promise<TickResult> {
  const result = await processSymbolTick(deps, {
    tick,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  logger.info('tick done', { tickResult: result });
  return result;
}

async function handleRecord(record: SQSRecord, context: Context): Promise<TickResult> {
  const tick = parseTickMessage(record.body);
  logger.appendKeys({ symbol: tick.symbol, messageId: record.messageId });
  return runTick(tick, context);
}

async function handleDirect(event: DirectInvocation, context: Context): Promise<TickResult> {
  const tick = parseDirectInvocation(event, env.config, clock.now());
  logger.appendKeys({ symbol: tick.symbol });
  try {
    return await runTick(tick, context);
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
  .handler(async (event, context) =>
    isSqsEvent(event)
      ? processPartialResponse(
          event,
          (record: SQSRecord) => handleRecord(record, context),
          processor,
          // One symbol's failure must not fail the other symbols' ticks in the batch.
          { context, skipGroupOnError: true },
        )
      : handleDirect(event, context),
  );
