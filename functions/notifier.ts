import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HttpWebhookPoster } from '../lib/adapters/webhook-poster.js';
import { WebhookSecrets } from '../lib/adapters/webhook-secrets.js';
import { readNotifierEnv } from '../lib/config/env.js';
import { createRedactor } from '../lib/domain/redact.js';
import { notifyFromTopic } from '../lib/use-cases/notify-from-topic.js';
import { resolveWebhookTargets, type WebhookTarget } from '../lib/use-cases/notify-webhooks.js';

const { config } = readNotifierEnv();
const logger = new Logger({
  serviceName: 'tickfan-notifier',
  jsonReplacerFn: createRedactor().jsonReplacer,
});
const secrets = new WebhookSecrets();
const poster = new HttpWebhookPoster({ attempts: 3, timeoutMs: 5_000 });
// Secrets are read once per container, on the first message; a failed read is tried again.
let targets: Promise<readonly WebhookTarget[]> | undefined;
function webhookTargets(): Promise<readonly WebhookTarget[]> {
  targets ??= resolveWebhookTargets(config.notifications.webhooks, secrets.read).then(
    (resolved) => {
      // Named, never shown: the reason is the SDK's error, the URL and token stay out of it.
      for (const u of resolved.unresolved) logger.error('webhook left out', { ...u });
      if (resolved.unresolved.length > 0) targets = undefined;
      return resolved.targets;
    },
  );
  return targets;
}

const processor = new BatchProcessor(EventType.SQS);

async function handleRecord(record: SQSRecord): Promise<void> {
  const outcome = await notifyFromTopic(
    { poster, targets: webhookTargets, now: () => Date.now() },
    record.body,
  );
  logger.info('notification handled', { messageId: record.messageId, outcome });
}

/**
 * The notifier function: messages of the notification topic through its SQS queue, one trade
 * event or alarm each, posted to the configured Slack, Discord and Telegram webhooks. A message a
 * webhook did not take is reported failed, so the queue retries it and finally dead-letters it.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event, context) =>
    processPartialResponse(event, handleRecord, processor, {
      context,
      // A failed message is listed, never thrown: the queue retries it alone.
      throwOnFullBatchFailure: false,
    }),
  );
