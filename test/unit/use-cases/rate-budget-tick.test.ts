import { describe, expect, it } from 'vitest';
import { rateBudgetRules } from '../../../lib/config/schema.js';
import { OrderStatus } from '../../../lib/ports/broker.js';
import { processSymbolTick } from '../../../lib/use-cases/process-symbol-tick.js';
import { testConfig } from '../../helpers/config.js';
import { candleSeries, InMemoryRateBudget, type InMemoryStore } from '../../helpers/fakes.js';
import {
  crossDown,
  crossUp,
  lastClosed,
  scheduledAt,
  symbolTickSetup,
  tf,
} from '../../helpers/symbol-tick.js';

/** Binance's request window is the minute; its order window ten seconds. */
const nextMinute = scheduledAt + 60_000;

const live = {
  exchange: { mode: 'live', secretName: 'tickfan/keys' },
  network: { staticEgressIp: true },
};

function setup(options: { startsAt?: number; config?: Record<string, unknown> } = {}) {
  const config = testConfig(options.config);
  const { deps, input, clock } = symbolTickSetup(crossUp, {
    config,
    ...(options.startsAt === undefined ? {} : { startsAt: options.startsAt }),
  });
  const budget = new InMemoryRateBudget(clock, rateBudgetRules(config));
  return { deps: { ...deps, budget }, input, budget, clock };
}

function hold(store: InMemoryStore, amount = 0.5): void {
  store.positions.set('LTC/BTC', {
    symbol: 'LTC/BTC',
    amount,
    entryPrice: 5,
    realisedPnl: 0,
    version: 1,
    openedAt: lastClosed - tf,
  });
}

describe('processSymbolTick on a shared rate budget', () => {
  it("reserves a flat tick's candle weight as an entry before it asks the exchange", async () => {
    const { deps, input, budget } = setup();

    const result = await processSymbolTick(deps, input);

    expect(result.status).toBe('ok');
    expect(budget.requests[0]).toEqual({ pool: 'requests', weight: 2, priority: 'entry' });
    expect(budget.pools.get('requests')?.used).toBe(2);
  });

  it('skips as ratelimit, asking the exchange nothing, when entries have spent their share and the next window is past the deadline', async () => {
    const { deps, input, budget } = setup();
    budget.spend('requests', 4_800);

    const result = await processSymbolTick(deps, input);

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'ratelimit' });
    expect(deps.market.calls).toEqual([]);
    expect(deps.broker.placed).toEqual([]);
    expect(deps.metrics.sum('RateLimitSkips')).toBe(1);
    expect(deps.metrics.sum('TickSkipped')).toBe(1);
    expect(deps.store.ticks.get(result.tickId)).toEqual(result);
  });

  it('waits for the next window when it opens within the deadline, then trades', async () => {
    const { deps, input, budget, clock } = setup({ startsAt: nextMinute - 10_000 });
    budget.spend('requests', 4_800);

    const result = await processSymbolTick(deps, input);

    expect(clock.slept).toEqual([10_000]);
    expect(result).toMatchObject({ status: 'ok', signal: 'enter' });
    expect(deps.metrics.sum('RateBudgetWaits')).toBe(1);
    expect(deps.metrics.sum('RateLimitSkips')).toBe(0);
  });

  it("places an open position's missing stop while entries have spent their share", async () => {
    const { deps, input, budget } = setup();
    hold(deps.store);
    budget.spend('requests', 4_800);

    const result = await processSymbolTick(deps, input);

    expect(result.skipReason).toBeUndefined();
    expect(budget.requests[0]).toMatchObject({ pool: 'requests', priority: 'protection' });
    expect(deps.broker.stops).toHaveLength(1);
    expect((await deps.store.getPosition('LTC/BTC')).stop).toBeDefined();
  });

  it("waits out another container's 429 pause, then trades", async () => {
    const { deps, input, budget, clock } = setup();
    await budget.pause(clock.now() + 5_000);

    const result = await processSymbolTick(deps, input);

    expect(clock.slept).toEqual([5_000]);
    expect(result).toMatchObject({ status: 'ok', signal: 'enter' });
    expect(deps.market.calls).toHaveLength(1);
  });

  it("skips a held position's tick during a pause past its deadline, the stop left resting", async () => {
    const { deps, input, budget, clock } = setup();
    hold(deps.store);
    await processSymbolTick(deps, input);
    const stop = deps.broker.stops[0];
    const held = await deps.store.getPosition('LTC/BTC');
    clock.at = scheduledAt + tf + 2_000;
    await budget.pause(clock.now() + 120_000);
    const next = { ...input, tick: { ...input.tick, scheduledAt: scheduledAt + tf } };

    const result = await processSymbolTick(deps, next);

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'ratelimit' });
    expect(deps.market.calls).toHaveLength(1);
    expect(deps.broker.stops).toEqual([stop]);
    expect(deps.broker.venue.get(stop?.clientOrderId ?? '')?.status).toBe(OrderStatus.Open);
    expect(await deps.store.getPosition('LTC/BTC')).toEqual(held);
  });

  it('refuses an exit before it cancels the stop when the order-rate limit is full', async () => {
    const { deps, input, budget, clock } = setup({ config: live });
    hold(deps.store);
    await processSymbolTick(deps, input);
    const stop = deps.broker.stops[0];
    clock.at = scheduledAt + tf + 2_000;
    deps.market.candles = candleSeries(crossDown, lastClosed + tf);
    budget.spend('orders', 50);
    const next = {
      tick: { symbol: 'LTC/BTC', scheduledAt: scheduledAt + tf },
      // The order window ends in 8 s: more than this tick has left.
      remainingMs: () => 5_000,
    };

    const result = await processSymbolTick(deps, next);

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'ratelimit', signal: 'exit' });
    expect(deps.broker.placed).toEqual([]);
    expect(deps.broker.venue.get(stop?.clientOrderId ?? '')?.status).toBe(OrderStatus.Open);
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0.5);
  });

  it('draws a live buy from the order-rate limit with its stop, as an entry', async () => {
    const { deps, input, budget } = setup({ config: live });

    const result = await processSymbolTick(deps, input);

    expect(result.order).toMatchObject({ side: 'buy', status: 'filled' });
    expect(budget.requests).toContainEqual({ pool: 'orders', weight: 2, priority: 'entry' });
    expect(budget.pools.get('orders')?.used).toBe(2);
  });

  it('draws nothing from the order-rate limit for a paper order', async () => {
    const { deps, input, budget } = setup();

    await processSymbolTick(deps, input);

    expect(deps.broker.placed).toHaveLength(1);
    expect(budget.pools.get('orders')).toBeUndefined();
  });
});
