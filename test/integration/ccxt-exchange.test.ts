import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange, UnknownMarketError } from '../../lib/adapters/ccxt-exchange.js';
import { createBinanceClient } from '../../lib/adapters/exchanges/binance-client.js';
import { exchangeClients } from '../../lib/adapters/exchanges/clients.js';
import { type ExchangeId, exchangeIds, exchangeLimits } from '../../lib/config/schema.js';
import type { Candle } from '../../lib/domain/candle.js';
import { clientOrderId } from '../../lib/domain/order-intent.js';
import { stopClientOrderId } from '../../lib/domain/stop.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { OrderRejectedError, type OrderRequest } from '../../lib/ports/broker.js';
import { ExchangeUnavailableError } from '../../lib/ports/market-data.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { minSize } from '../../lib/simulator/okx-wire.js';
import { wireOf } from '../../lib/simulator/wires.js';
import { AuthenticationError } from '../../node_modules/ccxt/js/src/base/errors.js';

// Inside the LTC/BTC 5m candle opened 12:05: 12:05 is forming, 12:00 is the newest closed one.
const now = Date.UTC(2018, 0, 20, 12, 7, 30);
const forming = Date.UTC(2018, 0, 20, 12, 5);
const newestClosed = Date.UTC(2018, 0, 20, 12, 0);
const symbols = ['LTC/BTC', 'ETH/BTC'];

let sim: ExchangeSimulator;
let clock: SimClock;
let exchange: CcxtExchange;
let orderSeq = 0;
/** The exchange the simulator speaks and the adapter's client is made for. */
let exchangeId: ExchangeId = 'binance';

/** A fresh client id of a market order, in the exchange's own style. */
function nextOrderId(): string {
  orderSeq += 1;
  const intent = { strategy: 'ccxt-test', symbol: 'LTC/BTC', candleTime: orderSeq } as const;
  return clientOrderId({ ...intent, side: 'buy' }, exchangeId);
}

/** A fresh client id of a stop, in the exchange's own style. */
function nextStopId(): string {
  orderSeq += 1;
  return stopClientOrderId(`ccxt-test-entry-${orderSeq}`, 1, exchangeId);
}

/** Starts the simulator speaking `id`'s API and an adapter on that exchange's ccxt class. */
function onExchange(id: ExchangeId): void {
  beforeAll(async () => {
    exchangeId = id;
    clock = new SimClock(now);
    // Each test makes a tick's calls within moments of simulated time, one test after another,
    // far above what Kraken's private counter lets one key do; the limits have tests of their own.
    sim = await startSimulator({ clock, symbols, wire: wireOf(id), rateLimits: false });
    exchange = freshExchange();
  });
  afterAll(async () => {
    await sim?.close();
  });
}

function candleAt(symbol: string, time: number): Candle {
  const candle = sim.candles(symbol).find((c) => c.time === time);
  if (candle === undefined) throw new Error(`test data has no ${symbol} candle at ${time}`);
  return candle;
}

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    symbol: 'LTC/BTC',
    side: 'buy',
    amount: 0.5,
    clientOrderId: nextOrderId(),
    referencePrice: 0.0162,
    timeoutMs: 2_000,
    ...overrides,
  };
}

