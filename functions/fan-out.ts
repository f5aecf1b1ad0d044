import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DynamoStateStore } from '../lib/adapters/dynamo-state-store.js';
import { PowertoolsMetrics } from '../lib/adapters/powertools-metrics.js';
import { SqsSymbolQueue } from '../lib/adapters/sqs-symbol-queue.js';
import { readFunctionEnv } from '../lib/config/env.js';
import { createRedactor } from '../lib/domain/redact.js';
import { parseScheduleEvent, type ScheduleEvent } from '../lib/domain/schedule-event.js';
import { serviceNames } from '../lib/metrics/catalogue.js';
import { type FanOutDeps, type FanOutResult, fanOutTick } from '../lib/use-cases/fan-out-tick.js';

const env = readFunctionEnv();
if (env.queueUrl === undefined)
  throw new Error('environment variable TICKFAN_QUEUE_URL is not set');
// SQS errors of undispatched symbols are logged: redacted and cut like every string a line holds.
const logger = new Logger({
  serviceName: serviceNames['fan-out'],
  jsonReplacerFn: createRedactor().jsonReplacer,
});
// Metrics' own warnings (e.g. an invocation that published none) go out as structured log lines.
const metrics = new Metrics({ serviceName: serviceNames['fan-out'], logger });
const deps: FanOutDeps = {
  queue: new SqsSymbolQueue({ queueUrl: env.queueUrl }),
  metrics: new PowertoolsMetrics(metrics),
  store: new DynamoStateStore({ tableName: env.tableName }),
  config: env.config,
};

/** The fan-out function: one Scheduler tick in, one queued message per due symbol out. */
export const handler = middy<ScheduleEvent, FanOutResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(async (event) => {
    const { scheduledAt } = parseScheduleEvent(event);
    logger.appendKeys({ tickId: new Date(scheduledAt).toISOString() });
    const result = await fanOutTick(deps, { scheduledAt });
    if (result.failed.length > 0) logger.error('symbols not dispatched', { failed: result.failed });
    if (result.silent.length > 0) logger.warn('symbols silent', { silent: result.silent });
    logger.info('tick fanned out', { result });
    return result;
  });
