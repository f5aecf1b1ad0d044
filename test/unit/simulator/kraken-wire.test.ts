import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../lib/domain/candle.js';
import { krakenTxid, krakenWire } from '../../../lib/simulator/kraken-wire.js';
import {
  EngineRefusalError,
  MatchingEngine,
  Refusal,
} from '../../../lib/simulator/matching-engine.js';
import { faultRefusal } from '../../../lib/simulator/rate-limits.js';
import { routeRequest, type WireReply, type WireRequest } from '../../../lib/simulator/wire.js';
import kraken from '../../../node_modules/ccxt/js/src/kraken.js';

const fiveMinutes = 300_000;
const t0 = Date.UTC(2018, 0, 10, 0, 0);
const candleCount = 800;
const candles: Candle[] = Array.from({ length: candleCount }, (_, i) => ({
  time: t0 + i * fiveMinutes,
  open: 0.0101,
  high: 0.0102,
  low: 0.0098,
  close: 0.01 + (i % 10) * 0.000001,
  volume: 100 + i,
}));
// One minute into the last candle: it is forming, the one before is the newest closed.
const now = t0 + (candleCount - 1) * fiveMinutes + 60_000;
const forming = candles[candleCount - 1] as Candle;
const newestClosed = candles[candleCount - 2] as Candle;

function engine(): MatchingEngine {
  return new MatchingEngine(
    [
      {
        symbol: 'LTC/BTC',
        base: 'LTC',
        quote: 'BTC',
        series: new Map([['5m', candles]]),
        finest: '5m',
        rules: { tickSize: 0.000001, stepSize: 0.01, minQty: 0.01, minNotional: 0.0001 },
      },
    ],
    { clock: { now: () => now }, balances: { BTC: 1, LTC: 2 } },
  );
}

let nonce = 1;

function privateRequest(path: string, params: Record<string, string> = {}): WireRequest {
  nonce += 1;
  return {
    method: 'POST',
    path,
    query: new URLSearchParams(),
    body: new URLSearchParams({ nonce: String(nonce), ...params }).toString(),
    headers: {
      'api-key': 'key',
      'api-sign': 'unchecked',
      'content-type': 'application/x-www-form-urlencoded',
    },
  };
}

function publicRequest(path: string, params: Record<string, string> = {}): WireRequest {
  return { method: 'GET', path, query: new URLSearchParams(params), body: '', headers: {} };
}

function call(sim: MatchingEngine, req: WireRequest): WireReply {
  return routeRequest(krakenWire, sim, req);
}

type Json = Record<string, unknown>;

function resultOf(reply: WireReply): Json {
  expect(reply.body).toMatchObject({ error: [] });
  return (reply.body as { result: Json }).result;
}

function errorOf(reply: WireReply): string | undefined {
  return (reply.body as { error: string[] }).error[0];
}

/** The ccxt error class the real kraken client raises for `reply`, or 'none'. */
function ccxtErrorOf(reply: WireReply): string {
  const client = new kraken();
  const text = JSON.stringify(reply.body);
  try {
    client.handleErrors(
      reply.status,
      '',
      'https://api.kraken.com/0/private/AddOrder',
      'POST',
      reply.headers ?? {},
      text,
      JSON.parse(text),
      {},
      '',
    );
  } catch (error) {
    return (error as Error).constructor.name;
  }
  return 'none';
}

function marketOrder(params: Record<string, string>): WireRequest {
  return privateRequest('/0/private/AddOrder', {
    pair: 'XLTCXXBT',
    type: 'buy',
    ordertype: 'market',
    volume: '0.5',
    ...params,
  });
}

function ohlcRows(reply: WireReply): [number, ...unknown[]][] {
  return resultOf(reply).XLTCXXBT as [number, ...unknown[]][];
}

