import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../lib/domain/candle.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';

// 2018-01-20 12:07:30 UTC: inside the LTC/BTC 5m candle opened 12:05, so 12:05 is forming and
// 12:00 is the newest closed one.
const now = Date.UTC(2018, 0, 20, 12, 7, 30);
const forming = Date.UTC(2018, 0, 20, 12, 5);
const newestClosed = Date.UTC(2018, 0, 20, 12, 0);
const fiveMinutes = 300_000;
const symbols = ['LTC/BTC', 'ETH/BTC', 'XRP/ETH'];

let sim: ExchangeSimulator;
let orderSeq = 0;

type Json = Record<string, unknown>;
type KlineRow = [number, string, string, string, string, string, number, ...unknown[]];

function candleAt(symbol: string, time: number): Candle {
  const candle = sim.candles(symbol).find((c) => c.time === time);
  if (candle === undefined) throw new Error(`test data has no ${symbol} candle at ${time}`);
  return candle;
}

function uniqueId(prefix = 'test'): string {
  orderSeq += 1;
  return `${prefix}-${orderSeq}`;
}

async function publicGet(path: string, params: Record<string, string | number> = {}) {
  const query = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  );
  const response = await fetch(`${sim.url}${path}?${query}`);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as unknown,
  };
}

function signed(params: Record<string, string | number>): URLSearchParams {
  return new URLSearchParams(
    Object.entries({ ...params, timestamp: Date.now(), signature: 'not-checked' }).map(
      ([k, v]): [string, string] => [k, String(v)],
    ),
  );
}

