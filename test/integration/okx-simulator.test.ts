import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOkxClient } from '../../lib/adapters/exchanges/okx-client.js';
import type { Candle } from '../../lib/domain/candle.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { minSize, okxWire } from '../../lib/simulator/okx-wire.js';
import {
  AuthenticationError,
  ExchangeError,
  InsufficientFunds,
  InvalidOrder,
  NetworkError,
  OrderNotFound,
  RateLimitExceeded,
} from '../../node_modules/ccxt/js/src/base/errors.js';
import type { Order } from '../../node_modules/ccxt/js/src/base/types.js';
import type okx from '../../node_modules/ccxt/js/src/okx.js';

// 2018-01-20 12:07:30 UTC: inside the LTC/BTC 5m candle opened 12:05, so 12:05 is forming and
// 12:00 is the newest closed one.
const now = Date.UTC(2018, 0, 20, 12, 7, 30);
const forming = Date.UTC(2018, 0, 20, 12, 5);
const newestClosed = Date.UTC(2018, 0, 20, 12, 0);
const fiveMinutes = 300_000;
const symbols = ['LTC/BTC', 'ETH/BTC'];
const tick = 0.000001;
const floorToTick = (price: number) => Number((Math.floor(price / tick) * tick).toFixed(6));

let clock: SimClock;
let sim: ExchangeSimulator;
let client: okx;
let orderSeq = 0;

/** A client id OKX takes: letters and digits only. */
function uniqueId(prefix = 'test'): string {
  orderSeq += 1;
  return `${prefix}${orderSeq}`;
}

function candleAt(symbol: string, time: number): Candle {
  const candle = sim.candles(symbol).find((c) => c.time === time);
  if (candle === undefined) throw new Error(`test data has no ${symbol} candle at ${time}`);
  return candle;
}

/** ccxt's fetchOrder by client id: `undefined` for the id ccxt's signature wants. */
function fetchByClientId(clientOrderId: string, params: Record<string, unknown> = {}) {
  return client.fetchOrder(undefined as unknown as string, 'LTC/BTC', { clientOrderId, ...params });
}

function marketBuy(amount: number, clientOrderId = uniqueId('buy')) {
  return client.createOrder('LTC/BTC', 'market', 'buy', amount, undefined, { clientOrderId });
}

/** A sell stop as tickfan places it: a market order with ccxt's `stopLossPrice`, in cash mode. */
function placeStop(amount: number, stopPrice: number, clientOrderId: string) {
  return client.createOrder('LTC/BTC', 'market', 'sell', amount, undefined, {
    clientOrderId,
    stopLossPrice: stopPrice,
    tdMode: 'cash',
  });
}

/** A sell stop below the last price that the first later candle dipping under it reaches. */
function reachableStop(): { stopPrice: number; candle: Candle } {
  const last = candleAt('LTC/BTC', newestClosed).close;
  const candle = sim.candles('LTC/BTC').find((c) => c.time >= forming && c.low < last);
  if (candle === undefined) throw new Error('test data never dips below the last close');
  const stopPrice = floorToTick((candle.low + Math.min(candle.open, last)) / 2);
  return { stopPrice, candle };
}

beforeAll(async () => {
  clock = new SimClock(now);
  sim = await startSimulator({ clock, wire: okxWire, symbols });
  client = createOkxClient({ url: sim.url });
  await client.loadMarkets();
});

afterAll(async () => {
  await sim?.close();
});

afterEach(() => {
  clock.set(now);
  sim.setFault('*', undefined);
  for (const symbol of symbols) sim.setFault(symbol, undefined);
});

