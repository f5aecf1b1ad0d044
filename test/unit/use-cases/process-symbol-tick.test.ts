import { describe, expect, it } from 'vitest';
import { OrderRejectedError } from '../../../lib/ports/broker.js';
import { ExchangeUnavailableError } from '../../../lib/ports/market-data.js';
import {
  processSymbolTick,
  TickFailedError,
  UnknownSymbolError,
} from '../../../lib/use-cases/process-symbol-tick.js';
import { testConfig } from '../../helpers/config.js';
import { candleSeries } from '../../helpers/fakes.js';
import {
  crossDown,
  crossUp,
  lastClosed,
  scheduledAt,
  symbolTickSetup as setup,
  tf,
} from '../../helpers/symbol-tick.js';

describe('processSymbolTick', () => {
  it('buys at the close of the crossing candle and records the position and the tick', async () => {
    const { deps, input } = setup();

    const result = await processSymbolTick(deps, input);

    expect(result).toMatchObject({
      status: 'ok',
      signal: 'enter',
      candleTime: lastClosed,
      price: 6,
    });
    expect(result.order).toMatchObject({ side: 'buy', status: 'filled', price: 6 });
    expect(deps.broker.placed).toHaveLength(1);
    expect(deps.broker.placed[0]).toMatchObject({ amount: 0.001, referencePrice: 6 });
    const position = await deps.store.getPosition('LTC/BTC');
    expect(position.amount).toBe(0.001);
    expect(deps.store.ticks.get(result.tickId)).toEqual(result);
    expect(deps.metrics.sum('OrdersPlaced')).toBe(1);
  });

  it('fetches exactly the warm-up the strategy needs, with a timeout within the budget', async () => {
    const { deps, input } = setup();
    await processSymbolTick(deps, { ...input, remainingMs: () => 4_000 });
    expect(deps.market.calls).toEqual([
      { symbol: 'LTC/BTC', since: lastClosed - 4 * tf, limit: 5, timeoutMs: 3_000 },
    ]);
  });

  it('sells a held position when the fast SMA crosses below', async () => {
    const { deps, input } = setup(crossDown);
    deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 5,
      realisedPnl: 0,
      version: 1,
    });

    const result = await processSymbolTick(deps, input);

    expect(result.order).toMatchObject({ side: 'sell', amount: 0.5, price: 3 });
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0);
  });

  it('ignores an exit signal while flat and an entry while long', async () => {
    const flat = setup(crossDown);
    expect((await processSymbolTick(flat.deps, flat.input)).order).toBeUndefined();
    const long = setup(crossUp);
    long.deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 1,
      entryPrice: 5,
      realisedPnl: 0,
      version: 1,
    });
    expect((await processSymbolTick(long.deps, long.input)).order).toBeUndefined();
    expect(long.deps.broker.placed).toHaveLength(0);
  });

  it('sends the same intent once: a redelivered tick changes nothing', async () => {
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    await processSymbolTick(deps, input);
    expect(deps.broker.placed).toHaveLength(1);
    expect(deps.broker.stops).toHaveLength(1);
    // The entry's order and its stop's.
    expect(deps.store.orders.size).toBe(2);
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0.001);
  });

  it('after a crash between the fill and the position write, applies the fill exactly once', async () => {
    const { deps, input } = setup();
    const putPosition = deps.store.putPosition.bind(deps.store);
    deps.store.putPosition = async () => {
      throw new Error('crash');
    };
    await expect(processSymbolTick(deps, input)).rejects.toBeInstanceOf(TickFailedError);
    deps.store.putPosition = putPosition;

    await processSymbolTick(deps, input);
    await processSymbolTick(deps, input);

    expect(deps.broker.placed).toHaveLength(1);
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0.001);
  });

  it('after a lost response, looks the order up on the venue instead of sending it again', async () => {
    const { deps, input } = setup();
    deps.broker.loseNextResponse = true;

    await expect(processSymbolTick(deps, input)).rejects.toBeInstanceOf(TickFailedError);
    const retried = await processSymbolTick(deps, input);

    expect(deps.broker.placed).toHaveLength(1);
    expect(retried.order).toMatchObject({ status: 'filled' });
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0.001);
  });

  it('settles an order a stale retry left pending: finds it filled and applies it once', async () => {
    const { deps, input } = setup();
    deps.broker.loseNextResponse = true;
    await expect(processSymbolTick(deps, input)).rejects.toBeInstanceOf(TickFailedError);
    expect((await deps.store.getPosition('LTC/BTC')).pendingOrderId).toMatch(/^tf-b-/);

    // the retry comes too late to trade, but still settles what the exchange did
    deps.clock.at = scheduledAt + tf;
    const late = await processSymbolTick(deps, input);

    expect(late).toMatchObject({ status: 'skipped', skipReason: 'stale' });
    const position = await deps.store.getPosition('LTC/BTC');
    expect(position).toMatchObject({ amount: 0.001 });
    expect(position.pendingOrderId).toBeUndefined();
    expect(deps.broker.placed).toHaveLength(1);
  });

  it('after a crash between recording the intent and sending it, the retry sends it once', async () => {
    const { deps, input } = setup();
    const updateOrder = deps.store.updateOrder.bind(deps.store);
    deps.store.updateOrder = async () => {
      throw new Error('crash before the order left');
    };
    await expect(processSymbolTick(deps, input)).rejects.toBeInstanceOf(TickFailedError);
    expect(deps.broker.placed).toHaveLength(0);
    deps.store.updateOrder = updateOrder;

    const retried = await processSymbolTick(deps, input);

    expect(retried.order).toMatchObject({ side: 'buy', status: 'filled' });
    expect(deps.broker.placed).toHaveLength(1);
    const position = await deps.store.getPosition('LTC/BTC');
    expect(position.amount).toBe(0.001);
    expect(position.pendingOrderId).toBeUndefined();
  });

  it('cancels a pending order the exchange never received, then trades on', async () => {
    const { deps, input } = setup();
    deps.broker.rejectWith = new ExchangeUnavailableError('unavailable', 'connection refused');
    await expect(processSymbolTick(deps, input)).rejects.toBeInstanceOf(TickFailedError);
    deps.broker.rejectWith = undefined;
    const pending = (await deps.store.getPosition('LTC/BTC')).pendingOrderId ?? '';

    const next = { symbol: 'LTC/BTC', scheduledAt: scheduledAt + tf };
    deps.clock.at = next.scheduledAt + 1_000;
    deps.market.candles = candleSeries([...crossUp, 6], scheduledAt);
    await processSymbolTick(deps, { tick: next, remainingMs: () => 25_000 });

    expect(deps.store.orders.get(pending)).toMatchObject({ status: 'cancelled' });
    expect((await deps.store.getPosition('LTC/BTC')).pendingOrderId).toBeUndefined();
  });

  it('records an order the venue refuses as rejected with its reason, and does not retry it', async () => {
    const { deps, input } = setup();
    deps.broker.rejectWith = new OrderRejectedError('insufficient balance');

    const result = await processSymbolTick(deps, input);

    expect(result.order).toMatchObject({ status: 'rejected', reason: 'insufficient balance' });
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0);
    expect(deps.metrics.sum('OrdersRejected')).toBe(1);
  });

  it('skips as stale when the candle the tick is about is missing, and never trades', async () => {
    const { deps, input } = setup();
    deps.market.candles = candleSeries(crossUp, lastClosed - tf);

    const result = await processSymbolTick(deps, input);

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'stale' });
    expect(deps.broker.placed).toHaveLength(0);
    expect(deps.metrics.sum('StaleSkips')).toBe(1);
  });

  it('re-fetches once after a short wait when the exchange lags, and trades if the candle arrived', async () => {
    const { deps, input } = setup();
    const complete = deps.market.candles;
    deps.market.candles = complete.slice(0, -1);
    deps.clock.onSleep = () => {
      deps.market.candles = complete;
    };

    const result = await processSymbolTick(deps, input);

    expect(deps.clock.slept).toEqual([2_000]);
    expect(deps.market.calls).toHaveLength(2);
    expect(result).toMatchObject({ status: 'ok', signal: 'enter', candleTime: lastClosed });
  });

  it('does not re-fetch when the wait would not fit the budget', async () => {
    const { deps, input } = setup();
    deps.market.candles = candleSeries(crossUp, lastClosed - tf);
    const result = await processSymbolTick(deps, { ...input, remainingMs: () => 3_000 });
    expect(deps.market.calls).toHaveLength(1);
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'stale' });
  });

  it('skips a tick that starts later than half its timeframe after its scheduled time', async () => {
    const { deps, input } = setup();
    deps.clock.at = scheduledAt + tf / 2 + 1;

    const result = await processSymbolTick(deps, input);

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'stale' });
    expect(deps.market.calls).toHaveLength(0);
    expect(deps.broker.placed).toHaveLength(0);
  });

  it('honours a configured maxTickLagMs', async () => {
    const { deps, input } = setup();
    const config = testConfig({ guards: { maxTickLagMs: 1_000, retryDelayMs: 500 } });
    const result = await processSymbolTick({ ...deps, config }, input);
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'stale' });
  });

  it('decides on the scheduled candle even when newer candles have closed since', async () => {
    const { deps, input } = setup();
    deps.market.candles = [
      ...candleSeries(crossUp, lastClosed),
      ...candleSeries([1], lastClosed + tf),
    ];
    const result = await processSymbolTick(deps, input);
    expect(result).toMatchObject({ candleTime: lastClosed, signal: 'enter' });
  });

  it('does not start a call that cannot fit the deadline', async () => {
    const { deps, input } = setup();
    const result = await processSymbolTick(deps, { ...input, remainingMs: () => 1_100 });
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'deadline' });
    expect(deps.market.calls).toHaveLength(0);
  });

  it('stores a failed tick and rethrows so the message is retried', async () => {
    const { deps, input } = setup();
    deps.market.failWith = new Error('ECONNRESET');

    const error = await processSymbolTick(deps, input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TickFailedError);
    expect((error as TickFailedError).result).toMatchObject({
      status: 'failed',
      error: 'Error: ECONNRESET',
    });
    expect(deps.metrics.sum('TickFailed')).toBe(1);
  });

  it('records the last successful tick and keeps the breaker closed', async () => {
    const { deps, input } = setup();
    await processSymbolTick(deps, input);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({
      breaker: 'closed',
      failures: 0,
      lastSuccessAt: scheduledAt,
    });
  });

  it('while halted, skips the tick without calling the exchange or sending an order', async () => {
    const { deps, input } = setup();
    deps.store.control = { mode: 'halted', reason: 'test' };

    const result = await processSymbolTick(deps, input);

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'halted' });
    expect(deps.market.calls).toHaveLength(0);
    expect(deps.broker.placed).toHaveLength(0);
    expect(deps.metrics.sum('HaltRefusals')).toBe(1);
  });

  it.each([
    ['halted', { control: { mode: 'halted', reason: 'test' } }],
    ['disabled', { enabled: false }],
  ] as const)(
    'while %s, still settles the order an earlier tick left pending, and sends none',
    async (reason, how) => {
      const { deps, input } = setup();
      deps.broker.loseNextResponse = true;
      await expect(processSymbolTick(deps, input)).rejects.toBeInstanceOf(TickFailedError);
      const pending = (await deps.store.getPosition('LTC/BTC')).pendingOrderId ?? '';
      expect(pending).toMatch(/^tf-b-/);
      if ('control' in how) deps.store.control = how.control;
      const config =
        'enabled' in how
          ? testConfig({
              symbols: [
                {
                  symbol: 'LTC/BTC',
                  timeframe: '5m',
                  params: { fast: 2, slow: 4 },
                  enabled: false,
                },
              ],
            })
          : deps.config;

      const next = { symbol: 'LTC/BTC', scheduledAt: scheduledAt + tf };
      deps.clock.at = next.scheduledAt + 1_000;
      const result = await processSymbolTick(
        { ...deps, config },
        { tick: next, remainingMs: () => 25_000 },
      );

      expect(result).toMatchObject({ status: 'skipped', skipReason: reason });
      expect(deps.broker.placed).toHaveLength(1);
      expect(deps.store.orders.get(pending)).toMatchObject({ status: 'filled' });
      const position = await deps.store.getPosition('LTC/BTC');
      expect(position.pendingOrderId).toBeUndefined();
      expect(position.amount).toBe(0.001);
    },
  );

  it('under close-only, refuses an entry but sends an exit', async () => {
    const entry = setup(crossUp);
    entry.deps.store.control = { mode: 'close-only' };
    expect(await processSymbolTick(entry.deps, entry.input)).toMatchObject({
      status: 'skipped',
      skipReason: 'halted',
      signal: 'enter',
    });
    expect(entry.deps.broker.placed).toHaveLength(0);

    const exit = setup(crossDown);
    exit.deps.store.control = { mode: 'close-only' };
    exit.deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 5,
      realisedPnl: 0,
      version: 1,
    });
    expect((await processSymbolTick(exit.deps, exit.input)).order).toMatchObject({ side: 'sell' });
  });

  it('rejects an entry when every open-position slot is taken, with the reason', async () => {
    const { deps, input } = setup();
    const config = testConfig({ risk: { maxOpenPositions: 1 } });
    deps.store.open.add('ETC/BTC');

    const result = await processSymbolTick({ ...deps, config }, input);

    expect(result.order).toMatchObject({
      status: 'rejected',
      reason: 'max open positions (1) reached',
    });
    expect(deps.broker.placed).toHaveLength(0);
  });

  it('takes an open-position slot on entry and gives it back when the position is closed', async () => {
    const entry = setup(crossUp);
    await processSymbolTick(entry.deps, entry.input);
    expect([...entry.deps.store.open]).toEqual(['LTC/BTC']);

    const exit = setup(crossDown);
    exit.deps.store.open.add('LTC/BTC');
    exit.deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 5,
      realisedPnl: 0,
      version: 1,
    });
    await processSymbolTick(exit.deps, exit.input);
    expect([...exit.deps.store.open]).toEqual([]);
  });

  it('sells at the stoploss whatever the strategy says', async () => {
    // flat closes: no cross, but the last close is 40 % under the entry
    const { deps, input } = setup([5, 5, 5, 5, 5, 5]);
    deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 8.5,
      realisedPnl: 0,
      version: 1,
    });

    const result = await processSymbolTick(deps, input);

    expect(result).toMatchObject({ signal: 'none', order: { side: 'sell', amount: 0.5 } });
  });

  it("moves trading to close-only by itself once the day's realised loss reaches the limit", async () => {
    const { deps, input } = setup(crossDown);
    const config = testConfig({ risk: { maxDailyLoss: 1 } });
    deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 6,
      realisedPnl: 0,
      version: 1,
    });

    // sells 0.5 at 3 after buying at 6: a loss of 1.5 plus the fee
    await processSymbolTick({ ...deps, config }, input);

    expect(deps.store.control).toMatchObject({ mode: 'close-only', by: 'daily-loss-limit' });
    expect(deps.metrics.sum('RealisedPnl')).toBeLessThan(-1.5);
    expect(deps.metrics.sum('DailyLossLimitReached')).toBe(1);
  });

  it('books each fill once into the day, so a retried settlement cannot double a loss', async () => {
    const { deps, input } = setup(crossDown);
    deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 6,
      realisedPnl: 0,
      version: 1,
    });
    const config = testConfig({ risk: { maxDailyLoss: 100 } });
    await processSymbolTick({ ...deps, config }, input);
    await processSymbolTick({ ...deps, config }, input);
    const [day] = [...deps.store.dailyPnl.values()];
    expect(day?.size).toBe(1);
    expect(deps.store.control.mode).toBe('active');
  });

  it('skips a tick of a disabled symbol as disabled, without calling the exchange or trading', async () => {
    const { deps, input } = setup();
    const config = testConfig({
      symbols: [
        { symbol: 'LTC/BTC', timeframe: '5m', params: { fast: 2, slow: 4 }, enabled: false },
      ],
    });
    deps.store.positions.set('LTC/BTC', {
      symbol: 'LTC/BTC',
      amount: 0.5,
      entryPrice: 9,
      realisedPnl: 0,
      version: 1,
    });

    // A message queued before the symbol was disabled, delivered again after a failure.
    const result = await processSymbolTick({ ...deps, config }, { ...input, attempt: 2 });

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'disabled', signal: 'none' });
    expect(deps.store.ticks.get(result.tickId)).toEqual(result);
    expect(deps.market.calls).toHaveLength(0);
    expect(deps.broker.placed).toHaveLength(0);
    expect((await deps.store.getPosition('LTC/BTC')).amount).toBe(0.5);
    expect(deps.metrics.sum('VanishedAttempts')).toBe(0);
  });

  it('refuses a symbol that is not configured', async () => {
    const { deps, input } = setup();
    await expect(
      processSymbolTick(deps, { ...input, tick: { symbol: 'DOGE/BTC', scheduledAt } }),
    ).rejects.toBeInstanceOf(UnknownSymbolError);
  });
});