/** A fresh adapter on a fresh client, for tests about what is loaded or cached. */
function freshExchange(): CcxtExchange {
  return new CcxtExchange({ exchange: exchangeClients[exchangeId]({ url: sim.url }), clock });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

afterEach(() => {
  sim.setFault('*', undefined);
  for (const symbol of symbols) sim.setFault(symbol, undefined);
});

describe('createBinanceClient', () => {
  onExchange('binance');

  it('points every Binance API family at the local server, the spot API at /api/v3', () => {
    // Act
    const client = createBinanceClient({ url: sim.url });

    // Assess
    const api = client.urls.api as Record<string, string>;
    expect(api.public).toBe(`${sim.url}/api/v3`);
    expect(api.private).toBe(`${sim.url}/api/v3`);
    expect(api.sapi).toBe(`${sim.url}/sapi/v1`);
    expect(Object.values(api).every((address) => address.startsWith(sim.url))).toBe(true);
  });

  it('leaves the real Binance without credentials, so private calls fail naming the key', () => {
    // Act
    const client = createBinanceClient({});

    // Assess
    expect((client.urls.api as Record<string, string>).public).toBe(
      'https://api.binance.com/api/v3',
    );
    expect(() => client.checkRequiredCredentials()).toThrow(AuthenticationError);
    expect(() => client.checkRequiredCredentials()).toThrow(/apiKey/);
  });
});

/** How each exchange words the refusals the adapter turns into OrderRejectedError. */
const refusalWords: Record<ExchangeId, { funds: RegExp; notional: RegExp; trigger: RegExp }> = {
  binance: {
    funds: /insufficient balance/,
    notional: /NOTIONAL/,
    trigger: /would trigger immediately/,
  },
  okx: { funds: /51008/, notional: /51020|minimum/i, trigger: /51/ },
  kraken: {
    funds: /Insufficient funds/,
    notional: /Cost minimum not met/,
    trigger: /Invalid arguments:price/,
  },
};

describe.each(exchangeIds)('CcxtExchange on %s', (id) => {
  onExchange(id);

  describe('market', () => {
    it('maps the exchange filters to steps and minimums', async () => {
      // Prepare
      const rules = sim.rules('LTC/BTC');

      // Act
      const market = await exchange.market('LTC/BTC', 2_000);

      // Assess: OKX states a minimum size and no minimum notional; its minSz clears the notional
      expect(market).toEqual({
        symbol: 'LTC/BTC',
        base: 'LTC',
        quote: 'BTC',
        active: true,
        amountStep: rules.stepSize,
        priceStep: rules.tickSize,
        minAmount: id === 'okx' ? minSize(sim.engine.market('LTC/BTC')) : rules.minQty,
        minNotional: id === 'okx' ? 0 : rules.minNotional,
      });
      const lowest = Math.min(...sim.candles('LTC/BTC').map((c) => c.low));
      expect(market.minAmount * lowest + 1e-12).toBeGreaterThanOrEqual(
        id === 'okx' ? rules.minNotional : 0,
      );
    });

    it('loads the markets once', async () => {
      // Prepare
      const fresh = freshExchange();
      await fresh.market('LTC/BTC', 2_000);
      const before = sim.requestCount();

      // Act
      await fresh.market('ETH/BTC', 2_000);

      // Assess
      expect(sim.requestCount()).toBe(before);
    });

    it('loads the markets again after a failed load', async () => {
      // Prepare
      const fresh = freshExchange();
      sim.setFault('*', { kind: 'http5xx', rate: 1 });
      const first = await failure(fresh.market('LTC/BTC', 2_000));
      sim.setFault('*', undefined);

      // Act
      const market = await fresh.market('LTC/BTC', 2_000);

      // Assess
      expect(first).toBeInstanceOf(ExchangeUnavailableError);
      expect(market.symbol).toBe('LTC/BTC');
    });

    it('names a symbol the exchange does not list', async () => {
      // Act
      const error = await failure(exchange.market('DOGE/BTC', 2_000));

      // Assess
      expect(error).toBeInstanceOf(UnknownMarketError);
      expect((error as Error).message).toContain('DOGE/BTC');
    });
  });

  describe('fetchCandles', () => {
    it('returns the newest `limit` closed candles oldest first, without the forming one', async () => {
      // Prepare
      const candles = sim.candles('LTC/BTC');
      const newestIndex = candles.findIndex((c) => c.time === newestClosed);

      // Act
      const fetched = await exchange.fetchCandles({
        symbol: 'LTC/BTC',
        timeframe: '5m',
        limit: 4,
        timeoutMs: 2_000,
      });

      // Assess
      expect(fetched).toEqual(candles.slice(newestIndex - 3, newestIndex + 1));
      expect(fetched.map((c) => c.time)).not.toContain(forming);
      expect(fetched.at(-1)?.time).toBe(newestClosed);
    });

    it('drops a candle that opened at now exactly, as it has not closed yet', async () => {
      // Prepare: exchange and adapter share a clock standing still on a candle boundary
      const boundary = { now: () => forming };
      const own = await startSimulator({ clock: boundary, symbols: ['ETH/BTC'], wire: wireOf(id) });
      const onTheBoundary = new CcxtExchange({
        exchange: exchangeClients[id]({ url: own.url }),
        clock: boundary,
      });

      // Act
      const fetched = await onTheBoundary.fetchCandles({
        symbol: 'ETH/BTC',
        timeframe: '1m',
        limit: 2,
        timeoutMs: 2_000,
      });
      await own.close();

      // Assess
      expect(fetched.map((c) => c.time)).toEqual([forming - 2 * 60_000, forming - 60_000]);
    });

    it('with since, returns the first `limit` closed candles from that open time', async () => {
      // Prepare
      const candles = sim.candles('LTC/BTC');
      const from = candles.findIndex((c) => c.time === newestClosed) - 5;
      const since = candles[from]?.time ?? 0;

      // Act
      const fetched = await exchange.fetchCandles({
        symbol: 'LTC/BTC',
        timeframe: '5m',
        since,
        limit: 3,
        timeoutMs: 2_000,
      });

      // Assess
      expect(fetched).toEqual(candles.slice(from, from + 3));
    });

    it('refuses a limit the exchange cannot serve in one request', async () => {
      // Prepare: one of the candles served may still be forming
      const most = exchangeLimits[id].candlesPerRequest - 1;

      // Act
      const error = await failure(
        exchange.fetchCandles({
          symbol: 'LTC/BTC',
          timeframe: '5m',
          limit: most + 1,
          timeoutMs: 2_000,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toContain(`from 1 to ${most}, got ${most + 1}`);
    });
  });

  describe('placeMarketOrder', () => {
    it('fills at the newest closed close, with the fee in the quote currency', async () => {
      // Prepare
      const price = candleAt('LTC/BTC', newestClosed).close;
      const count = sim.orders.length;
      const request = order({ amount: 0.5 });

      // Act
      const report = await exchange.placeMarketOrder(request);

      // Assess
      expect(report).toEqual({
        clientOrderId: request.clientOrderId,
        exchangeOrderId: expect.any(String),
        status: 'filled',
        filledAmount: 0.5,
        averagePrice: price,
        fee: expect.closeTo(0.5 * price * 0.001, 12),
        fillTime: sim.orders.at(-1)?.time,
      });
      expect(sim.orders).toHaveLength(count + 1);
      expect(sim.orders.at(-1)).toMatchObject({
        clientOrderId: request.clientOrderId,
        side: 'buy',
        amount: 0.5,
        price,
      });
    });

    it('reports the order already placed under a client id instead of placing it twice', async () => {
      // Prepare: binance holds every id it has seen; okx and kraken only an open order's, so
      // there the id is a resting stop's
      const request = order({ amount: 0.2 });
      const first = await exchange.placeMarketOrder(request);
      const stop = {
        symbol: 'LTC/BTC',
        amount: 0.2,
        stopPrice: Number((first.averagePrice * 0.5).toFixed(6)),
        clientOrderId: nextStopId(),
        timeoutMs: 2_000,
      };
      const resting = await exchange.placeStopOrder(stop);
      const count = sim.engine.allOrders().length;

      // Act
      const again = id === 'binance' ? await exchange.placeMarketOrder(request) : undefined;
      const stopAgain = await exchange.placeStopOrder(stop);

      // Assess
      expect(sim.engine.allOrders()).toHaveLength(count);
      if (again !== undefined) {
        expect(again).toMatchObject({
          clientOrderId: request.clientOrderId,
          exchangeOrderId: first.exchangeOrderId,
          status: 'filled',
          filledAmount: 0.2,
        });
      }
      expect(stopAgain).toMatchObject({
        clientOrderId: stop.clientOrderId,
        exchangeOrderId: resting.exchangeOrderId,
        status: 'open',
      });
      await exchange.cancelOrder('LTC/BTC', stop.clientOrderId, 2_000);
    });

    it('turns a refusal for lack of funds into OrderRejectedError', async () => {
      // Act
      const error = await failure(
        exchange.placeMarketOrder(order({ side: 'sell', amount: 1_000 })),
      );

      // Assess
      expect(error).toBeInstanceOf(OrderRejectedError);
      expect((error as Error).message).toMatch(refusalWords[id].funds);
    });

    it('turns a filter failure into OrderRejectedError', async () => {
      // Act: 0.001 LTC is worth about 0.000016 BTC, under the 0.0001 BTC minimum
      const error = await failure(exchange.placeMarketOrder(order({ amount: 0.001 })));

      // Assess
      expect(error).toBeInstanceOf(OrderRejectedError);
      expect((error as Error).message).toMatch(refusalWords[id].notional);
    });

    it('turns an order for an unknown symbol into OrderRejectedError', async () => {
      // Act
      const error = await failure(exchange.placeMarketOrder(order({ symbol: 'DOGE/BTC' })));

      // Assess
      expect(error).toBeInstanceOf(OrderRejectedError);
    });

    it('reports a lost response as unavailable, and findOrder then finds the order', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'lose-response', rate: 1 });
      const request = order({ amount: 0.1 });

      // Act
      const error = await failure(exchange.placeMarketOrder(request));
      sim.setFault('LTC/BTC', undefined);
      const found = await exchange.findOrder('LTC/BTC', request.clientOrderId, 2_000);

      // Assess
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect((error as ExchangeUnavailableError).kind).toBe('unavailable');
      expect(found).toMatchObject({ clientOrderId: request.clientOrderId, status: 'filled' });
    });

    it('gives up on a slow exchange at the deadline, while the order may still be filled', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'slow', ms: 1_000 });
      const request = order({ amount: 0.1, timeoutMs: 300 });
      const started = performance.now();

      // Act
      const error = await failure(exchange.placeMarketOrder(request));
      const elapsed = performance.now() - started;

      // Assess
      expect(elapsed).toBeLessThan(800);
      expect((error as ExchangeUnavailableError).kind).toBe('timeout');
      expect(sim.orders.at(-1)?.clientOrderId).toBe(request.clientOrderId);
    });
  });

  describe('findOrder', () => {
    it('finds an order by its client id', async () => {
      // Prepare
      const request = order({ amount: 0.3 });
      const placed = await exchange.placeMarketOrder(request);

      // Act
      const found = await exchange.findOrder('LTC/BTC', request.clientOrderId, 2_000);

      // Assess
      expect(found).toEqual({
        clientOrderId: request.clientOrderId,
        exchangeOrderId: placed.exchangeOrderId,
        status: 'filled',
        filledAmount: 0.3,
        averagePrice: placed.averagePrice,
        // Binance's order query carries no fees: they come from the order's fills (myTrades)
        fee: expect.closeTo(placed.fee, 12),
        fillTime: expect.any(Number),
      });
      expect(placed.fee).toBeGreaterThan(0);
    });

    it('returns undefined for a client id the exchange does not know', async () => {
      // Act
      const found = await exchange.findOrder('LTC/BTC', nextOrderId(), 2_000);

      // Assess
      expect(found).toBeUndefined();
    });
  });

  describe('stops', () => {
    const tick = 0.000001;
    const floorToTick = (price: number) => Number((Math.floor(price / tick) * tick).toFixed(6));

    /** A sell stop below the last price that the first later candle dipping under it reaches. */
    function reachableStop(): { stopPrice: number; candle: Candle } {
      const last = candleAt('LTC/BTC', newestClosed).close;
      const candle = sim.candles('LTC/BTC').find((c) => c.time >= forming && c.low < last);
      if (candle === undefined) throw new Error('test data never dips below the last close');
      const stopPrice = floorToTick((candle.low + Math.min(candle.open, last)) / 2);
      return { stopPrice, candle };
    }

    afterEach(() => clock.set(now));

    it('rests a stop as open, and reports it filled at the stop once a closed candle reaches it', async () => {
      // Prepare
      await exchange.placeMarketOrder(order({ amount: 0.5 }));
      const { stopPrice, candle } = reachableStop();
      const clientOrderId = nextStopId();

      // Act
      const placed = await exchange.placeStopOrder({
        symbol: 'LTC/BTC',
        amount: 0.5,
        stopPrice,
        clientOrderId,
        timeoutMs: 2_000,
      });
      const resting = await exchange.findOrder('LTC/BTC', clientOrderId, 2_000);
      clock.set(candle.time + 300_000 + 1_000);
      const filled = await exchange.findOrder('LTC/BTC', clientOrderId, 2_000);

      // Assess
      expect(placed).toMatchObject({ clientOrderId, status: 'open', filledAmount: 0 });
      expect(resting).toMatchObject({ status: 'open', filledAmount: 0 });
      expect(filled).toMatchObject({
        status: 'filled',
        filledAmount: 0.5,
        averagePrice: stopPrice,
      });
      // The simulator's default taker fee, 0.1 %, as Binance states it: to 8 decimals.
      expect(filled?.fee).toBeCloseTo(0.5 * stopPrice * 0.001, 8);
      expect(Math.floor((filled?.fillTime ?? 0) / 300_000) * 300_000).toBe(candle.time);
    });

    it('cancels a resting stop, and reports a stop that filled before the cancel as filled', async () => {
      // Prepare
      await exchange.placeMarketOrder(order({ amount: 1 }));
      const far = nextStopId();
      const near = nextStopId();
      const last = candleAt('LTC/BTC', newestClosed).close;
      const stop = (clientOrderId: string, stopPrice: number) =>
        exchange.placeStopOrder({
          symbol: 'LTC/BTC',
          amount: 0.5,
          stopPrice,
          clientOrderId,
          timeoutMs: 2_000,
        });
      await stop(far, floorToTick(last * 0.5));
      const { stopPrice, candle } = reachableStop();
      await stop(near, stopPrice);

      // Act
      const cancelled = await exchange.cancelOrder('LTC/BTC', far, 2_000);
      clock.set(candle.time + 300_000 + 1_000);
      const raced = await exchange.cancelOrder('LTC/BTC', near, 2_000);
      const unknown = await exchange.cancelOrder('LTC/BTC', nextStopId(), 2_000);

      // Assess
      expect(cancelled).toMatchObject({ clientOrderId: far, status: 'cancelled', filledAmount: 0 });
      expect(raced).toMatchObject({ clientOrderId: near, status: 'filled', filledAmount: 0.5 });
      expect(unknown).toBeUndefined();
    });

    it('turns a stop at or above the last price into OrderRejectedError', async () => {
      // Prepare
      await exchange.placeMarketOrder(order({ amount: 0.5 }));
      const last = candleAt('LTC/BTC', newestClosed).close;

      // Act
      const error = await failure(
        exchange.placeStopOrder({
          symbol: 'LTC/BTC',
          amount: 0.5,
          stopPrice: floorToTick(last * 1.1),
          clientOrderId: nextStopId(),
          timeoutMs: 2_000,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(OrderRejectedError);
      expect((error as Error).message).toMatch(refusalWords[id].trigger);
    });
  });

  describe('failures', () => {
    it('ends a hung call at its timeout as ExchangeUnavailableError timeout', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'hang' });
      const started = performance.now();

      // Act
      const error = await failure(
        exchange.fetchCandles({ symbol: 'LTC/BTC', timeframe: '5m', limit: 3, timeoutMs: 300 }),
      );

      // Assess
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(error).toMatchObject({
        name: 'ExchangeUnavailableError',
        kind: 'timeout',
        retryable: true,
      });
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(800);
    });

    it('ends a call whose answer stalls mid-body at its timeout, which ccxt alone does not', async () => {
      // Prepare
      await exchange.market('LTC/BTC', 2_000);
      sim.setFault('LTC/BTC', { kind: 'stall' });
      const started = performance.now();

      // Act
      const error = await failure(
        exchange.fetchCandles({ symbol: 'LTC/BTC', timeframe: '5m', limit: 3, timeoutMs: 300 }),
      );

      // Assess
      expect(error).toMatchObject({ name: 'ExchangeUnavailableError', kind: 'timeout' });
      expect(performance.now() - started).toBeLessThan(800);
    });

    it('keeps one hung symbol from holding up another', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'hang' });

      // Act
      const candles = await exchange.fetchCandles({
        symbol: 'ETH/BTC',
        timeframe: '1m',
        limit: 2,
        timeoutMs: 1_000,
      });

      // Assess
      expect(candles).toHaveLength(2);
    });

    it('reports a 503 as ExchangeUnavailableError unavailable, the ccxt error as its cause', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'http5xx', rate: 1 });

      // Act
      const error = await failure(
        exchange.fetchCandles({ symbol: 'LTC/BTC', timeframe: '5m', limit: 3, timeoutMs: 2_000 }),
      );

      // Assess
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect((error as ExchangeUnavailableError).kind).toBe('unavailable');
      expect((error as Error).cause).toBeInstanceOf(Error);
    });

    it('reports a 429 as rate-limit with the Retry-After seconds', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'ratelimit', rate: 1 });

      // Act
      const error = await failure(freshExchange().placeMarketOrder(order()));

      // Assess
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(error).toMatchObject({ kind: 'rate-limit', retryAfterSeconds: 1 });
    });

    it('honours a 429: sends nothing more until Retry-After has passed', async () => {
      // Prepare
      const throttled = freshExchange();
      await throttled.market('LTC/BTC', 2_000);
      sim.setFault('LTC/BTC', { kind: 'ratelimit', rate: 1 });
      const read = () =>
        throttled.fetchCandles({ symbol: 'LTC/BTC', timeframe: '5m', limit: 2, timeoutMs: 2_000 });
      const before = sim.requestCount();

      // Act
      const errors = [await failure(read()), await failure(read()), await failure(read())];
      const sentWhileThrottled = sim.requestCount() - before;
      sim.setFault('LTC/BTC', undefined);
      const stillCooling = await failure(read());
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      const after = await read();

      // Assess
      expect(errors.map((e) => (e as ExchangeUnavailableError).kind)).toEqual([
        'rate-limit',
        'rate-limit',
        'rate-limit',
      ]);
      expect(sentWhileThrottled).toBe(1);
      expect(stillCooling).toMatchObject({ kind: 'rate-limit' });
      expect(after).toHaveLength(2);
    });

    it('does not start a call it has no time for', async () => {
      // Prepare
      const before = sim.requestCount();

      // Act
      const error = await failure(exchange.findOrder('LTC/BTC', nextOrderId(), 0));

      // Assess
      expect(error).toMatchObject({ kind: 'timeout' });
      expect(sim.requestCount()).toBe(before);
    });
  });
});

