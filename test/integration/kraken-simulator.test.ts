import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKrakenClient } from '../../lib/adapters/exchanges/kraken-client.js';
import type { Candle } from '../../lib/domain/candle.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { roundToWire } from '../../lib/market-data/market-rules.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { krakenWire } from '../../lib/simulator/kraken-wire.js';
import {
  DDoSProtection,
  ExchangeError,
  InsufficientFunds,
  OrderNotFound,
} from '../../node_modules/ccxt/js/src/base/errors.js';
import { TICK_SIZE } from '../../node_modules/ccxt/js/src/base/functions/number.js';
import type { FeeInterface, Order } from '../../node_modules/ccxt/js/src/base/types.js';
import type kraken from '../../node_modules/ccxt/js/src/kraken.js';

// 2018-01-20 12:07:30 UTC: inside the LTC/BTC 5m candle opened 12:05, so 12:05 is forming and
// 12:00 is the newest closed one, whose close market orders fill at.
const now = Date.UTC(2018, 0, 20, 12, 7, 30);
const forming = Date.UTC(2018, 0, 20, 12, 5);
const newestClosed = Date.UTC(2018, 0, 20, 12, 0);
const fiveMinutes = 300_000;
const symbols = ['LTC/BTC', 'ETH/BTC', 'XRP/ETH'];
const feeRate = 0.001;

let sim: ExchangeSimulator;
let client: kraken;

function candleAt(simulator: ExchangeSimulator, symbol: string, time: number): Candle {
  const candle = simulator.candles(symbol).find((c) => c.time === time);
  if (candle === undefined) throw new Error(`test data has no ${symbol} candle at ${time}`);
  return candle;
}

/**
 * The fee the engine charges a fill, in the quote: the cost and the fee each rounded to the eight
 * decimals the wire carries. ccxt's kraken parses it into `fees[0].cost` as a number (its
 * `fee.cost` stays the string Kraken sent).
 */
function engineFee(amount: number, price: number): number {
  return roundToWire(roundToWire(amount * price) * feeRate);
}

/** ccxt's parsed fee list of an order, which its `Order` type leaves out. */
function feesOf(order: Order): FeeInterface[] | undefined {
  return (order as Order & { fees?: FeeInterface[] }).fees;
}

/** The one order `list` holds under `clientOrderId`, failing the test otherwise. */
function only(list: Order[], clientOrderId: string): Order {
  expect(list.map((o) => o.clientOrderId)).toEqual([clientOrderId]);
  return list[0] as Order;
}

function closedByClientId(c: kraken, clientOrderId: string): Promise<Order[]> {
  return c.fetchClosedOrders('LTC/BTC', undefined, undefined, { clientOrderId });
}

function openByClientId(c: kraken, clientOrderId: string): Promise<Order[]> {
  return c.fetchOpenOrders('LTC/BTC', undefined, undefined, { clientOrderId });
}

beforeAll(async () => {
  sim = await startSimulator({ clock: new SimClock(now), symbols, wire: krakenWire, feeRate });
  client = createKrakenClient({ url: sim.url });
});

afterAll(async () => {
  await sim?.close();
});

afterEach(() => {
  sim.setFault('*', undefined);
});