describe('processSymbolTick circuit breaker', () => {
  const timeoutError = () => new ExchangeUnavailableError('timeout', 'klines timed out');
  const at = (n: number) => ({ symbol: 'LTC/BTC', scheduledAt: scheduledAt + n * tf });

  async function failTicks(deps: ReturnType<typeof setup>['deps'], from: number, count: number) {
    for (let n = from; n < from + count; n++) {
      deps.clock.at = at(n).scheduledAt + 1_000;
      await processSymbolTick(deps, { tick: at(n), remainingMs: () => 25_000 }).catch(
        () => undefined,
      );
    }
  }

  it('stays closed below the threshold and opens after three consecutive exchange failures', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();

    await failTicks(deps, 0, 2);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed', failures: 2 });
    await failTicks(deps, 2, 1);

    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({
      breaker: 'open',
      failures: 3,
      // silence is counted from the first failure of a symbol that never succeeded
      trackedSince: at(0).scheduledAt + 1_000,
    });
    expect(deps.metrics.sum('FetchFailures')).toBe(3);
    expect(deps.metrics.sum('ExchangeTimeouts')).toBe(3);
  });

  it('while open, skips ticks fast without calling the exchange', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();
    await failTicks(deps, 0, 3);
    const calls = deps.market.calls.length;

    deps.clock.at = at(3).scheduledAt + 1_000;
    const result = await processSymbolTick(deps, { tick: at(3), remainingMs: () => 25_000 });

    expect(result).toMatchObject({ status: 'skipped', skipReason: 'breaker', breaker: 'open' });
    expect(deps.market.calls).toHaveLength(calls);
  });

  it('after the cooldown lets one probe through, and closes when it succeeds', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();
    await failTicks(deps, 0, 3);
    deps.market.failWith = undefined;
    // cooldown 15 min = 3 ticks of 5 min after the opening failure
    const probe = at(6);
    deps.market.candles = candleSeries(crossUp, probe.scheduledAt - tf);
    deps.clock.at = probe.scheduledAt + 1_000;

    const result = await processSymbolTick(deps, { tick: probe, remainingMs: () => 25_000 });

    expect(result).toMatchObject({ status: 'ok', breaker: 'closed' });
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed', failures: 0 });
  });

  it('reopens at once when the half-open probe fails', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();
    await failTicks(deps, 0, 3);
    const probe = at(6);
    deps.clock.at = probe.scheduledAt + 1_000;

    await expect(
      processSymbolTick(deps, { tick: probe, remainingMs: () => 25_000 }),
    ).rejects.toBeInstanceOf(TickFailedError);

    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({
      breaker: 'open',
      openedAt: probe.scheduledAt + 1_000,
    });
    deps.clock.at = at(7).scheduledAt + 1_000;
    const next = await processSymbolTick(deps, { tick: at(7), remainingMs: () => 25_000 });
    expect(next.skipReason).toBe('breaker');
  });

  it('counts a retried tick whose last attempt left no result (killed at the timeout)', async () => {
    const { deps } = setup();
    for (let n = 0; n < 3; n++) {
      deps.clock.at = at(n).scheduledAt + 1_000;
      await processSymbolTick(deps, { tick: at(n), attempt: 2, remainingMs: () => 25_000 });
      // The retry itself succeeded, which closes the breaker again: only vanished attempts count.
    }
    expect(deps.metrics.sum('VanishedAttempts')).toBe(3);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed' });
  });

  it('opens the breaker after vanished attempts of a symbol that keeps dying', async () => {
    const { deps: base } = setup();
    const deps = {
      ...base,
      strategyFor: () => ({
        name: 'dies',
        warmup: 5,
        start: () => ({
          next: () => {
            throw new Error('never gets here in real life: the invocation is killed');
          },
        }),
      }),
    };
    // Three retries that each find no stored result of their earlier attempt.
    for (let n = 0; n < 3; n++) {
      deps.clock.at = at(n).scheduledAt + 1_000;
      deps.market.candles = candleSeries(crossUp, at(n).scheduledAt - tf);
      deps.store.ticks.clear();
      await processSymbolTick(deps, { tick: at(n), attempt: 2, remainingMs: () => 25_000 }).catch(
        () => undefined,
      );
      deps.store.ticks.clear();
    }
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'open', failures: 3 });
  });

  it('does not count a retry whose last attempt stored its failure', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();
    await failTicks(deps, 0, 1);
    deps.market.failWith = undefined;
    deps.market.candles = candleSeries(crossUp, at(0).scheduledAt - tf);
    await processSymbolTick(deps, { tick: at(0), attempt: 2, remainingMs: () => 25_000 });
    expect(deps.metrics.sum('VanishedAttempts')).toBe(0);
  });

  /** Runs attempts `from`..`to` of the n-th tick, each one failing, as the queue would retry them. */
  async function failAttempts(deps: ReturnType<typeof setup>['deps'], n: number, attempts: number) {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      deps.clock.at = at(n).scheduledAt + attempt * 1_000;
      await processSymbolTick(deps, { tick: at(n), attempt, remainingMs: () => 25_000 }).catch(
        () => undefined,
      );
    }
  }

  it('does not open on three failed attempts of one tick: the tick counts once', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();

    await failAttempts(deps, 0, 3);

    expect(deps.metrics.sum('FetchFailures')).toBe(3);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({
      breaker: 'closed',
      failures: 1,
      failedTickAt: at(0).scheduledAt,
    });
  });

  it('opens when three consecutive ticks fail, each on every attempt', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();

    await failAttempts(deps, 0, 3);
    await failAttempts(deps, 1, 3);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed', failures: 2 });
    await failAttempts(deps, 2, 1);

    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'open', failures: 3 });
    deps.clock.at = at(3).scheduledAt + 1_000;
    const next = await processSymbolTick(deps, { tick: at(3), remainingMs: () => 25_000 });
    expect(next).toMatchObject({ status: 'skipped', skipReason: 'breaker' });
  });

  it('lets the tick that opened the breaker retry, and closes it when the retry trades', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();
    await failAttempts(deps, 0, 3);
    await failAttempts(deps, 1, 3);
    await failAttempts(deps, 2, 2);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'open', failures: 3 });
    deps.market.failWith = undefined;
    deps.market.candles = candleSeries(crossUp, at(2).scheduledAt - tf);
    deps.clock.at = at(2).scheduledAt + 3_000;

    const retry = await processSymbolTick(deps, {
      tick: at(2),
      attempt: 3,
      remainingMs: () => 25_000,
    });

    expect(retry).toMatchObject({ status: 'ok', breaker: 'closed', order: { side: 'buy' } });
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed', failures: 0 });
  });

  it('forgets the failures of a tick once one of its attempts succeeds', async () => {
    const { deps } = setup();
    deps.market.failWith = timeoutError();
    await failAttempts(deps, 0, 2);
    deps.market.failWith = undefined;
    deps.clock.at = at(0).scheduledAt + 3_000;

    const result = await processSymbolTick(deps, {
      tick: at(0),
      attempt: 3,
      remainingMs: () => 25_000,
    });

    expect(result.status).toBe('ok');
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed', failures: 0 });
  });

  it('counts vanished attempts once per tick', async () => {
    const { deps } = setup();
    // Each retry finds no result of the attempt before it, then is killed itself (no result).
    for (let attempt = 2; attempt <= 4; attempt++) {
      deps.store.ticks.clear();
      deps.market.failWith = timeoutError();
      deps.clock.at = at(0).scheduledAt + attempt * 1_000;
      await processSymbolTick(deps, { tick: at(0), attempt, remainingMs: () => 25_000 }).catch(
        () => undefined,
      );
    }

    expect(deps.metrics.sum('VanishedAttempts')).toBe(3);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed', failures: 1 });
  });

  it('does not count failures that are not the exchange being unavailable', async () => {
    const { deps } = setup();
    deps.market.failWith = new Error('bug');
    await failTicks(deps, 0, 5);
    expect(await deps.store.getHealth('LTC/BTC')).toMatchObject({ breaker: 'closed', failures: 0 });
  });
});
