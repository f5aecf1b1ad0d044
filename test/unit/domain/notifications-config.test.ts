import { describe, expect, it } from 'vitest';
import { readFunctionEnv, readNotifierEnv } from '../../../lib/config/env.js';
import { ConfigError } from '../../../lib/config/schema.js';
import { testConfig, writeConfigFile } from '../../helpers/config.js';

function issuesOf(notifications: unknown): string[] {
  try {
    testConfig({ notifications });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('notifications config', () => {
  it('defaults to nobody told', () => {
    expect(testConfig().notifications).toEqual({ emails: [], webhooks: [] });
  });

  it('accepts e-mails and a webhook of each kind', () => {
    const notifications = {
      emails: ['ops@example.com'],
      webhooks: [
        { kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x' },
        { kind: 'discord', secretName: 'tickfan/discord-webhook' },
        { kind: 'telegram', chatId: '-1001234', secretName: 'tickfan/telegram-bot' },
      ],
    };
    expect(testConfig({ notifications }).notifications).toEqual(notifications);
  });

  it.each([
    [{ emails: ['not-an-address'] }, 'notifications.emails[0]: must be an e-mail address'],
    [
      { webhooks: [{ kind: 'teams', url: 'https://x.example' }] },
      'notifications.webhooks[0].kind: must be slack, discord or telegram',
    ],
    [
      { webhooks: [{ kind: 'slack', url: 'ftp://hooks.example' }] },
      'notifications.webhooks[0].url: must be an http(s) URL',
    ],
    [
      { webhooks: [{ kind: 'discord' }] },
      'notifications.webhooks[0].url: give exactly one of url and secretName',
    ],
    [
      { webhooks: [{ kind: 'slack', url: 'https://a.example', secretName: 's' }] },
      'notifications.webhooks[0].url: give exactly one of url and secretName',
    ],
    [
      { webhooks: [{ kind: 'telegram', chatId: 'my chat', secretName: 's' }] },
      'notifications.webhooks[0].chatId: must be a numeric chat id or @channelname',
    ],
    [{ webhooks: [{ kind: 'telegram', chatId: '42' }] }, 'notifications.webhooks[0].secretName'],
    [
      { webhooks: [{ kind: 'telegram', chatId: '42', secretName: 's', token: 'plain' }] },
      'notifications.webhooks[0]',
    ],
  ])('refuses %j naming the field', (notifications, expected) => {
    const issues = issuesOf(notifications);
    expect(issues.some((i) => i.startsWith(expected))).toBe(true);
  });

  it('refuses a Telegram bot token given in the config, never a secret in plain text', () => {
    const issues = issuesOf({
      webhooks: [{ kind: 'telegram', chatId: '42', secretName: 's', token: '123:ABC' }],
    });
    expect(issues.join('\n')).toMatch(/token/);
  });
});

describe('the functions read where notifications go from their environment', () => {
  const base = {
    TICKFAN_CONFIG_FILE: writeConfigFile(testConfig()),
    TICKFAN_TABLE_NAME: 'state',
  };

  it('gives the trade function the notification topic the stack set, and none when unset', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:tickfan-prod-alarms';
    expect(
      readFunctionEnv({ ...base, TICKFAN_NOTIFICATION_TOPIC_ARN: arn }).notificationTopicArn,
    ).toBe(arn);
    expect(readFunctionEnv(base).notificationTopicArn).toBeUndefined();
  });

  it('gives the notifier function the config alone: it has no table', () => {
    expect(readNotifierEnv({ TICKFAN_CONFIG_FILE: base.TICKFAN_CONFIG_FILE }).config).toEqual(
      testConfig(),
    );
    expect(() => readNotifierEnv({})).toThrow(/TICKFAN_CONFIG_FILE is not set/);
  });
});