describe('CcxtExchange on binance with live-style credentials', () => {
  onExchange('binance');

  // Fake values in the shape of Binance's 64-character keys.
  const apiKey = 'Fk3vT9qLw2ZxN8mRb7Yc4Hd6Jp1Gs5Ua0Ke2Wi9Oo3Tl8Vn4Qr7Xz6Cy1Bm5Ah2D';
  const secret = 'Sx7Lq2Nw9Zr4Tb8Mk1Vc6Hy3Jd5Gp0Ue7Ko2Wi4Oa9Tl6Vn1Qs8Xf3Cz5Bm7Ah4E';
  /** A signature parameter with its value: what ccxt's message of a signed GET carries. */
  const signed = /signature=(?!\*\*\*)[^\s&]+/;

  function liveLikeExchange(): CcxtExchange {
    return new CcxtExchange({
      exchange: createBinanceClient({ url: sim.url, apiKey, secret }),
      clock,
    });
  }

  it("keeps a signed request's signature and the keys out of a 503's error and its cause", async () => {
    // Prepare
    const live = liveLikeExchange();
    await live.market('LTC/BTC', 2_000);
    sim.setFault('LTC/BTC', { kind: 'http5xx', rate: 1 });

    // Act: a lookup by client id is a signed GET; ccxt puts its whole URL into the message.
    const error = await failure(live.findOrder('LTC/BTC', nextOrderId(), 2_000));

    // Assess
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    const cause = (error as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    for (const text of [
      (error as Error).message,
      (error as Error).stack,
      cause.message,
      cause.stack,
    ]) {
      expect(text).toContain('/api/v3/order?');
      expect(text).toContain('signature=***');
      expect(text).not.toMatch(signed);
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(secret);
    }
  });
});
