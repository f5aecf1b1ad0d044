import { describe, expect, it } from 'vitest';
import { type Position, withStop } from '../../../lib/domain/position.js';
import { stopClientOrderId } from '../../../lib/domain/stop.js';
import { OrderStatus } from '../../../lib/ports/broker.js';
import { ExchangeUnavailableError } from '../../../lib/ports/market-data.js';
import { processSymbolTick } from '../../../lib/use-cases/process-symbol-tick.js';
import { testConfig } from '../../helpers/config.js';
import { candleSeries } from '../../helpers/fakes.js';
import {
  crossUp,
  lastClosed,
  scheduledAt,
  symbolTickSetup,
  tf,
} from '../../helpers/symbol-tick.js';

/** No signal, and above the 5.4 stop of a position entered at 6. */
const steady = [6, 6, 6, 6, 6, 6];
/** A cross down whose close (5.6) stays above that stop. */
const crossDown = [6, 6, 6, 6, 6, 7, 6.5, 5.6];
const at = (n: number) => ({ symbol: 'LTC/BTC', scheduledAt: scheduledAt + n * tf });

function setup(closes: number[] = crossUp, overrides: Parameters<typeof testConfig>[0] = {}) {
  return symbolTickSetup(closes, { config: testConfig(overrides) });
}
type Deps = ReturnType<typeof setup>['deps'];

/** The tick `n` periods after the first, on `closes` ending with the candle it decides on. */
function tickAt(deps: Deps, n: number, closes: number[]) {
  deps.clock.at = at(n).scheduledAt + 2_000;
  deps.market.candles = candleSeries(closes, at(n).scheduledAt - tf);
  return processSymbolTick(deps, { tick: at(n), remainingMs: () => 25_000 });
}

/** A held position, as a tick that bought it left it (its stop not placed yet). */
function hold(deps: Deps, fields: Partial<Position> = {}): Position {
  const position: Position = {
    symbol: 'LTC/BTC',
    amount: 0.002,
    entryPrice: 6,
    realisedPnl: 0,
    version: 1,
    lastOrderId: 'tf-b-entry',
    openedAt: lastClosed - tf,
    highPrice: 6,
    ...fields,
  };
  deps.store.positions.set('LTC/BTC', position);
  return position;
}

