import { describe, expect, it } from 'vitest';
import { bookRealisedPnl } from '../../../lib/use-cases/daily-loss.js';
import { testConfig } from '../../helpers/config.js';
import { FakeClock, InMemoryStore, RecordingMetrics } from '../../helpers/fakes.js';

const now = Date.UTC(2018, 0, 20, 12, 0);

function setup(risk: Record<string, unknown> = {}) {
  const config = testConfig({ risk: { stakePerTrade: 0.01, maxPosition: 0.05, ...risk } });
  return {
    store: new InMemoryStore(),
    clock: new FakeClock(now),
    metrics: new RecordingMetrics(),
    config,
  };
}

describe('bookRealisedPnl', () => {
  it("books an order's realised PnL into its UTC day and counts it", async () => {
    const ports = setup();

    await bookRealisedPnl(ports, 'a', -0.002);

    expect(ports.store.dailyPnl.get('2018-01-20')?.get('a')).toBe(-0.002);
    expect(ports.metrics.sum('RealisedPnl')).toBe(-0.002);
    expect(ports.store.control.mode).toBe('active');
  });

  it("moves trading to close-only once the day's loss reaches maxDailyLoss, saying why and by whom", async () => {
    const ports = setup({ maxDailyLoss: 0.003 });

    await bookRealisedPnl(ports, 'a', -0.002);
    await bookRealisedPnl(ports, 'b', -0.001);

    expect(ports.metrics.sum('DailyLossLimitReached')).toBe(1);
    expect(ports.store.control).toEqual({
      mode: 'close-only',
      reason: 'realised loss 0.00300000 on 2018-01-20 reached the daily limit 0.003',
      by: 'daily-loss-limit',
      at: new Date(now).toISOString(),
    });
  });

  it('defaults the limit to five stakes', async () => {
    const ports = setup();

    await bookRealisedPnl(ports, 'a', -0.049);
    expect(ports.store.control.mode).toBe('active');
    await bookRealisedPnl(ports, 'b', -0.001);
    expect(ports.store.control.mode).toBe('close-only');
  });

  it('halts all trading instead when dailyLossAction is halt', async () => {
    const ports = setup({ maxDailyLoss: 0.003, dailyLossAction: 'halt' });

    await bookRealisedPnl(ports, 'a', -0.003);

    expect(ports.store.control).toMatchObject({ mode: 'halted', by: 'daily-loss-limit' });
  });

  it('counts reaching the limit once, not again for each later loss of the day', async () => {
    const ports = setup({ maxDailyLoss: 0.003 });

    await bookRealisedPnl(ports, 'a', -0.003);
    await bookRealisedPnl(ports, 'b', -0.001);

    expect(ports.metrics.sum('DailyLossLimitReached')).toBe(1);
    expect(ports.store.control.mode).toBe('close-only');
  });

  it("tightens an operator's close-only to a halt when dailyLossAction is halt", async () => {
    const ports = setup({ maxDailyLoss: 0.001, dailyLossAction: 'halt' });
    ports.store.control = { mode: 'close-only', reason: 'winding down', by: 'operator' };

    await bookRealisedPnl(ports, 'a', -0.002);

    expect(ports.store.control).toMatchObject({ mode: 'halted', by: 'daily-loss-limit' });
  });

  it('books each order once, so a retried settlement cannot reach the limit twice over', async () => {
    const ports = setup({ maxDailyLoss: 0.003 });

    await bookRealisedPnl(ports, 'a', -0.002);
    await bookRealisedPnl(ports, 'a', -0.002);

    expect(ports.store.control.mode).toBe('active');
  });

  it("keeps an operator's halt as it was", async () => {
    const ports = setup({ maxDailyLoss: 0.001 });
    ports.store.control = { mode: 'halted', reason: 'maintenance', by: 'operator' };

    await bookRealisedPnl(ports, 'a', -0.002);

    expect(ports.store.control).toEqual({ mode: 'halted', reason: 'maintenance', by: 'operator' });
  });
});