describe('createOkxClient', () => {
  it("points OKX's REST API at the local server, with a dummy key, secret and passphrase", () => {
    // Act
    const local = createOkxClient({ url: `${sim.url}/` });

    // Assess
    expect((local.urls.api as Record<string, string>).rest).toBe(sim.url);
    expect(local.password).toBe('simulator-passphrase');
    expect(() => local.checkRequiredCredentials()).not.toThrow();
  });

  it('leaves the real OKX without credentials, and wants the passphrase besides key and secret', () => {
    // Act
    const real = createOkxClient({});
    const noPassphrase = createOkxClient({ apiKey: 'key', secret: 'secret' });

    // Assess
    expect((real.urls.api as Record<string, string>).rest).toBe('https://{hostname}');
    expect(() => real.checkRequiredCredentials()).toThrow(AuthenticationError);
    expect(() => noPassphrase.checkRequiredCredentials()).toThrow(/password/);
  });

  it('loads the markets with the spot instruments request alone', async () => {
    // Prepare
    const fresh = createOkxClient({ url: sim.url });
    const before = sim.requestCount();

    // Act
    await fresh.loadMarkets();

    // Assess
    expect(sim.requestCount() - before).toBe(1);
    expect(Object.keys(fresh.markets ?? {}).sort()).toEqual(['ETH/BTC', 'LTC/BTC']);
  });
});