describe('protection of an open position', () => {
  it('rests a stop on the exchange in the tick whose entry filled, stoplossPct below the fill', async () => {
    // Prepare
    const { deps, input } = setup();

    // Act
    await processSymbolTick(deps, input);

    // Assess
    const position = await deps.store.getPosition('LTC/BTC');
    expect(deps.broker.stops).toEqual([
      expect.objectContaining({ symbol: 'LTC/BTC', amount: 0.001, stopPrice: 5.4 }),
    ]);
    expect(position.stop).toMatchObject({ price: 5.4, revision: 1 });
    expect(deps.broker.restingStops()).toEqual([position.stop?.clientOrderId]);
    expect(deps.metrics.sum('StopsPlaced')).toBe(1);
  });

  it('closes the position once, at the fill price and fee, when its stop filled between ticks', async () => {
    // Prepare
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    const stopId = (await deps.store.getPosition('LTC/BTC')).stop?.clientOrderId ?? '';
    deps.broker.fillStop(stopId, 5.4, at(1).scheduledAt - tf + 60_000);

    // Act: the next tick, and a redelivery of it
    const next = await tickAt(deps, 1, [5, 5, 5, 5, 6, 5]);
    await tickAt(deps, 1, [5, 5, 5, 5, 6, 5]);

    // Assess
    const position = await deps.store.getPosition('LTC/BTC');
    expect(next.status).toBe('ok');
    expect(position).toMatchObject({ amount: 0 });
    expect(position.stop).toBeUndefined();
    expect(position.realisedPnl).toBeCloseTo(
      0.001 * (5.4 - 6) - 0.001 * 6 * 0.001 - 0.001 * 5.4 * 0.001,
      12,
    );
    expect(await deps.store.getOrder('LTC/BTC', stopId)).toMatchObject({
      status: 'filled',
      exitReason: 'stoploss',
      fillCandleTime: at(1).scheduledAt - tf,
    });
    expect(deps.broker.placed.filter((o) => o.side === 'sell')).toHaveLength(0);
    expect(deps.metrics.sum('StopsFilled')).toBe(1);
  });

  it('places the next revision when the stop is gone from the exchange', async () => {
    // Prepare
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    const first = (await deps.store.getPosition('LTC/BTC')).stop;
    await deps.broker.cancelOrder('LTC/BTC', first?.clientOrderId ?? '');

    // Act
    await tickAt(deps, 1, [5, 5, 5, 5, 6, 6]);

    // Assess
    const position = await deps.store.getPosition('LTC/BTC');
    expect(position.stop).toMatchObject({ revision: 2, price: 5.4 });
    expect(position.stop?.clientOrderId).toBe(
      stopClientOrderId(first?.entryOrderId ?? '', 2, 'binance'),
    );
    expect(deps.broker.restingStops()).toEqual([position.stop?.clientOrderId]);
    expect(deps.metrics.sum('StopsMissing')).toBe(1);
  });

  it.each([
    ['halted', { mode: 'halted' as const }],
    ['close-only', { mode: 'close-only' as const }],
  ])('places a missing stop while %s', async (_name, control) => {
    // Prepare
    const { deps, input } = setup(steady);
    hold(deps);
    deps.store.control = { ...control, reason: 'test', at: new Date(scheduledAt).toISOString() };

    // Act
    await processSymbolTick(deps, input);

    // Assess
    expect(deps.broker.restingStops()).toHaveLength(1);
    expect((await deps.store.getPosition('LTC/BTC')).stop).toMatchObject({ price: 5.4 });
  });

  it('places a missing stop for a disabled symbol, and for a stale tick', async () => {
    // Prepare
    const disabled = setup(steady);
    hold(disabled.deps);
    const symbols = disabled.deps.config.symbols.map((s) => ({ ...s, enabled: false }));
    const stale = setup(steady);
    hold(stale.deps);
    stale.deps.clock.at = scheduledAt + tf;

    // Act
    const a = await processSymbolTick(
      { ...disabled.deps, config: { ...disabled.deps.config, symbols } },
      disabled.input,
    );
    const b = await processSymbolTick(stale.deps, stale.input);

    // Assess
    expect(a).toMatchObject({ status: 'skipped', skipReason: 'disabled' });
    expect(b).toMatchObject({ status: 'skipped', skipReason: 'stale' });
    expect(disabled.deps.broker.restingStops()).toHaveLength(1);
    expect(stale.deps.broker.restingStops()).toHaveLength(1);
  });

  it('exits on a stale tick (an exit is never refused for lateness)', async () => {
    // Prepare: a cross down, decided 3 minutes late
    const { deps, input } = setup(crossDown);
    hold(deps);
    deps.clock.at = scheduledAt + 200_000;

    // Act
    const result = await processSymbolTick(deps, input);

    // Assess
    expect(result.order).toMatchObject({ side: 'sell', status: 'filled' });
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0);
  });

  it('while the breaker is open, places a missing stop, and trusts one resting without a call', async () => {
    // Prepare: three failed ticks open the breaker
    const { deps } = setup(steady);
    hold(deps);
    deps.market.failWith = new ExchangeUnavailableError('timeout', 'klines timed out');
    deps.broker.stopFailure = new ExchangeUnavailableError('timeout', 'order timed out');
    for (let n = 0; n < 3; n++) await tickAt(deps, n, steady).catch(() => undefined);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'open' });
    deps.broker.stopFailure = undefined;

    // Act
    const placing = await tickAt(deps, 3, steady);
    const stops = deps.broker.stops.length;
    const lookups = [...deps.broker.venue.keys()].length;
    const trusting = await tickAt(deps, 4, steady);

    // Assess
    expect(placing).toMatchObject({ status: 'skipped', skipReason: 'breaker' });
    expect(trusting).toMatchObject({ status: 'skipped', skipReason: 'breaker' });
    expect(deps.broker.restingStops()).toHaveLength(1);
    expect(deps.broker.stops).toHaveLength(stops);
    expect([...deps.broker.venue.keys()]).toHaveLength(lookups);
  });

  it("books a stop's fill at the breaker's half-open probe, which reconciles the stop like any tick", async () => {
    // Prepare: a resting stop, then three failed ticks open the breaker
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    const stopId = (await deps.store.getPosition('LTC/BTC')).stop?.clientOrderId ?? '';
    deps.market.failWith = new ExchangeUnavailableError('timeout', 'klines timed out');
    for (let n = 1; n < 4; n++) await tickAt(deps, n, steady).catch(() => undefined);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'open' });
    deps.broker.fillStop(stopId, 5.4);
    const trusted = await tickAt(deps, 4, steady);
    const heldWhileOpen = (await deps.store.getPosition('LTC/BTC')).amount;

    // Act: the probe, once the 15-minute cooldown is over
    deps.market.failWith = undefined;
    const probe = await tickAt(deps, 7, steady);

    // Assess
    expect(trusted).toMatchObject({ skipReason: 'breaker' });
    expect(heldWhileOpen).toBe(0.001);
    expect(probe).toMatchObject({ status: 'ok', breaker: 'closed' });
    expect(await deps.store.getPosition('LTC/BTC')).toMatchObject({ amount: 0 });
    expect(await deps.store.getOrder('LTC/BTC', stopId)).toMatchObject({ status: 'filled' });
  });

  it('cancels the stop before a strategy exit sells, so only one sell fills', async () => {
    // Prepare
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    const stopId = (await deps.store.getPosition('LTC/BTC')).stop?.clientOrderId ?? '';

    // Act: a cross down
    const exit = await tickAt(deps, 1, crossDown);

    // Assess
    expect(exit.order).toMatchObject({ side: 'sell', status: 'filled' });
    expect(deps.broker.venue.get(stopId)?.status).toBe(OrderStatus.Cancelled);
    expect(deps.broker.restingStops()).toEqual([]);
    expect(await deps.store.getOrder('LTC/BTC', exit.order?.clientOrderId ?? '')).toMatchObject({
      exitReason: 'signal',
    });
  });

  it('sells nothing more when the stop filled before the exit could cancel it', async () => {
    // Prepare
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    const stopId = (await deps.store.getPosition('LTC/BTC')).stop?.clientOrderId ?? '';
    // Trust the resting stop on the next tick so that the race happens at the cancel.
    const findOrder = deps.broker.findOrder.bind(deps.broker);
    let reconciled = false;
    deps.broker.findOrder = async (symbol: string, id: string) => {
      const report = await findOrder(symbol, id);
      if (id === stopId && !reconciled) {
        reconciled = true;
        deps.broker.fillStop(stopId, 5.4);
      }
      return report;
    };

    // Act
    await tickAt(deps, 1, crossDown);

    // Assess
    const position = await deps.store.getPosition('LTC/BTC');
    expect(position.amount).toBe(0);
    expect(deps.broker.placed.filter((o) => o.side === 'sell')).toHaveLength(0);
    expect(await deps.store.getOrder('LTC/BTC', stopId)).toMatchObject({ status: 'filled' });
  });

  it('trails the stop up below a new highest close, leaving exactly one stop resting', async () => {
    // Prepare
    const { deps, input } = setup(crossUp, { risk: { trailingStopPct: 0.05 } });
    await processSymbolTick(deps, input);
    const first = (await deps.store.getPosition('LTC/BTC')).stop;

    // Act: the close climbs to 8
    await tickAt(deps, 1, [5, 5, 5, 5, 6, 8]);

    // Assess
    const position = await deps.store.getPosition('LTC/BTC');
    expect(position.stop).toMatchObject({ revision: 2, price: 7.6 });
    expect(position.stop?.replaces).toBeUndefined();
    expect(position.highPrice).toBe(8);
    expect(deps.broker.venue.get(first?.clientOrderId ?? '')?.status).toBe(OrderStatus.Cancelled);
    expect(deps.broker.restingStops()).toEqual([position.stop?.clientOrderId]);
    expect(await deps.store.getOrder('LTC/BTC', position.stop?.clientOrderId ?? '')).toMatchObject({
      exitReason: 'trailing',
      stopPrice: 7.6,
    });
  });

  it('exits at the roi ratio for the time held, recorded as roi', async () => {
    // Prepare: 10 % up after one candle, against a 5 % ratio from minute 0
    const { deps, input } = setup(crossUp, { risk: { roi: { '0': 0.05 } } });
    await processSymbolTick(deps, input);

    // Act
    const result = await tickAt(deps, 1, [5, 5, 5, 5, 6, 6.6]);

    // Assess
    expect(result.order).toMatchObject({ side: 'sell' });
    expect(await deps.store.getOrder('LTC/BTC', result.order?.clientOrderId ?? '')).toMatchObject({
      exitReason: 'roi',
    });
    expect(deps.broker.restingStops()).toEqual([]);
  });

  it('places no stop while the exit a retry is finishing may already have sold the position', async () => {
    // Prepare: the exit's sell fills on the exchange but its answer is lost
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    deps.broker.loseNextResponse = true;
    await expect(tickAt(deps, 1, crossDown)).rejects.toThrow();
    const stops = deps.broker.stops.length;

    // Act: the redelivery
    const retried = await tickAt(deps, 1, crossDown);

    // Assess
    expect(retried.order).toMatchObject({ side: 'sell', status: 'filled' });
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0);
    expect(deps.broker.stops).toHaveLength(stops);
    expect(deps.broker.placed.filter((o) => o.side === 'sell')).toHaveLength(1);
  });

  it('looks a stop whose answer was lost up at once, in the same tick, and sends it once', async () => {
    // Prepare
    const { deps, input } = setup(steady);
    hold(deps);
    const place = deps.broker.placeStopOrder.bind(deps.broker);
    deps.broker.placeStopOrder = async (request) => {
      await place(request);
      throw new ExchangeUnavailableError('timeout', 'response lost');
    };

    // Act
    const result = await processSymbolTick(deps, input);

    // Assess
    const stop = (await deps.store.getPosition('LTC/BTC')).stop;
    expect(result.status).toBe('ok');
    expect(deps.broker.stops).toHaveLength(1);
    expect(await deps.store.getOrder('LTC/BTC', stop?.clientOrderId ?? '')).toMatchObject({
      status: 'open',
    });
  });

  it('after a tick that could not learn whether its stop was placed, the retry finds it and sends none', async () => {
    // Prepare: the answer is lost, and the look-up fails too
    const { deps, input } = setup(steady);
    const position = hold(deps);
    const stop = {
      clientOrderId: stopClientOrderId('tf-b-entry', 1, 'binance'),
      price: 5.4,
      revision: 1,
      entryOrderId: 'tf-b-entry',
    };
    deps.store.positions.set('LTC/BTC', withStop(position, stop));
    const place = deps.broker.placeStopOrder.bind(deps.broker);
    const find = deps.broker.findOrder.bind(deps.broker);
    let down = true;
    deps.broker.placeStopOrder = async (request) => {
      const report = await place(request);
      if (down) throw new ExchangeUnavailableError('timeout', 'response lost');
      return report;
    };
    deps.broker.findOrder = async (symbol: string, id: string) => {
      if (down) throw new ExchangeUnavailableError('unavailable', 'look-up failed');
      return find(symbol, id);
    };

    // Act
    await expect(processSymbolTick(deps, input)).rejects.toThrow();
    down = false;
    await processSymbolTick(deps, input);

    // Assess
    expect(deps.broker.stops).toHaveLength(1);
    expect(await deps.store.getOrder('LTC/BTC', stop.clientOrderId)).toMatchObject({
      status: 'open',
    });
  });
});