describe('kraken simulator through ccxt kraken', () => {
  it('loads markets with two requests, as unified symbols with Kraken ids, precisions and limits', async () => {
    // Prepare
    const fresh = createKrakenClient({ url: sim.url });
    const before = sim.requestCount();

    // Act
    await fresh.loadMarkets();

    // Assess
    expect(sim.requestCount() - before).toBe(2);
    expect(fresh.precisionMode).toBe(TICK_SIZE);
    expect(fresh.symbols).toEqual(['ETH/BTC', 'LTC/BTC', 'XRP/ETH']);
    expect(fresh.markets_by_id?.XLTCXXBT?.[0]?.symbol).toBe('LTC/BTC');
    expect(fresh.markets_by_id?.XETHXXBT?.[0]?.symbol).toBe('ETH/BTC');
    expect(fresh.markets_by_id?.XRPETH?.[0]?.symbol).toBe('XRP/ETH');
    for (const symbol of symbols) {
      const rules = sim.rules(symbol);
      const market = fresh.market(symbol);
      expect(market).toMatchObject({
        spot: true,
        active: true,
        taker: feeRate,
        precision: { price: rules.tickSize, amount: rules.stepSize },
        limits: { amount: { min: rules.minQty }, cost: { min: rules.minNotional } },
      });
    }
  });

  it('tells the simulated time through fetchTime, which the download reads', async () => {
    // Act
    const time = await client.fetchTime();

    // Assess: the simulated clock runs at wall-clock speed from `now`.
    expect(time).toBeGreaterThanOrEqual(Math.floor(now / 1000) * 1000);
    expect(time).toBeLessThan(now + 60_000);
  });

  it('fetches the newest 720 candles, the forming one last, when asked for 721', async () => {
    // Act
    const rows = await client.fetchOHLCV('LTC/BTC', '5m', undefined, 721);

    // Assess
    expect(rows).toHaveLength(720);
    expect(rows.at(-1)?.[0]).toBe(forming);
    expect(rows[0]?.[0]).toBe(forming - 719 * fiveMinutes);
    const candle = candleAt(sim, 'LTC/BTC', newestClosed);
    expect(rows.at(-2)).toEqual([
      candle.time,
      candle.open,
      candle.high,
      candle.low,
      candle.close,
      candle.volume,
    ]);
  });

  it('fetches the candles from `since` on, the one opened at `since` included', async () => {
    // Prepare
    const since = newestClosed - 10 * fiveMinutes;

    // Act
    const rows = await client.fetchOHLCV('LTC/BTC', '5m', since);

    // Assess
    expect(rows.map((r) => r[0])).toEqual(
      Array.from({ length: 12 }, (_, i) => since + i * fiveMinutes),
    );
    expect(rows[0]?.[4]).toBe(candleAt(sim, 'LTC/BTC', since).close);
  });

  it('buys and sells at market with a client id, each found closed by it with its fill and fee', async () => {
    // Prepare
    const buyId = randomUUID();
    const sellId = randomUUID();
    const price = candleAt(sim, 'LTC/BTC', newestClosed).close;

    // Act
    const placed = await client.createOrder('LTC/BTC', 'market', 'buy', 0.5, undefined, {
      clientOrderId: buyId,
    });
    await client.createOrder('LTC/BTC', 'market', 'sell', 0.2, undefined, {
      clientOrderId: sellId,
    });
    const bought = only(await closedByClientId(client, buyId), buyId);
    const sold = only(await closedByClientId(client, sellId), sellId);
    const stillOpen = await openByClientId(client, buyId);
    const byTxid = await client.fetchOrder(String(placed.id));

    // Assess
    expect(placed).toMatchObject({ symbol: 'LTC/BTC', side: 'buy', type: 'market', amount: 0.5 });
    expect(bought).toMatchObject({
      id: placed.id,
      symbol: 'LTC/BTC',
      status: 'closed',
      side: 'buy',
      type: 'market',
      amount: 0.5,
      filled: 0.5,
      average: price,
      timestamp: expect.any(Number),
      fee: { currency: 'BTC' },
    });
    expect(feesOf(bought)).toEqual([
      { cost: engineFee(0.5, price), currency: 'BTC', rate: undefined },
    ]);
    expect(sold).toMatchObject({ status: 'closed', side: 'sell', filled: 0.2, average: price });
    expect(feesOf(sold)).toEqual([
      { cost: engineFee(0.2, price), currency: 'BTC', rate: undefined },
    ]);
    expect(stillOpen).toEqual([]);
    expect(byTxid).toMatchObject({ id: placed.id, clientOrderId: buyId, status: 'closed' });
  });

  it('refuses a client id an open order holds with an ExchangeError naming `cl_ord_id not unique`', async () => {
    // Prepare: a stop rests under the id
    const clientOrderId = randomUUID();
    await client.createOrder('LTC/BTC', 'market', 'buy', 0.5, undefined, {
      clientOrderId: randomUUID(),
    });
    const stopPrice = Number((candleAt(sim, 'LTC/BTC', newestClosed).close * 0.5).toFixed(6));
    const stop = () =>
      client.createOrder('LTC/BTC', 'market', 'sell', 0.5, undefined, {
        clientOrderId,
        stopLossPrice: stopPrice,
      });
    await stop();

    // Act
    const again = stop();

    // Assess
    await expect(again).rejects.toThrow(ExchangeError);
    await expect(again).rejects.toThrow(/EGeneral:Invalid arguments:cl_ord_id not unique/);
    expect(sim.engine.allOrders().filter((o) => o.clientOrderId === clientOrderId)).toHaveLength(1);
    await client.cancelOrder(undefined as unknown as string, 'LTC/BTC', { clientOrderId });
  });

  it('takes a client id again once its order has filled, as Kraken does', async () => {
    // Prepare
    const clientOrderId = randomUUID();
    const buy = () =>
      client.createOrder('LTC/BTC', 'market', 'buy', 0.1, undefined, { clientOrderId });
    await buy();

    // Act: why tickfan looks an intent up before it ever sends it again
    await buy();

    // Assess
    const under = sim.engine.allOrders().filter((o) => o.clientOrderId === clientOrderId);
    expect(under.map((o) => o.status)).toEqual(['filled', 'filled']);
  });

  it('refuses a buy the balance cannot pay for with InsufficientFunds', async () => {
    // Act
    const order = client.createOrder('LTC/BTC', 'market', 'buy', 1000, undefined, {
      clientOrderId: randomUUID(),
    });

    // Assess
    await expect(order).rejects.toThrow(InsufficientFunds);
  });

  it('lists no order, open or closed, under a client id never used', async () => {
    // Act
    const open = await openByClientId(client, randomUUID());
    const closed = await closedByClientId(client, randomUUID());

    // Assess
    expect(open).toEqual([]);
    expect(closed).toEqual([]);
  });

  it('rests a stop, finds it open by client id, cancels it by client id, then finds it cancelled', async () => {
    // Prepare
    const stopId = randomUUID();
    await client.createOrder('LTC/BTC', 'market', 'buy', 0.5, undefined, {
      clientOrderId: randomUUID(),
    });
    const stopPrice = Number((candleAt(sim, 'LTC/BTC', newestClosed).close * 0.5).toFixed(6));

    // Act
    await client.createOrder('LTC/BTC', 'market', 'sell', 0.5, undefined, {
      clientOrderId: stopId,
      stopLossPrice: stopPrice,
    });
    const open = only(await openByClientId(client, stopId), stopId);
    const held = (await client.fetchBalance()).LTC;
    await client.cancelOrder(undefined as unknown as string, 'LTC/BTC', { clientOrderId: stopId });
    const cancelled = only(await closedByClientId(client, stopId), stopId);
    const openAfter = await openByClientId(client, stopId);
    const cancelAgain = client.cancelOrder(undefined as unknown as string, 'LTC/BTC', {
      clientOrderId: stopId,
    });

    // Assess
    expect(open).toMatchObject({
      status: 'open',
      side: 'sell',
      type: 'market',
      amount: 0.5,
      filled: 0,
      stopLossPrice: stopPrice,
    });
    expect(held?.used).toBe(0.5);
    expect(cancelled).toMatchObject({ status: 'canceled', filled: 0, stopLossPrice: stopPrice });
    expect(openAfter).toEqual([]);
    await expect(cancelAgain).rejects.toThrow(OrderNotFound);
  });

  it('reports the balance of every asset by ccxt code, what resting stops hold as used', async () => {
    // Act
    const balance = await client.fetchBalance();

    // Assess
    const free = sim.balances();
    const locked = sim.engine.lockedBalances();
    for (const code of ['BTC', 'ETH', 'LTC', 'USDT']) {
      expect(balance[code]?.total).toBeCloseTo((free[code] ?? 0) + (locked[code] ?? 0), 8);
      expect(balance[code]?.used).toBeCloseTo(locked[code] ?? 0, 8);
    }
    expect(balance.XXBT).toBeUndefined();
  });

  it('answers a rate-limit fault with 429, Retry-After and an error ccxt raises as DDoSProtection', async () => {
    // Prepare
    sim.setFault('*', { kind: 'ratelimit', rate: 1 });

    // Act
    const candles = await client.fetchOHLCV('LTC/BTC', '5m').catch((error: unknown) => error);
    const headers = client.last_response_headers;
    const raw = await fetch(`${sim.url}/0/public/OHLC?pair=XLTCXXBT&interval=5`);

    // Assess
    expect(candles).toBeInstanceOf(DDoSProtection);
    expect(headers?.['Retry-After']).toBe('1');
    expect(raw.status).toBe(429);
    expect(await raw.json()).toEqual({ error: ['EAPI:Rate limit exceeded'] });
  });

  it('answers a call it does not serve with an ExchangeError naming the path', async () => {
    // Act
    const call = client.privatePostTradeVolume({ pair: 'XLTCXXBT' });

    // Assess
    await expect(call).rejects.toThrow(ExchangeError);
    await expect(call).rejects.toThrow(/POST \/0\/private\/TradeVolume is not served/);
  });
});