describe('the OKX simulator through ccxt', () => {
  describe('markets', () => {
    it("states each market's tick, lot and minimum size as ccxt's precision and limits", () => {
      // Prepare
      const rules = sim.rules('LTC/BTC');

      // Act
      const market = client.market('LTC/BTC');

      // Assess
      expect(market).toMatchObject({
        id: 'LTC-BTC',
        base: 'LTC',
        quote: 'BTC',
        spot: true,
        margin: false,
        active: true,
        precision: { amount: rules.stepSize, price: rules.tickSize },
      });
      // OKX states no minimum notional: minSz is the size whose value clears it at any price
      const minSz = minSize(sim.engine.market('LTC/BTC'));
      expect(market.limits.amount?.min).toBe(minSz);
      expect(minSz).toBeGreaterThanOrEqual(rules.minQty);
      const lowest = Math.min(...sim.candles('LTC/BTC').map((c) => c.low));
      expect(minSz * lowest).toBeGreaterThanOrEqual(rules.minNotional);
    });
  });

  describe('fetchOHLCV', () => {
    it('serves the newest 300 candles in order, up to the one still forming', async () => {
      // Prepare
      const expected = sim
        .candles('LTC/BTC')
        .filter((c) => c.time <= forming)
        .slice(-300);

      // Act
      const rows = await client.fetchOHLCV('LTC/BTC', '5m', undefined, 300);

      // Assess
      expect(rows).toHaveLength(300);
      expect(rows.map((r) => r[0])).toEqual(expected.map((c) => c.time));
      const { open, high, low, close, volume } = candleAt('LTC/BTC', forming);
      expect(rows.at(-1)).toEqual([forming, open, high, low, close, volume]);
    });

    it('serves the candles from `since` in order, never past the one forming', async () => {
      // Prepare
      const since = forming - 400 * fiveMinutes;
      const recent = forming - 10 * fiveMinutes;

      // Act
      const rows = await client.fetchOHLCV('LTC/BTC', '5m', since, 300);
      const tail = await client.fetchOHLCV('LTC/BTC', '5m', recent, 300);

      // Assess
      expect(rows.map((r) => r[0])).toEqual(
        Array.from({ length: 300 }, (_, i) => since + i * fiveMinutes),
      );
      expect(rows[0]?.[4]).toBe(candleAt('LTC/BTC', since).close);
      expect(tail.map((r) => r[0])).toEqual(
        Array.from({ length: 11 }, (_, i) => recent + i * fiveMinutes),
      );
    });
  });

  describe('market orders', () => {
    it('buys and sells by client id, and finds each filled with its price and fee', async () => {
      // Prepare
      const price = sim.lastPrice('LTC/BTC') ?? 0;
      const buyId = uniqueId('buy');
      const sellId = uniqueId('sell');

      // Act
      const bought = await marketBuy(0.5, buyId);
      const sold = await client.createOrder('LTC/BTC', 'market', 'sell', 0.2, undefined, {
        clientOrderId: sellId,
      });
      const buy = await fetchByClientId(buyId);
      const sell = await fetchByClientId(sellId);

      // Assess
      expect(bought).toMatchObject({ clientOrderId: buyId, id: expect.any(String) });
      expect(sold).toMatchObject({ clientOrderId: sellId, id: expect.any(String) });
      for (const [order, amount, side] of [
        [buy, 0.5, 'buy'],
        [sell, 0.2, 'sell'],
      ] as const) {
        expect(order).toMatchObject({
          status: 'closed',
          side,
          amount,
          filled: amount,
          average: price,
        });
        expect(order.fee?.currency).toBe('BTC');
        expect(order.fee?.cost).toBeCloseTo(amount * price * 0.001, 8);
      }
      expect(buy.id).toBe(bought.id);
    });

    it('refuses a client id an open order holds with InvalidOrder naming code 51016', async () => {
      // Prepare: a stop rests under the id
      await marketBuy(1);
      const clientOrderId = uniqueId('dup');
      const stopPrice = floorToTick((sim.lastPrice('LTC/BTC') ?? 0) * 0.5);
      await placeStop(0.5, stopPrice, clientOrderId);

      // Act
      const again = placeStop(0.5, stopPrice, clientOrderId);

      // Assess
      await expect(again).rejects.toThrow(InvalidOrder);
      await expect(again).rejects.toThrow(/51016/);
      expect(sim.engine.allOrders().filter((o) => o.clientOrderId === clientOrderId)).toHaveLength(
        1,
      );
      await client.cancelOrder(undefined as unknown as string, 'LTC/BTC', {
        clientOrderId,
        trigger: true,
      });
    });

    it('takes a client id again once its order has filled, as OKX does', async () => {
      // Prepare
      const clientOrderId = uniqueId('reuse');
      await marketBuy(0.1, clientOrderId);

      // Act: why tickfan looks an intent up before it ever sends it again
      await marketBuy(0.1, clientOrderId);

      // Assess
      const under = sim.engine.allOrders().filter((o) => o.clientOrderId === clientOrderId);
      expect(under.map((o) => o.status)).toEqual(['filled', 'filled']);
    });

    it('refuses an order the balance cannot pay for with InsufficientFunds', async () => {
      // Act / Assess
      await expect(marketBuy(1000)).rejects.toThrow(InsufficientFunds);
    });

    it('answers a client id it does not know with OrderNotFound, for orders and stops', async () => {
      // Act / Assess
      await expect(fetchByClientId('neverPlaced')).rejects.toThrow(OrderNotFound);
      await expect(fetchByClientId('neverPlaced', { trigger: true })).rejects.toThrow(
        OrderNotFound,
      );
    });
  });

  describe('stops', () => {
    it('rests a stop, finds it by client id, and cancels it by client id', async () => {
      // Prepare
      await marketBuy(1);
      const clientOrderId = uniqueId('stop');
      const stopPrice = floorToTick((sim.lastPrice('LTC/BTC') ?? 0) * 0.5);

      // Act
      const placed = await placeStop(0.5, stopPrice, clientOrderId);
      const resting = await fetchByClientId(clientOrderId, { trigger: true });
      const lockedWhileResting = (await client.fetchBalance()).LTC?.used;
      const cancel = await client.cancelOrder(undefined as unknown as string, 'LTC/BTC', {
        clientOrderId,
        trigger: true,
      });
      const cancelled = await fetchByClientId(clientOrderId, { trigger: true });

      // Assess
      expect(placed).toMatchObject({ clientOrderId, id: expect.any(String) });
      expect(resting).toMatchObject({
        id: placed.id,
        clientOrderId,
        status: 'open',
        side: 'sell',
        amount: 0.5,
        stopLossPrice: stopPrice,
      });
      expect(lockedWhileResting).toBe(0.5);
      expect(cancel.id).toBe(placed.id);
      expect(cancelled.status).toBe('canceled');
      expect(sim.openOrders('LTC/BTC')).toHaveLength(0);
    });

    it("reports a triggered stop closed, and its market sell's fill and fee by the ordId it names", async () => {
      // Prepare
      await marketBuy(0.5);
      const clientOrderId = uniqueId('stop');
      const { stopPrice, candle } = reachableStop();
      await placeStop(0.5, stopPrice, clientOrderId);

      // Act
      clock.set(candle.time + fiveMinutes + 1_000);
      const stop = await fetchByClientId(clientOrderId, { trigger: true });
      const ordId = String((stop.info as Record<string, unknown>).ordId);
      const sale: Order = await client.fetchOrder(ordId, 'LTC/BTC');
      const trades = await client.fetchMyTrades('LTC/BTC', undefined, undefined, { ordId });
      const cancel = await client
        .cancelOrder(undefined as unknown as string, 'LTC/BTC', { clientOrderId, trigger: true })
        .catch((e: unknown) => e);

      // Assess
      expect(stop).toMatchObject({ status: 'closed', amount: 0.5, stopLossPrice: stopPrice });
      expect(stop.fee).toBeUndefined();
      expect(sale).toMatchObject({
        status: 'closed',
        side: 'sell',
        filled: 0.5,
        average: stopPrice,
      });
      expect(sale.info).toMatchObject({ ordId, algoClOrdId: clientOrderId });
      expect(sale.fee?.cost).toBeCloseTo(0.5 * stopPrice * 0.001, 8);
      expect(sale.fee?.currency).toBe('BTC');
      expect(Math.floor((sale.lastTradeTimestamp ?? 0) / fiveMinutes) * fiveMinutes).toBe(
        candle.time,
      );
      expect(trades).toHaveLength(1);
      expect(trades[0]).toMatchObject({ order: ordId, price: stopPrice, amount: 0.5 });
      expect(trades[0]?.fee?.cost).toBeCloseTo(0.5 * stopPrice * 0.001, 8);
      expect(cancel).toBeInstanceOf(OrderNotFound);
    });
  });

  describe('account', () => {
    it('reports free and locked balances as the simulator holds them', async () => {
      // Act
      const balance = await client.fetchBalance();

      // Assess
      const free = sim.balances();
      expect(balance.BTC?.free).toBe(free.BTC);
      expect(balance.LTC?.free).toBe(free.LTC);
      expect(balance.LTC?.used).toBe(sim.engine.lockedBalances().LTC ?? 0);
      expect(balance.ETH?.total).toBe(10);
    });

    it("reports the key's permissions and IP whitelist in the account configuration", async () => {
      // Prepare
      const restrictions = sim.restrictions;

      // Act
      const tradingOnly = await client.privateGetAccountConfig();
      sim.restrictions = { ...restrictions, enableWithdrawals: true, ipRestrict: false };
      const withdrawing = await client.privateGetAccountConfig().finally(() => {
        sim.restrictions = restrictions;
      });

      // Assess
      expect(tradingOnly.data[0]).toMatchObject({ perm: 'read_only,trade', ip: '127.0.0.1' });
      expect(withdrawing.data[0]).toMatchObject({ perm: 'read_only,trade,withdraw', ip: '' });
    });
  });

  describe('failures', () => {
    it('answers a throttled request with 429, which ccxt raises as RateLimitExceeded with Retry-After', async () => {
      // Prepare
      sim.setFault('*', { kind: 'ratelimit', rate: 1 });

      // Act
      const throttled = client.fetchOHLCV('LTC/BTC', '5m', undefined, 10);

      // Assess
      await expect(throttled).rejects.toThrow(RateLimitExceeded);
      await expect(client.fetchBalance()).rejects.toThrow(NetworkError);
      const headers = Object.entries(client.last_response_headers ?? {});
      expect(headers.find(([name]) => name.toLowerCase() === 'retry-after')?.[1]).toBe('1');
    });

    it('answers an endpoint it does not serve so that ccxt raises a plain ExchangeError', async () => {
      // Act
      const error = await client.privateGetAssetCurrencies().catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ExchangeError);
      expect(error).not.toBeInstanceOf(NetworkError);
      expect((error as Error).message).toContain('GET /api/v5/asset/currencies');
    });
  });
});