describe('krakenWire', () => {
  describe('refusals', () => {
    it.each([
      [Refusal.UnknownSymbol, 'EQuery:Unknown asset pair', 'ExchangeError'],
      [Refusal.UnknownTimeframe, 'EGeneral:Invalid arguments', 'BadRequest'],
      [Refusal.NoPrice, 'EService:Market in cancel_only mode', 'OnMaintenance'],
      [Refusal.LotSize, 'EOrder:Order minimum not met', 'InvalidOrder'],
      [Refusal.MinNotional, 'EOrder:Cost minimum not met', 'ExchangeError'],
      [Refusal.InsufficientBalance, 'EOrder:Insufficient funds', 'InsufficientFunds'],
      [
        Refusal.DuplicateClientOrderId,
        'EGeneral:Invalid arguments:cl_ord_id not unique',
        'ExchangeError',
      ],
      [Refusal.UnknownOrder, 'EOrder:Unknown order', 'InvalidOrder'],
      [Refusal.OrderNotOpen, 'EOrder:Unknown order', 'InvalidOrder'],
      [Refusal.PriceFilter, 'EOrder:Tick size check failed', 'ExchangeError'],
      [Refusal.WouldTriggerImmediately, 'EGeneral:Invalid arguments:price', 'InvalidOrder'],
    ])('answers the refusal %s with %s, which ccxt raises as %s', (reason, message, ccxtError) => {
      // Act
      const reply = krakenWire.replyToError(new EngineRefusalError(reason, 'refused'));

      // Assess
      expect(reply).toEqual({ status: 200, body: { error: [message] } });
      expect(ccxtErrorOf(reply)).toBe(ccxtError);
    });

    it('asks to wait with 429, Retry-After and EAPI:Rate limit exceeded, which ccxt raises as DDoSProtection', () => {
      // Act
      const reply = krakenWire.rateLimited(faultRefusal(3, 0));

      // Assess
      expect(reply).toEqual({
        status: 429,
        body: { error: ['EAPI:Rate limit exceeded'] },
        headers: { 'retry-after': '3' },
      });
      expect(ccxtErrorOf(reply)).toBe('DDoSProtection');
    });

    it('answers a path it does not serve with an error naming it, a plain ExchangeError to ccxt', () => {
      // Act
      const reply = call(engine(), privateRequest('/0/private/TradeVolume'));

      // Assess
      expect(reply.status).toBe(404);
      expect(errorOf(reply)).toBe(
        'EGeneral:Unknown method:POST /0/private/TradeVolume is not served by the exchange simulator',
      );
      expect(ccxtErrorOf(reply)).toBe('ExchangeError');
    });

    it('answers a handler bug with a 500 internal error that ccxt does not retry', () => {
      // Act
      const reply = krakenWire.replyToError(new TypeError('boom'));

      // Assess
      expect(reply).toEqual({
        status: 500,
        body: { error: ['EGeneral:Internal error:TypeError: boom'] },
      });
      expect(ccxtErrorOf(reply)).toBe('ExchangeError');
    });

    it('refuses a private call without an API-Key header as EAPI:Invalid key (AuthenticationError)', () => {
      // Prepare
      const req = privateRequest('/0/private/BalanceEx');

      // Act
      const reply = call(engine(), { ...req, headers: { 'api-sign': 'unchecked' } });

      // Assess
      expect(errorOf(reply)).toBe('EAPI:Invalid key');
      expect(ccxtErrorOf(reply)).toBe('AuthenticationError');
    });
  });

  describe('POST /0/private/AddOrder', () => {
    it.each([
      ['a long UUID', '6d1b345e-2821-40e2-ad83-4ecb18a06876'],
      ['a short UUID', 'da8e4ad59b78481c93e589746b0cf91f'],
      ['free text of 18 characters', 'arb-20240509-00010'],
    ])('takes %s as cl_ord_id', (_, clientOrderId) => {
      // Prepare
      const sim = engine();

      // Act
      const reply = call(sim, marketOrder({ cl_ord_id: clientOrderId }));

      // Assess
      expect(resultOf(reply)).toEqual({
        descr: { order: 'buy 0.50 LTCXBT @ market' },
        txid: [krakenTxid(sim.orders[0]?.orderId ?? 0)],
      });
      expect(sim.orders[0]?.clientOrderId).toBe(clientOrderId);
    });

    it.each([
      ['free text of 19 characters', 'arb-20240509-000100'],
      ['non-ASCII text', 'ordre-é'],
      ['an empty id', ''],
      ['a UUID with a 13-digit last group', '6d1b345e-2821-40e2-ad83-4ecb18a068761'],
    ])('refuses %s as cl_ord_id with EGeneral:Invalid arguments:cl_ord_id', (_, clientOrderId) => {
      // Prepare
      const sim = engine();

      // Act
      const reply = call(sim, marketOrder({ cl_ord_id: clientOrderId }));

      // Assess
      expect(errorOf(reply)).toBe('EGeneral:Invalid arguments:cl_ord_id');
      expect(sim.orders).toHaveLength(0);
    });

    it('refuses a cl_ord_id already taken, placing nothing', () => {
      // Prepare
      const sim = engine();
      call(sim, marketOrder({ cl_ord_id: 'entry-1' }));

      // Act
      const again = call(sim, marketOrder({ cl_ord_id: 'entry-1' }));

      // Assess
      expect(errorOf(again)).toBe('EGeneral:Invalid arguments:cl_ord_id not unique');
      expect(sim.orders).toHaveLength(1);
    });

    it('refuses a volume with more decimals than the lot, which ccxt raises as InvalidOrder', () => {
      // Act
      const reply = call(engine(), marketOrder({ volume: '0.505' }));

      // Assess
      expect(errorOf(reply)).toBe('EGeneral:Invalid arguments:volume');
      expect(ccxtErrorOf(reply)).toBe('InvalidOrder');
    });

    it('rests a stop-loss sell at its trigger and describes it as Kraken does', () => {
      // Prepare
      const sim = engine();

      // Act
      const reply = call(
        sim,
        marketOrder({ type: 'sell', ordertype: 'stop-loss', price: '0.0095', cl_ord_id: 'stop-1' }),
      );

      // Assess
      expect(resultOf(reply)).toMatchObject({
        descr: { order: 'sell 0.50 LTCXBT @ stop loss 0.009500' },
      });
      expect(sim.openOrders()).toMatchObject([{ clientOrderId: 'stop-1', stopPrice: 0.0095 }]);
    });

    it('refuses a trigger price with more decimals than the pair as Kraken words it', () => {
      // Act
      const reply = call(
        engine(),
        marketOrder({ type: 'sell', ordertype: 'stop-loss', price: '0.0095001' }),
      );

      // Assess
      expect(errorOf(reply)).toBe(
        'EOrder:Invalid price:LTC/XBT price can only be specified up to 6 decimals.',
      );
    });

    it('refuses a parameter it does not model instead of ignoring it', () => {
      // Prepare
      const sim = engine();

      // Act
      const reply = call(sim, marketOrder({ validate: 'true' }));

      // Assess
      expect(errorOf(reply)).toBe('EGeneral:Invalid arguments:validate');
      expect(sim.orders).toHaveLength(0);
    });
  });

  describe('order look-ups', () => {
    it('reports a filled market order in ClosedOrders by cl_ord_id, with average price and fee', () => {
      // Prepare
      const sim = engine();
      call(sim, marketOrder({ cl_ord_id: 'entry-1' }));
      call(sim, marketOrder({ cl_ord_id: 'entry-2' }));

      // Act
      const closed = resultOf(
        call(sim, privateRequest('/0/private/ClosedOrders', { cl_ord_id: 'entry-1' })),
      );
      const open = resultOf(
        call(sim, privateRequest('/0/private/OpenOrders', { cl_ord_id: 'entry-1' })),
      );

      // Assess
      const filled = sim.orders[0];
      expect(open).toEqual({ open: {} });
      expect(closed.count).toBe(1);
      expect(closed.closed).toEqual({
        [krakenTxid(filled?.orderId ?? 0)]: {
          refid: null,
          userref: null,
          cl_ord_id: 'entry-1',
          status: 'closed',
          reason: null,
          opentm: now / 1000,
          closetm: now / 1000,
          starttm: 0,
          expiretm: 0,
          descr: {
            pair: 'LTCXBT',
            type: 'buy',
            ordertype: 'market',
            price: '0',
            price2: '0',
            leverage: 'none',
            order: 'buy 0.50 LTCXBT @ market',
            close: '',
          },
          vol: '0.50',
          vol_exec: '0.50',
          cost: (0.5 * newestClosed.close).toFixed(8),
          fee: (0.5 * newestClosed.close * 0.001).toFixed(8),
          price: newestClosed.close.toFixed(6),
          stopprice: '0.000000',
          limitprice: '0.000000',
          misc: '',
          oflags: 'fciq',
        },
      });
    });

    it('finds an order by txid in QueryOrders and refuses a txid it never issued', () => {
      // Prepare
      const sim = engine();
      call(sim, marketOrder({ cl_ord_id: 'entry-1' }));
      const txid = krakenTxid(sim.orders[0]?.orderId ?? 0);

      // Act
      const found = resultOf(
        call(sim, privateRequest('/0/private/QueryOrders', { txid, trades: 'true' })),
      );
      const unknown = call(
        sim,
        privateRequest('/0/private/QueryOrders', { txid: 'OZZZZZ-ZZZZZ-ZZZZZZ' }),
      );

      // Assess
      expect(found[txid]).toMatchObject({ cl_ord_id: 'entry-1', status: 'closed' });
      expect((found[txid] as Json).trades).toHaveLength(1);
      expect(errorOf(unknown)).toBe('EOrder:Invalid order');
    });

    it('refuses a string userref, as ccxt fetchOrder sends a client id, since Kraken takes 32-bit integers only', () => {
      // Act
      const reply = call(
        engine(),
        privateRequest('/0/private/QueryOrders', { trades: 'true', userref: 'entry-1' }),
      );

      // Assess
      expect(errorOf(reply)).toBe('EGeneral:Invalid arguments:userref');
    });

    it('cancels a resting stop by cl_ord_id once, then answers EOrder:Unknown order', () => {
      // Prepare
      const sim = engine();
      call(
        sim,
        marketOrder({ type: 'sell', ordertype: 'stop-loss', price: '0.0095', cl_ord_id: 'stop-1' }),
      );

      // Act
      const cancelled = call(
        sim,
        privateRequest('/0/private/CancelOrder', { cl_ord_id: 'stop-1' }),
      );
      const again = call(sim, privateRequest('/0/private/CancelOrder', { cl_ord_id: 'stop-1' }));
      const closed = resultOf(
        call(sim, privateRequest('/0/private/ClosedOrders', { cl_ord_id: 'stop-1' })),
      );

      // Assess
      expect(resultOf(cancelled)).toEqual({ count: 1 });
      expect(errorOf(again)).toBe('EOrder:Unknown order');
      expect(Object.values(closed.closed as Json)).toMatchObject([
        { status: 'canceled', reason: 'User requested', stopprice: '0.009500' },
      ]);
      expect(sim.balances().LTC).toBe(2);
    });
  });

  describe('GET /0/public/OHLC', () => {
    it('serves the newest 720 candles, the forming one last, and `last` as the newest closed', () => {
      // Act
      const reply = call(
        engine(),
        publicRequest('/0/public/OHLC', { pair: 'LTCXBT', interval: '5' }),
      );

      // Assess
      const rows = ohlcRows(reply);
      expect(rows).toHaveLength(720);
      expect(rows[0]?.[0]).toBe((candles[candleCount - 720] as Candle).time / 1000);
      expect(rows.at(-1)).toEqual([
        forming.time / 1000,
        '0.010100',
        '0.010200',
        '0.009800',
        forming.close.toFixed(6),
        expect.any(String),
        forming.volume.toFixed(8),
        0,
      ]);
      expect(resultOf(reply).last).toBe(newestClosed.time / 1000);
    });

    it('serves the candles opened after `since`, excluding the one opened at it', () => {
      // Prepare
      const since = (candles[candleCount - 4] as Candle).time / 1000;

      // Act
      const rows = ohlcRows(
        call(
          engine(),
          publicRequest('/0/public/OHLC', {
            pair: 'XLTCXXBT',
            interval: '5',
            since: String(since),
          }),
        ),
      );

      // Assess
      expect(rows.map((r) => r[0])).toEqual([since + 300, since + 600, since + 900]);
    });

    it('serves no candle older than the newest 720, whatever `since` asks', () => {
      // Act
      const rows = ohlcRows(
        call(
          engine(),
          publicRequest('/0/public/OHLC', {
            pair: 'XLTCXXBT',
            interval: '5',
            since: String(t0 / 1000),
          }),
        ),
      );

      // Assess
      expect(rows).toHaveLength(720);
    });

    it('serves the forming candle even when `since` is after it', () => {
      // Act
      const rows = ohlcRows(
        call(
          engine(),
          publicRequest('/0/public/OHLC', {
            pair: 'XLTCXXBT',
            interval: '5',
            since: String(now / 1000),
          }),
        ),
      );

      // Assess
      expect(rows.map((r) => r[0])).toEqual([forming.time / 1000]);
    });

    it.each([
      ['an interval Kraken does not have', '7'],
      ['an interval shorter than its 5m candles', '1'],
    ])('refuses %s with EGeneral:Invalid arguments', (_, interval) => {
      // Act
      const reply = call(engine(), publicRequest('/0/public/OHLC', { pair: 'XLTCXXBT', interval }));

      // Assess
      expect(errorOf(reply)).toBe('EGeneral:Invalid arguments');
    });

    it('refuses a pair it does not list with EQuery:Unknown asset pair', () => {
      // Act
      const reply = call(engine(), publicRequest('/0/public/OHLC', { pair: 'XETHXXBT' }));

      // Assess
      expect(errorOf(reply)).toBe('EQuery:Unknown asset pair');
    });
  });

  it('tells the simulated time as Kraken does, in seconds and in its RFC 1123 form', () => {
    // Act
    const reply = call(engine(), publicRequest('/0/public/Time'));

    // Assess
    expect(resultOf(reply)).toEqual({
      unixtime: Math.floor(now / 1000),
      rfc1123: 'Fri, 12 Jan 18 18:36:00 +0000',
    });
  });

  it('names the engine symbol a request is about by pair id or altname, so its faults reach it', () => {
    // Prepare
    const sim = engine();

    // Act / Assess
    expect(krakenWire.symbolOf(sim, publicRequest('/0/public/OHLC', { pair: 'XLTCXXBT' }))).toBe(
      'LTC/BTC',
    );
    expect(krakenWire.symbolOf(sim, marketOrder({ pair: 'LTCXBT' }))).toBe('LTC/BTC');
    expect(krakenWire.symbolOf(sim, publicRequest('/0/public/OHLC', { pair: 'NOPE' }))).toBe(
      undefined,
    );
    expect(krakenWire.placesOrder(marketOrder({}))).toBe(true);
    expect(krakenWire.placesOrder(privateRequest('/0/private/CancelOrder'))).toBe(false);
  });
});
