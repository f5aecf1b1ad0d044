import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFor } from '../../lib/domain/notification-format.js';
import { testConfig, writeConfigFile } from '../helpers/config.js';
import { lambdaContext, sqsRecord } from '../helpers/events.js';
import { sampleEvents } from '../helpers/trade-events.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let receiver: WebhookReceiver;
let handler: typeof import('../../functions/notifier.js').handler;

beforeAll(async () => {
  // Every post to /broken fails; the others are taken.
  receiver = await startWebhookReceiver((post) => (post.path === '/broken' ? 500 : 200));
  process.env.TICKFAN_CONFIG_FILE = writeConfigFile(
    testConfig({
      notifications: {
        webhooks: [
          { kind: 'slack', url: `${receiver.url}/slack` },
          { kind: 'discord', url: `${receiver.url}/discord` },
        ],
      },
    }),
  );
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  ({ handler } = await import('../../functions/notifier.js'));
});

afterAll(async () => {
  await receiver.close();
});

describe('the notifier function', () => {
  it('posts each topic message to every webhook and reports none failed', async () => {
    const response = await handler(
      {
        Records: [
          sqsRecord(JSON.stringify(sampleEvents['exit-filled']), { messageId: 'm1' }),
          sqsRecord(
            JSON.stringify({
              AlarmName: 'tickfan-prod-SymbolDeadLetters',
              NewStateValue: 'ALARM',
              StateChangeTime: '2026-01-16T09:59:00.000+0000',
              Trigger: { Dimensions: [{ name: 'QueueName', value: 'ticks-dlq.fifo' }] },
            }),
            { messageId: 'm2' },
          ),
        ],
      },
      lambdaContext(),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    const slack = receiver.posts.filter((p) => p.path === '/slack').map((p) => p.body);
    expect(slack[0]).toEqual(formatFor('slack', sampleEvents['exit-filled']));
    expect(JSON.stringify(slack[1])).toContain('ticks-dlq.fifo');
    expect(receiver.posts.filter((p) => p.path === '/discord')).toHaveLength(2);
  });

  it('reports an unreadable message failed, so the queue retries and finally dead-letters it', async () => {
    const response = await handler(
      { Records: [sqsRecord('not json', { messageId: 'bad' })] },
      lambdaContext(),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  });
});
