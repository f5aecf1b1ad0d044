import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/schema.js';
import { runLocal } from '../../lib/local/run.js';
import type { RunSummary } from '../../lib/local/summary.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const ticks = 8;
// Fast averages, so that orders (and their events) happen within a few ticks.
const config = parseConfig({
  schedule: { expression: 'rate(5 minutes)' },
  symbols: ['LTC/BTC', 'ETC/BTC'].map((symbol) => ({
    symbol,
    timeframe: '5m',
    strategy: 'sma-cross',
    params: { fast: 2, slow: 4 },
  })),
});

const dirs: string[] = [];
const receivers: WebhookReceiver[] = [];

async function runWith(receiver: WebhookReceiver): Promise<RunSummary> {
  const dir = await mkdtemp(join(tmpdir(), 'tickfan-notify-'));
  dirs.push(dir);
  return runLocal({
    config,
    ticks,
    stateDir: dir,
    persist: false,
    notifyUrl: `${receiver.url}/hook`,
  });
}

let answered: RunSummary;
let hanging: RunSummary;
let hangingReceiver: WebhookReceiver;

beforeAll(async () => {
  const answering = await startWebhookReceiver();
  hangingReceiver = await startWebhookReceiver(() => 'hang');
  receivers.push(answering, hangingReceiver);
  answered = await runWith(answering);
  hanging = await runWith(hangingReceiver);
}, 300_000);

afterAll(async () => {
  for (const r of receivers) await r.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('npm start with a webhook that never answers', () => {
  it('runs every tick to ok and trades exactly as with a webhook that answers', () => {
    for (const summary of [answered, hanging]) {
      expect(summary.tickOutcomes).toEqual({ ok: ticks * 2, skipped: 0, failed: 0 });
    }
    expect(answered.trades.length).toBeGreaterThan(0);
    expect(hanging.trades).toEqual(answered.trades);
  });

  it('tells the same events, which the hanging webhook got but never took', () => {
    expect(hanging.notifications?.events).toEqual(answered.notifications?.events);
    const told = Object.values(answered.notifications?.events ?? {}).reduce((a, n) => a + n, 0);
    expect(told).toBeGreaterThan(0);
    expect(answered.notifications).toMatchObject({ delivered: told * 3, failed: 0, pending: 0 });
    expect(hanging.notifications).toMatchObject({ delivered: 0, failed: told * 3, pending: 0 });
    expect(hangingReceiver.posts.length).toBeGreaterThanOrEqual(told * 3);
  });
});
