import { describe, expect, it } from 'vitest';
import { fixedSymbols } from '../../../lib/config/schema.js';
import { ExchangeUnavailableError } from '../../../lib/ports/market-data.js';
import { TickSession } from '../../../lib/use-cases/tick-session.js';
import type { TickInput } from '../../../lib/use-cases/trade-deps.js';
import { testConfig } from '../../helpers/config.js';
import {
  FakeBroker,
  FakeClock,
  FakeMarketData,
  InMemoryStore,
  RecordingMetrics,
} from '../../helpers/fakes.js';

const scheduledAt = Date.UTC(2018, 0, 20, 12, 0);

async function open(input: Partial<TickInput> = {}) {
  const config = testConfig();
  const symbol = fixedSymbols(config)[0];
  if (symbol === undefined) throw new Error('no symbol in the test config');
  const deps = {
    market: new FakeMarketData([]),
    broker: new FakeBroker(),
    store: new InMemoryStore(),
    clock: new FakeClock(scheduledAt + 2_000),
    metrics: new RecordingMetrics(),
    config,
  };
  const tick = { symbol: symbol.symbol, scheduledAt };
  const session = await TickSession.open(
    deps,
    { tick, remainingMs: () => 25_000, ...input },
    symbol,
  );
  return { deps, session };
}

describe('TickSession', () => {
  it('counts how late the tick started', async () => {
    const { deps, session } = await open();
    expect(session.lagMs).toBe(2_000);
    expect(deps.metrics.sum('TickLag')).toBe(2_000);
  });

  it('gives no timeout once the next call cannot fit the deadline', async () => {
    expect((await open({ remainingMs: () => 25_000 })).session.timeout()).toBeGreaterThan(0);
    expect((await open({ remainingMs: () => 100 })).session.timeout()).toBeUndefined();
  });

  it('counts an unavailable exchange toward the breaker and rethrows', async () => {
    const { deps, session } = await open();
    const down = new ExchangeUnavailableError('timeout', 'klines timed out');

    await expect(session.call('candles', () => Promise.reject(down))).rejects.toBe(down);

    expect(session.health.failures).toBe(1);
    expect(await deps.store.getHealth('LTC/BTC')).toEqual(session.health);
    expect(deps.metrics.sum('ExchangeTimeouts')).toBe(1);
  });

  it('counts the tick once however many of its calls and attempts fail', async () => {
    const { deps, session } = await open();
    const down = new ExchangeUnavailableError('unavailable', 'HTTP 503');
    await expect(session.call('candles', () => Promise.reject(down))).rejects.toBe(down);
    await expect(session.call('order', () => Promise.reject(down))).rejects.toBe(down);

    const retry = await TickSession.open(
      deps,
      { tick: { symbol: 'LTC/BTC', scheduledAt }, attempt: 2, remainingMs: () => 25_000 },
      session.symbol,
    );
    await expect(retry.call('candles', () => Promise.reject(down))).rejects.toBe(down);

    expect(retry.health).toMatchObject({ failures: 1, failedTickAt: scheduledAt });
    expect(deps.metrics.sum('FetchFailures')).toBe(3);
  });

  it('does not count a failure that is not the exchange being unavailable', async () => {
    const { session } = await open();
    await expect(session.call('order', () => Promise.reject(new Error('bug')))).rejects.toThrow();
    expect(session.health.failures).toBe(0);
  });

  it('counts a redelivery whose last attempt left no result, and not a first delivery', async () => {
    const first = await open();
    await first.session.countVanishedAttempt();
    expect(first.session.health.failures).toBe(0);

    const again = await open({ attempt: 2 });
    await again.session.countVanishedAttempt();
    expect(again.session.health.failures).toBe(1);
    expect(again.deps.metrics.sum('VanishedAttempts')).toBe(1);
  });

  it('counts a vanished attempt once for its tick, on top of nothing else it counted', async () => {
    const { deps, session } = await open({ attempt: 2 });
    await session.countVanishedAttempt();
    const down = new ExchangeUnavailableError('unavailable', 'HTTP 503');
    await expect(session.call('candles', () => Promise.reject(down))).rejects.toBe(down);

    const third = await TickSession.open(
      deps,
      { tick: { symbol: 'LTC/BTC', scheduledAt }, attempt: 3, remainingMs: () => 25_000 },
      session.symbol,
    );
    deps.store.ticks.clear();
    await third.countVanishedAttempt();

    expect(third.health.failures).toBe(1);
    expect(deps.metrics.sum('VanishedAttempts')).toBe(2);
  });

  it('records a failed tick with the error named, and the position it ended with', async () => {
    const { deps, session } = await open();

    const result = await session.fail(new TypeError('boom'));

    expect(result).toMatchObject({ status: 'failed', error: 'TypeError: boom', signal: 'none' });
    expect(result.position).toEqual({ amount: 0, entryPrice: 0, realisedPnl: 0 });
    expect(deps.store.ticks.get(result.tickId)).toEqual(result);
    expect(deps.metrics.sum('TickFailed')).toBe(1);
  });
});