describe('a stop the engine fills', () => {
  let clock: SimClock;
  let stopSim: ExchangeSimulator;

  beforeAll(async () => {
    clock = new SimClock(now);
    stopSim = await startSimulator({ clock, symbols: ['LTC/BTC'], wire: krakenWire, feeRate });
  });

  afterAll(async () => {
    await stopSim?.close();
  });

  it('is read back closed by client id with its trigger, fill price, amount and fee', async () => {
    // Prepare
    const c = createKrakenClient({ url: stopSim.url });
    await c.loadMarkets();
    const tick = stopSim.rules('LTC/BTC').tickSize;
    const last = candleAt(stopSim, 'LTC/BTC', newestClosed).close;
    // The first candle from the forming one on whose low is below the last price: a stop at
    // that low (up to the tick) rests until this candle reaches it.
    const reaching = stopSim
      .candles('LTC/BTC')
      .filter((k) => k.time >= forming)
      .find((k) => Math.ceil(k.low / tick) * tick < last - tick / 2);
    if (reaching === undefined) throw new Error('test data never falls below the last price');
    const stopPrice = Number((Math.ceil(reaching.low / tick) * tick).toFixed(6));
    const fillPrice = Math.min(reaching.open, stopPrice);
    const stopId = randomUUID();
    await c.createOrder('LTC/BTC', 'market', 'buy', 0.5, undefined, {
      clientOrderId: randomUUID(),
    });
    await c.createOrder('LTC/BTC', 'market', 'sell', 0.5, undefined, {
      clientOrderId: stopId,
      stopLossPrice: stopPrice,
    });

    // Act
    clock.set(reaching.time + fiveMinutes + 1000);
    const filled = only(await closedByClientId(c, stopId), stopId);
    const open = await openByClientId(c, stopId);
    const balance = await c.fetchBalance();

    // Assess
    expect(filled).toMatchObject({
      status: 'closed',
      side: 'sell',
      type: 'market',
      amount: 0.5,
      filled: 0.5,
      average: fillPrice,
      stopLossPrice: stopPrice,
      fee: { currency: 'BTC' },
    });
    // Filled inside the candle that reached it (at its open, or at placement within it).
    expect(filled.lastUpdateTimestamp).toBeGreaterThanOrEqual(reaching.time - 1);
    expect(filled.lastUpdateTimestamp).toBeLessThan(reaching.time + fiveMinutes);
    expect(feesOf(filled)).toEqual([
      { cost: engineFee(0.5, fillPrice), currency: 'BTC', rate: undefined },
    ]);
    expect(open).toEqual([]);
    expect(balance.LTC?.used).toBe(0);
  });
});
