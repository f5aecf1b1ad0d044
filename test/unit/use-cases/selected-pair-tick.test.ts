import { describe, expect, it } from 'vitest';
import type { TickPair } from '../../../lib/domain/tick.js';
import { processSymbolTick } from '../../../lib/use-cases/process-symbol-tick.js';
import { testConfig } from '../../helpers/config.js';
import { candleSeries } from '../../helpers/fakes.js';
import {
  crossDown,
  crossUp,
  scheduledAt,
  symbolTickSetup as setup,
  tf,
} from '../../helpers/symbol-tick.js';

/** A config that names no fixed LTC/BTC: its ticks come only as a selected pair's. */
const selecting = testConfig({
  symbols: [
    { symbol: 'ETC/BTC', timeframe: '5m' },
    { select: { quote: 'BTC', top: 5 }, timeframe: '5m', params: { fast: 2, slow: 4 } },
  ],
});
const pair = (exitOnly: boolean): TickPair => ({
  timeframe: '5m',
  strategy: 'sma-cross',
  params: { fast: 2, slow: 4 },
  exitOnly,
});

describe('processSymbolTick of a pair picked by volume', () => {
  it("trades with the settings its tick carries, and protects the entry's fill", async () => {
    // Prepare
    const { deps, input } = setup(crossUp, { config: selecting });

    // Act
    const result = await processSymbolTick(deps, {
      ...input,
      tick: { ...input.tick, pair: pair(false) },
    });

    // Assess
    expect(result).toMatchObject({ status: 'ok', order: { side: 'buy', status: 'filled' } });
    const held = await deps.store.getPosition('LTC/BTC');
    expect(held.amount).toBeGreaterThan(0);
    expect(deps.broker.restingStops()).toEqual([held.stop?.clientOrderId]);
  });

  it('counts toward maxOpenPositions with the fixed symbols: a full book refuses its entry', async () => {
    // Prepare: one open position allowed, and the fixed ETC/BTC holds it.
    const oneSlot = testConfig({ ...selecting, risk: { ...selecting.risk, maxOpenPositions: 1 } });
    const { deps, input } = setup(crossUp, { config: oneSlot });
    await deps.store.reserveOpenPosition('ETC/BTC', 1);

    // Act
    const result = await processSymbolTick(deps, {
      ...input,
      tick: { ...input.tick, pair: pair(false) },
    });

    // Assess
    expect(result.order).toMatchObject({
      status: 'rejected',
      reason: 'max open positions (1) reached',
    });
    expect(deps.broker.placed).toEqual([]);
  });

  it('refuses an entry once the pair has left its list, as skipped: deselected', async () => {
    // Prepare
    const { deps, input } = setup(crossUp, { config: selecting });

    // Act
    const result = await processSymbolTick(deps, {
      ...input,
      tick: { ...input.tick, pair: pair(true) },
    });

    // Assess
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'deselected', signal: 'enter' });
    expect(deps.broker.placed).toEqual([]);
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0);
  });

  it('keeps the stop of what it holds after leaving its list, and exits on its signal', async () => {
    // Prepare: entered while listed, with its stop resting.
    const { deps, input } = setup(crossUp, { config: selecting });
    await processSymbolTick(deps, { ...input, tick: { ...input.tick, pair: pair(false) } });
    const held = await deps.store.getPosition('LTC/BTC');
    const later = scheduledAt + 2 * tf;
    deps.market.candles = candleSeries(crossDown, later - tf);
    deps.clock.at = later + 2_000;

    // Act: the pair has left the list; its strategy now says exit.
    const result = await processSymbolTick(deps, {
      ...input,
      tick: { symbol: 'LTC/BTC', scheduledAt: later, pair: pair(true) },
    });

    // Assess
    expect(result).toMatchObject({ status: 'ok', order: { side: 'sell', amount: held.amount } });
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0);
    expect(deps.broker.restingStops()).toEqual([]);
  });

  it('reconciles a missing stop of a pair that left its list before it decides anything', async () => {
    // Prepare: held, exit-only, its stop gone from the exchange.
    const { deps, input } = setup([5, 5, 5, 5, 5, 5], { config: selecting });
    deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 5,
      realisedPnl: 0,
      version: 1,
    });

    // Act
    await processSymbolTick(deps, { ...input, tick: { ...input.tick, pair: pair(true) } });

    // Assess
    const after = await deps.store.getPosition('LTC/BTC');
    expect(after.amount).toBe(0.5);
    expect(after.stop).toBeDefined();
    expect(deps.broker.restingStops()).toEqual([after.stop?.clientOrderId]);
  });
});
