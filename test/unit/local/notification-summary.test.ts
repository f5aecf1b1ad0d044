import { describe, expect, it } from 'vitest';
import { tradeEventKinds } from '../../../lib/domain/trade-event.js';
import {
  type NotificationSummary,
  notificationFigures,
  notificationLines,
} from '../../../lib/local/notifier.js';

const none = Object.fromEntries(
  tradeEventKinds.map((k) => [k, 0]),
) as NotificationSummary['events'];

const summary: NotificationSummary = {
  events: { ...none, 'entry-filled': 2, halt: 1 },
  delivered: 8,
  failed: 1,
  pending: 0,
  webhooks: [{ name: 'slack#1', kind: 'slack', delivered: 3, failed: 0 }],
  skipped: [{ name: 'telegram#2', reason: 'its secret s is in Secrets Manager' }],
};

describe('the notification summary', () => {
  it('prints one line with the events that happened, the deliveries, and each webhook left out', () => {
    expect(notificationLines(summary)).toEqual([
      'notifications: entry-filled 2  halt 1  delivered 8  failed 1',
      '  telegram#2 left out: its secret s is in Secrets Manager',
    ]);
    expect(notificationLines({ ...summary, events: none, skipped: [] })).toEqual([
      'notifications: none  delivered 8  failed 1',
    ]);
    expect(notificationLines({ ...summary, pending: 3, skipped: [] })).toEqual([
      'notifications: entry-filled 2  halt 1  delivered 8  failed 1  still under way 3',
    ]);
  });

  it('gives the run report a figure per event kind that happened, then the deliveries', () => {
    expect(notificationFigures(summary)).toEqual([
      ['notifications: entry-filled', 2],
      ['notifications: halt', 1],
      ['notifications: delivered', 8],
      ['notifications: failed', 1],
    ]);
  });

  it('adds nothing to a summary that has no notifications', () => {
    expect(notificationLines(undefined)).toEqual([]);
    expect(notificationFigures(undefined)).toEqual([]);
  });
});
