import { describe, expect, it } from 'vitest';
import { processSymbolTick } from '../../../lib/use-cases/process-symbol-tick.js';
import { candleSeries } from '../../helpers/fakes.js';
import {
  crossDown,
  crossUp,
  scheduledAt,
  symbolTickSetup as setup,
  tf,
} from '../../helpers/symbol-tick.js';

describe('processSymbolTick on a market the exchange no longer trades', () => {
  it('refuses the entry its strategy signals, as skipped: delisted', async () => {
    // Prepare
    const { deps, input } = setup(crossUp);
    deps.market.inactive.add('LTC/BTC');

    // Act
    const result = await processSymbolTick(deps, input);

    // Assess
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'delisted', signal: 'enter' });
    expect(deps.broker.placed).toEqual([]);
    expect(deps.store.orders.size).toBe(0);
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0);
  });

  it('keeps a held position and its resting stop rather than cancel it for an exit the exchange would refuse', async () => {
    // Prepare: an entry while the market trades places the position's stop.
    const { deps, input } = setup(crossUp);
    await processSymbolTick(deps, input);
    const held = await deps.store.getPosition('LTC/BTC');
    const later = scheduledAt + 2 * tf;
    deps.market.candles = candleSeries(crossDown, later - tf);
    deps.clock.at = later + 2_000;
    deps.market.inactive.add('LTC/BTC');

    // Act
    const result = await processSymbolTick(deps, {
      ...input,
      tick: { ...input.tick, scheduledAt: later },
    });

    // Assess
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'delisted' });
    expect(deps.broker.placed).toHaveLength(1);
    expect(deps.broker.restingStops()).toEqual([held.stop?.clientOrderId]);
    const after = await deps.store.getPosition('LTC/BTC');
    expect(after.amount).toBe(held.amount);
    expect(after.stop?.clientOrderId).toBe(held.stop?.clientOrderId);
  });

  it('still exits the same position once the market trades again', async () => {
    // Prepare
    const { deps, input } = setup(crossDown);
    deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 5,
      realisedPnl: 0,
      version: 1,
    });

    // Act
    const result = await processSymbolTick(deps, input);

    // Assess
    expect(result.order).toMatchObject({ side: 'sell', amount: 0.5 });
  });
});