async function privateGet(path: string, params: Record<string, string | number> = {}) {
  const response = await fetch(`${sim.url}${path}?${signed(params)}`, {
    headers: { 'X-MBX-APIKEY': 'test-key' },
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function postOrder(params: Record<string, string | number>, init: RequestInit = {}) {
  const response = await fetch(`${sim.url}/api/v3/order`, {
    method: 'POST',
    headers: {
      'X-MBX-APIKEY': 'test-key',
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: signed(params).toString(),
    ...init,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
}

function marketBuy(overrides: Record<string, string | number> = {}) {
  return postOrder({
    symbol: 'LTCBTC',
    side: 'BUY',
    type: 'MARKET',
    quantity: '0.5',
    newClientOrderId: uniqueId(),
    ...overrides,
  });
}

beforeAll(async () => {
  sim = await startSimulator({ clock: new SimClock(now), symbols });
});

afterAll(async () => {
  await sim?.close();
});

afterEach(() => {
  sim.setFault('*', undefined);
  for (const symbol of symbols) sim.setFault(symbol, undefined);
});

describe('ExchangeSimulator', () => {
  describe('GET /api/v3/exchangeInfo', () => {
    it('lists every loaded market with Binance spot filters derived from its prices', async () => {
      // Act
      const { status, body } = await publicGet('/api/v3/exchangeInfo');

      // Assess
      expect(status).toBe(200);
      const markets = (body as { symbols: Json[] }).symbols;
      expect(markets.map((m) => m.symbol).sort()).toEqual(['ETHBTC', 'LTCBTC', 'XRPETH']);
      const ltc = markets.find((m) => m.symbol === 'LTCBTC');
      expect(ltc).toMatchObject({
        status: 'TRADING',
        baseAsset: 'LTC',
        quoteAsset: 'BTC',
        baseAssetPrecision: 8,
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        orderTypes: ['MARKET', 'STOP_LOSS'],
        isSpotTradingAllowed: true,
        permissions: ['SPOT'],
        permissionSets: [['SPOT']],
      });
      expect(ltc?.filters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ filterType: 'PRICE_FILTER', tickSize: '0.00000100' }),
          expect.objectContaining({
            filterType: 'LOT_SIZE',
            minQty: '0.00001000',
            stepSize: '0.00001000',
          }),
          expect.objectContaining({ filterType: 'NOTIONAL', minNotional: '0.00010000' }),
          expect.objectContaining({ filterType: 'MIN_NOTIONAL', minNotional: '0.00010000' }),
        ]),
      );
      const xrp = markets.find((m) => m.symbol === 'XRPETH');
      expect(xrp?.filters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ filterType: 'NOTIONAL', minNotional: '0.00100000' }),
        ]),
      );
    });

    it('keeps one amount step worth far less than the minimum notional', () => {
      // Prepare
      const highest = Math.max(...sim.candles('LTC/BTC').map((c) => c.high));

      // Act
      const rules = sim.rules('LTC/BTC');

      // Assess
      expect(rules.stepSize * highest).toBeLessThan(rules.minNotional / 10);
    });
  });

  describe('GET /api/v3/klines', () => {
    it('serves the newest candles up to now, the forming one included, as Binance rows', async () => {
      // Act
      const { status, body } = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
        limit: 3,
      });

      // Assess
      expect(status).toBe(200);
      const rows = body as KlineRow[];
      expect(rows.map((r) => r[0])).toEqual([newestClosed - fiveMinutes, newestClosed, forming]);
      const candle = candleAt('LTC/BTC', forming);
      expect(rows[2]).toEqual([
        forming,
        candle.open.toFixed(8),
        candle.high.toFixed(8),
        candle.low.toFixed(8),
        candle.close.toFixed(8),
        candle.volume.toFixed(8),
        forming + fiveMinutes - 1,
        expect.any(String),
        expect.any(Number),
        expect.any(String),
        expect.any(String),
        '0',
      ]);
    });

    it('never serves a candle opened after now, whatever endTime asks for', async () => {
      // Act
      const { body } = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
        startTime: forming - 10 * fiveMinutes,
        endTime: forming + 100 * fiveMinutes,
      });

      // Assess
      const times = (body as KlineRow[]).map((r) => r[0]);
      expect(times).toHaveLength(11);
      expect(times.at(-1)).toBe(forming);
    });

    it('serves the first `limit` candles from startTime up to endTime', async () => {
      // Prepare
      const start = Date.UTC(2018, 0, 15, 0, 0);

      // Act
      const ranged = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
        startTime: start,
        endTime: start + 4 * fiveMinutes,
      });
      const limited = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
        startTime: start + 1,
        limit: 2,
      });

      // Assess
      expect((ranged.body as KlineRow[]).map((r) => r[0])).toEqual(
        [0, 1, 2, 3, 4].map((i) => start + i * fiveMinutes),
      );
      expect((limited.body as KlineRow[]).map((r) => r[0])).toEqual([
        start + fiveMinutes,
        start + 2 * fiveMinutes,
      ]);
    });

    it('serves the newest candles up to endTime when startTime is absent', async () => {
      // Prepare
      const end = Date.UTC(2018, 0, 15, 0, 0);

      // Act
      const { body } = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
        endTime: end,
        limit: 2,
      });

      // Assess
      expect((body as KlineRow[]).map((r) => r[0])).toEqual([end - fiveMinutes, end]);
    });

    it('defaults to 500 rows and serves at most 1000', async () => {
      // Act
      const byDefault = await publicGet('/api/v3/klines', { symbol: 'LTCBTC', interval: '5m' });
      const capped = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
        limit: 5000,
      });

      // Assess
      expect(byDefault.body).toHaveLength(500);
      expect(capped.body).toHaveLength(1000);
    });

    it('leaves candles missing from the data out, as an exchange does', async () => {
      // Prepare: the first gap in the 1m ETH/BTC data, served a day after it
      const candles = sim.candles('ETH/BTC');
      const after = candles.findIndex(
        (c, i) => i > 0 && c.time - (candles[i - 1]?.time ?? 0) > 60_000,
      );
      const firstAfterGap = candles[after];
      if (firstAfterGap === undefined) throw new Error('test data has no gap in ETH/BTC');
      const own = await startSimulator({
        clock: new SimClock(firstAfterGap.time + 86_400_000),
        symbols: ['ETH/BTC'],
      });
      const start = firstAfterGap.time - 3 * 60_000;

      // Act
      const response = await fetch(
        `${own.url}/api/v3/klines?symbol=ETHBTC&interval=1m&limit=3&startTime=${start}`,
      );
      const rows = (await response.json()) as KlineRow[];
      await own.close();

      // Assess
      expect(rows.map((r) => r[0])).toEqual(candles.slice(after - 2, after + 1).map((c) => c.time));
      expect(rows.map((r) => r[0])).not.toContain(firstAfterGap.time - 60_000);
    });

    it.each([
      ['3m', 'not a multiple of its 5m candles'],
      ['1w', 'not an interval it serves'],
      ['7m', 'no interval at all'],
    ])('refuses LTCBTC interval %s (%s) with -1120', async (interval) => {
      // Act
      const { status, body } = await publicGet('/api/v3/klines', { symbol: 'LTCBTC', interval });

      // Assess
      expect(status).toBe(400);
      expect(body).toEqual({ code: -1120, msg: 'Invalid interval.' });
    });

    it('serves a 5m-only market in 1h, a multiple of its finest timeframe', async () => {
      // Act
      const { status, body } = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '1h',
        limit: 2,
      });

      // Assess: the newest bucket is the forming one of 12:00, the one before it closed at 12:00.
      expect(status).toBe(200);
      expect((body as KlineRow[]).map((r) => r[0])).toEqual([
        Date.UTC(2018, 0, 20, 11),
        Date.UTC(2018, 0, 20, 12),
      ]);
    });

    it('serves every timeframe a symbol has a file of', async () => {
      // Act
      const oneMinute = await publicGet('/api/v3/klines', { symbol: 'XRPETH', interval: '1m' });
      const fiveMinute = await publicGet('/api/v3/klines', { symbol: 'XRPETH', interval: '5m' });

      // Assess
      expect(oneMinute.status).toBe(200);
      expect(fiveMinute.status).toBe(200);
      expect(sim.timeframe('XRP/ETH')).toBe('1m');
    });

    it('refuses an unknown symbol with -1121', async () => {
      // Act
      const { status, body } = await publicGet('/api/v3/klines', {
        symbol: 'DOGEBTC',
        interval: '5m',
      });

      // Assess
      expect(status).toBe(400);
      expect(body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    });
  });

  describe('POST /api/v3/order', () => {
    it('fills a market buy at the newest closed close, charging the fee in the quote currency', async () => {
      // Prepare
      const price = candleAt('LTC/BTC', newestClosed).close;
      const before = sim.balances();
      const clientOrderId = uniqueId('buy');

      // Act
      const { status, body } = await marketBuy({
        quantity: '0.5',
        newClientOrderId: clientOrderId,
      });

      // Assess
      expect(price).not.toBe(candleAt('LTC/BTC', forming).close);
      expect(status).toBe(200);
      const cost = 0.5 * price;
      const fee = cost * 0.001;
      expect(body).toMatchObject({
        symbol: 'LTCBTC',
        clientOrderId,
        status: 'FILLED',
        type: 'MARKET',
        side: 'BUY',
        origQty: '0.50000000',
        executedQty: '0.50000000',
        cummulativeQuoteQty: cost.toFixed(8),
        fills: [
          {
            price: price.toFixed(8),
            qty: '0.50000000',
            commission: fee.toFixed(8),
            commissionAsset: 'BTC',
          },
        ],
      });
      expect(body.transactTime).toBeGreaterThanOrEqual(now);
      expect(sim.orders.at(-1)).toMatchObject({
        symbol: 'LTC/BTC',
        side: 'buy',
        amount: 0.5,
        price,
        clientOrderId,
      });
      const after = sim.balances();
      expect(after.LTC ?? 0).toBeCloseTo((before.LTC ?? 0) + 0.5, 8);
      expect(after.BTC ?? 0).toBeCloseTo((before.BTC ?? 0) - cost - fee, 8);
    });

    it('takes its parameters from the query string as well as the body', async () => {
      // Prepare
      const clientOrderId = uniqueId('query');
      const query = signed({
        symbol: 'LTCBTC',
        side: 'BUY',
        type: 'MARKET',
        quantity: '0.1',
        newClientOrderId: clientOrderId,
      });

      // Act
      const response = await fetch(`${sim.url}/api/v3/order?${query}`, {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': 'test-key' },
      });

      // Assess
      expect(response.status).toBe(200);
      expect(sim.orders.at(-1)?.clientOrderId).toBe(clientOrderId);
    });

    it('refuses a second order with a known client id as a duplicate', async () => {
      // Prepare
      const clientOrderId = uniqueId('dup');
      await marketBuy({ newClientOrderId: clientOrderId });
      const count = sim.orders.length;

      // Act
      const { status, body } = await marketBuy({ newClientOrderId: clientOrderId });

      // Assess
      expect(status).toBe(400);
      expect(body).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
      expect(sim.orders).toHaveLength(count);
    });

    it('refuses an order the account cannot pay for', async () => {
      // Prepare
      const count = sim.orders.length;
      const held = sim.balances().LTC ?? 0;

      // Act
      const { status, body } = await postOrder({
        symbol: 'LTCBTC',
        side: 'SELL',
        type: 'MARKET',
        quantity: (held + 1).toFixed(5),
        newClientOrderId: uniqueId(),
      });

      // Assess
      expect(status).toBe(400);
      expect(body).toEqual({
        code: -2010,
        msg: 'Account has insufficient balance for requested action.',
      });
      expect(sim.orders).toHaveLength(count);
    });

    it.each([
      ['an order type other than MARKET', { type: 'LIMIT', price: '0.01' }, -1116],
      ['an unknown symbol', { symbol: 'DOGEBTC' }, -1121],
      ['an amount off the lot step', { quantity: '0.123456' }, -1013],
      ['an order below the minimum notional', { quantity: '0.001' }, -1013],
      ['a client id Binance would not accept', { newClientOrderId: 'x'.repeat(37) }, -1100],
    ])('refuses %s', async (_, overrides, code) => {
      // Prepare
      const count = sim.orders.length;

      // Act
      const { status, body } = await marketBuy(overrides);

      // Assess
      expect(status).toBe(400);
      expect(body.code).toBe(code);
      expect(sim.orders).toHaveLength(count);
    });

    it('answers 401 without an API key or a signature', async () => {
      // Act
      const noKey = await fetch(`${sim.url}/api/v3/order`, {
        method: 'POST',
        body: signed({ symbol: 'LTCBTC', side: 'BUY', type: 'MARKET', quantity: '0.5' }),
      });
      const noSignature = await fetch(
        `${sim.url}/api/v3/account?${new URLSearchParams({ timestamp: '1' })}`,
        { headers: { 'X-MBX-APIKEY': 'test-key' } },
      );

      // Assess
      expect(noKey.status).toBe(401);
      expect(await noKey.json()).toMatchObject({ code: -2015 });
      expect(noSignature.status).toBe(401);
      expect(await noSignature.json()).toMatchObject({ code: -2015 });
    });
  });

  describe('GET /api/v3/order', () => {
    it('finds an order by its client id and by its order id', async () => {
      // Prepare
      const clientOrderId = uniqueId('find');
      const placed = await marketBuy({ newClientOrderId: clientOrderId });

      // Act
      const byClientId = await privateGet('/api/v3/order', {
        symbol: 'LTCBTC',
        origClientOrderId: clientOrderId,
      });
      const byOrderId = await privateGet('/api/v3/order', {
        symbol: 'LTCBTC',
        orderId: String(placed.body.orderId),
      });

      // Assess
      expect(byClientId.status).toBe(200);
      expect(byClientId.body).toMatchObject({
        symbol: 'LTCBTC',
        orderId: placed.body.orderId,
        clientOrderId,
        status: 'FILLED',
        executedQty: '0.50000000',
        cummulativeQuoteQty: placed.body.cummulativeQuoteQty,
      });
      expect(byOrderId.body).toEqual(byClientId.body);
    });

    it('answers -2013 for an order it does not know', async () => {
      // Act
      const { status, body } = await privateGet('/api/v3/order', {
        symbol: 'LTCBTC',
        origClientOrderId: 'never-placed',
      });

      // Assess
      expect(status).toBe(400);
      expect(body).toEqual({ code: -2013, msg: 'Order does not exist.' });
    });
  });

  describe('DELETE /api/v3/order', () => {
    it('answers -2011 for a filled order and for one it does not know, as Binance does', async () => {
      // Prepare
      const clientOrderId = uniqueId('cancel');
      await marketBuy({ newClientOrderId: clientOrderId });
      const cancel = async (origClientOrderId: string) => {
        const query = signed({ symbol: 'LTCBTC', origClientOrderId });
        const response = await fetch(`${sim.url}/api/v3/order?${query}`, {
          method: 'DELETE',
          headers: { 'X-MBX-APIKEY': 'test-key' },
        });
        return { status: response.status, body: (await response.json()) as Json };
      };

      // Act
      const filled = await cancel(clientOrderId);
      const unknown = await cancel('never-placed');

      // Assess
      expect(filled).toEqual({ status: 400, body: { code: -2011, msg: 'Unknown order sent.' } });
      expect(unknown).toEqual(filled);
    });
  });

  describe('STOP_LOSS orders', () => {
    it('rests a sell stop as NEW, reports it by client id, and cancels it as CANCELED', async () => {
      // Prepare
      const bought = uniqueId('stop-entry');
      await marketBuy({ newClientOrderId: bought, quantity: '0.5' });
      const stopId = uniqueId('stop');
      const stopPrice = (candleAt('LTC/BTC', newestClosed).close * 0.5).toFixed(6);

      // Act
      const placed = await postOrder({
        symbol: 'LTCBTC',
        side: 'SELL',
        type: 'STOP_LOSS',
        quantity: '0.5',
        stopPrice,
        newClientOrderId: stopId,
        newOrderRespType: 'FULL',
      });
      const found = await privateGet('/api/v3/order', {
        symbol: 'LTCBTC',
        origClientOrderId: stopId,
      });
      const query = signed({ symbol: 'LTCBTC', origClientOrderId: stopId });
      const response = await fetch(`${sim.url}/api/v3/order?${query}`, {
        method: 'DELETE',
        headers: { 'X-MBX-APIKEY': 'test-key' },
      });
      const cancelled = (await response.json()) as Json;

      // Assess
      expect(placed.status).toBe(200);
      expect(placed.body).toMatchObject({
        clientOrderId: stopId,
        status: 'NEW',
        type: 'STOP_LOSS',
        executedQty: '0.00000000',
        fills: [],
      });
      expect(found.body).toMatchObject({
        clientOrderId: stopId,
        status: 'NEW',
        type: 'STOP_LOSS',
        workingTime: -1,
      });
      expect(Number(found.body.stopPrice)).toBe(Number(stopPrice));
      expect(response.status).toBe(200);
      expect(cancelled).toMatchObject({
        origClientOrderId: stopId,
        status: 'CANCELED',
        type: 'STOP_LOSS',
      });
      expect(cancelled.clientOrderId).not.toBe(stopId);
    });

    it('refuses a sell stop at or above the last price as Binance does (-2010)', async () => {
      // Prepare
      await marketBuy({ newClientOrderId: uniqueId('stop-entry'), quantity: '0.5' });

      // Act
      const { status, body } = await postOrder({
        symbol: 'LTCBTC',
        side: 'SELL',
        type: 'STOP_LOSS',
        quantity: '0.5',
        stopPrice: (candleAt('LTC/BTC', newestClosed).close * 2).toFixed(6),
      });

      // Assess
      expect(status).toBe(400);
      expect(body).toEqual({ code: -2010, msg: 'Stop price would trigger immediately.' });
    });
  });

  describe('other endpoints', () => {
    it('reports the account balances', async () => {
      // Act
      const { status, body } = await privateGet('/api/v3/account');

      // Assess
      expect(status).toBe(200);
      const balances = body.balances as { asset: string; free: string }[];
      const expected = Object.entries(sim.balances()).map(([asset, free]) =>
        expect.objectContaining({ asset, free: free.toFixed(8) }),
      );
      expect(balances).toEqual(expect.arrayContaining(expected));
      expect(balances).toHaveLength(expected.length);
    });

    it('tells the simulated time and answers ping', async () => {
      // Act
      const time = await publicGet('/api/v3/time');
      const ping = await publicGet('/api/v3/ping');

      // Assess
      const serverTime = (time.body as { serverTime: number }).serverTime;
      expect(serverTime).toBeGreaterThanOrEqual(now);
      expect(serverTime).toBeLessThan(now + 60_000);
      expect(ping.body).toEqual({});
    });

    it('answers an unknown path with a JSON 404', async () => {
      // Act
      const { status, body } = await publicGet('/sapi/v1/capital/config/getall');

      // Assess
      expect(status).toBe(404);
      expect(body).toMatchObject({
        msg: expect.stringContaining('/sapi/v1/capital/config/getall'),
      });
    });
  });

  describe('faults', () => {
    it('hang: takes the request and never answers it', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'hang' });
      const started = performance.now();

      // Act
      const outcome = await fetch(`${sim.url}/api/v3/klines?symbol=LTCBTC&interval=5m`, {
        signal: AbortSignal.timeout(300),
      }).then(
        () => 'answered',
        (error: Error) => error.name,
      );

      // Assess
      expect(outcome).toBe('TimeoutError');
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('hits only the symbol it is set on', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'hang' });

      // Act
      const other = await fetch(`${sim.url}/api/v3/klines?symbol=ETHBTC&interval=1m&limit=1`, {
        signal: AbortSignal.timeout(1_000),
      });
      const info = await fetch(`${sim.url}/api/v3/exchangeInfo`, {
        signal: AbortSignal.timeout(1_000),
      });

      // Assess
      expect(other.status).toBe(200);
      expect(info.status).toBe(200);
    });

    it("'*' reaches requests without a symbol, such as exchangeInfo", async () => {
      // Prepare
      sim.setFault('*', { kind: 'http5xx', rate: 1 });

      // Act
      const info = await fetch(`${sim.url}/api/v3/exchangeInfo`);

      // Assess
      expect(info.status).toBe(503);
    });

    it('stall: sends the status and half the body, then nothing more', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'stall' });
      const signal = AbortSignal.timeout(300);

      // Act
      const response = await fetch(`${sim.url}/api/v3/klines?symbol=LTCBTC&interval=5m`, {
        signal,
      });
      const outcome = await response.text().then(
        () => 'read to the end',
        (error: Error) => error.name,
      );

      // Assess
      expect(response.status).toBe(200);
      expect(outcome).toBe('TimeoutError');
    });

    it('slow: answers late but answers', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'slow', ms: 200 });
      const started = performance.now();

      // Act
      const { status, body } = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
        limit: 1,
      });

      // Assess
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(status).toBe(200);
      expect(body).toHaveLength(1);
    });

    it('http5xx: answers a gateway 503 at rate 1', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'http5xx', rate: 1 });

      // Act
      const responses = await Promise.all(
        [1, 2, 3].map(() => fetch(`${sim.url}/api/v3/klines?symbol=LTCBTC&interval=5m&limit=1`)),
      );

      // Assess
      expect(responses.map((r) => r.status)).toEqual([503, 503, 503]);
      await Promise.all(responses.map((r) => r.text()));
    });

    it('http5xx: hits about the given share of requests, the same ones for the same seed', async () => {
      // Prepare
      const runs = await Promise.all(
        [1, 2].map(async () => {
          const own = await startSimulator({
            clock: new SimClock(now),
            symbols: ['LTC/BTC'],
            seed: 7,
          });
          own.setFault('LTC/BTC', { kind: 'http5xx', rate: 0.5 });
          const statuses: number[] = [];
          // Act
          for (let i = 0; i < 40; i += 1) {
            const r = await fetch(`${own.url}/api/v3/klines?symbol=LTCBTC&interval=5m&limit=1`);
            await r.text();
            statuses.push(r.status);
          }
          await own.close();
          return statuses;
        }),
      );

      // Assess
      const failures = runs[0]?.filter((s) => s === 503).length ?? 0;
      expect(failures).toBeGreaterThan(8);
      expect(failures).toBeLessThan(32);
      expect(runs[1]).toEqual(runs[0]);
    });

    it('ratelimit: answers 429 with Retry-After and code -1003 at rate 1', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'ratelimit', rate: 1 });

      // Act
      const { status, headers, body } = await publicGet('/api/v3/klines', {
        symbol: 'LTCBTC',
        interval: '5m',
      });

      // Assess
      expect(status).toBe(429);
      expect(headers.get('retry-after')).toBe('1');
      expect(body).toMatchObject({ code: -1003 });
    });

    it('lose-response: fills the order, then drops the connection unanswered', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'lose-response', rate: 1 });
      const clientOrderId = uniqueId('lost');
      const count = sim.orders.length;

      // Act
      const outcome = await marketBuy({ newClientOrderId: clientOrderId }).then(
        () => 'answered',
        (error: Error) => error.name,
      );

      // Assess
      expect(outcome).toBe('TypeError');
      expect(sim.orders).toHaveLength(count + 1);
      expect(sim.orders.at(-1)?.clientOrderId).toBe(clientOrderId);
    });

    it('reject: refuses every order as unaffordable', async () => {
      // Prepare
      sim.setFault('LTC/BTC', { kind: 'reject' });
      const count = sim.orders.length;

      // Act
      const { status, body } = await marketBuy({ quantity: '0.01' });

      // Assess
      expect(status).toBe(400);
      expect(body).toEqual({
        code: -2010,
        msg: 'Account has insufficient balance for requested action.',
      });
      expect(sim.orders).toHaveLength(count);
    });

    it('counts every request it receives, faulted ones included', async () => {
      // Prepare
      const before = sim.requestCount();
      sim.setFault('LTC/BTC', { kind: 'http5xx', rate: 1 });

      // Act
      await (await fetch(`${sim.url}/api/v3/klines?symbol=LTCBTC&interval=5m`)).text();
      await (await fetch(`${sim.url}/api/v3/ping`)).text();

      // Assess
      expect(sim.requestCount()).toBe(before + 2);
    });

    it('refuses a fault for a symbol it does not serve', () => {
      // Act / Assess
      expect(() => sim.setFault('DOGE/BTC', { kind: 'hang' })).toThrow(/DOGE\/BTC/);
      expect(() => sim.setFault('LTC/BTC', { kind: 'http5xx', rate: 2 })).toThrow(RangeError);
    });
  });
});

describe('startSimulator', () => {
  it('names a requested symbol it has no candle file of', async () => {
    // Act / Assess
    await expect(
      startSimulator({ clock: new SimClock(now), symbols: ['DOGE/BTC'] }),
    ).rejects.toThrow(/DOGE\/BTC/);
  });

  it('ends hung requests on close so the process can exit', async () => {
    // Prepare
    const own = await startSimulator({ clock: new SimClock(now), symbols: ['LTC/BTC'] });
    own.setFault('*', { kind: 'hang' });
    const pending = fetch(`${own.url}/api/v3/exchangeInfo`).then(
      () => 'answered',
      () => 'ended',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    await own.close();

    // Assess
    expect(await pending).toBe('ended');
  });
});
