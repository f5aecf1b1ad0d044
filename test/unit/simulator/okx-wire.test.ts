import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../lib/domain/candle.js';
import {
  EngineRefusalError,
  MatchingEngine,
  Refusal,
} from '../../../lib/simulator/matching-engine.js';
import { okxWire } from '../../../lib/simulator/okx-wire.js';
import { faultRefusal } from '../../../lib/simulator/rate-limits.js';
import { routeRequest, type WireReply, type WireRequest } from '../../../lib/simulator/wire.js';
import okx from '../../../node_modules/ccxt/js/src/okx.js';

const minute = 60_000;
const t0 = Date.UTC(2018, 0, 20, 0, 0);
const count = 1500;
/** Open time of the i-th candle. */
const at = (i: number) => t0 + i * minute;
const candles: Candle[] = Array.from({ length: count }, (_, i) => {
  const close = 0.01 + (i % 10) * 0.0001;
  return { time: at(i), open: 0.01, high: close + 0.001, low: close - 0.001, close, volume: 100 };
});
/** Inside the newest candle, which is still forming; the one before it is the newest closed. */
const start = at(count - 1) + 30_000;

type Json = Record<string, unknown>;
type Body = { code: string; msg: string; data: Json[] };

function engine(now = start, balances = { BTC: 1, LTC: 5 }) {
  const clock = { at: now, now: () => clock.at };
  const sim = new MatchingEngine(
    [
      {
        symbol: 'LTC/BTC',
        base: 'LTC',
        quote: 'BTC',
        series: new Map([['1m', candles]]),
        finest: '1m',
        rules: { tickSize: 0.000001, stepSize: 0.01, minQty: 0.01, minNotional: 0.0001 },
      },
    ],
    { clock, balances },
  );
  return { sim, clock };
}

const auth = {
  'ok-access-key': 'key',
  'ok-access-passphrase': 'passphrase',
  'ok-access-sign': 'unchecked',
  'ok-access-timestamp': '2018-01-20T00:00:00.000Z',
};

function get(path: string, query: Record<string, string> = {}, headers = auth): WireRequest {
  return { method: 'GET', path, query: new URLSearchParams(query), body: '', headers };
}

function post(path: string, body: unknown, headers: Json = auth): WireRequest {
  return {
    method: 'POST',
    path,
    query: new URLSearchParams(),
    body: JSON.stringify(body),
    headers: { ...(headers as Record<string, string>), 'content-type': 'application/json' },
  };
}

function call(sim: MatchingEngine, req: WireRequest): WireReply {
  return routeRequest(okxWire, sim, req);
}

const bodyOf = (reply: WireReply) => reply.body as Body;
const first = (reply: WireReply) => bodyOf(reply).data[0] as Json;

/** The ccxt error the real okx client raises for `reply` (its class name and message), or none. */
function ccxtErrorOf(reply: WireReply, path = '/api/v5/trade/batch-orders') {
  const client = new okx();
  const url = `https://www.okx.com${path}`;
  const text = JSON.stringify(reply.body);
  try {
    const handled = client.handleErrors(
      reply.status,
      '',
      url,
      'POST',
      reply.headers ?? {},
      text,
      JSON.parse(text),
      {},
      '',
    );
    if (handled === undefined) client.handleHttpStatusCode(reply.status, '', url, 'POST', text);
  } catch (error) {
    return { name: (error as Error).constructor.name, message: (error as Error).message };
  }
  return { name: 'none', message: '' };
}

const marketOrder = (overrides: Json = {}) => ({
  instId: 'LTC-BTC',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'market',
  sz: '1',
  tgtCcy: 'base_ccy',
  ...overrides,
});

const stopOrder = (overrides: Json = {}) => ({
  instId: 'LTC-BTC',
  tdMode: 'cash',
  side: 'sell',
  ordType: 'conditional',
  sz: '1',
  slTriggerPx: '0.0095',
  slOrdPx: '-1',
  slTriggerPxType: 'last',
  ...overrides,
});

function candleRequest(path: string, query: Record<string, string>) {
  return get(path, { instId: 'LTC-BTC', bar: '1m', ...query });
}

const openTimes = (reply: WireReply) =>
  (bodyOf(reply).data as unknown as string[][]).map((row) => Number(row[0]));

describe('okxWire', () => {
  describe('errors', () => {
    it.each([
      [Refusal.UnknownSymbol, 200, '51001', 'BadSymbol'],
      [Refusal.UnknownTimeframe, 400, '51000', 'BadRequest'],
      [Refusal.NoPrice, 200, '51021', 'ContractUnavailable'],
      [Refusal.LotSize, 200, '51121', 'InvalidOrder'],
      [Refusal.MinNotional, 200, '51020', 'InvalidOrder'],
      [Refusal.InsufficientBalance, 200, '51008', 'InsufficientFunds'],
      [Refusal.DuplicateClientOrderId, 200, '51016', 'InvalidOrder'],
      [Refusal.UnknownOrder, 200, '51603', 'OrderNotFound'],
      [Refusal.OrderNotOpen, 200, '51400', 'OrderNotFound'],
      [Refusal.PriceFilter, 400, '51000', 'BadRequest'],
      [Refusal.WouldTriggerImmediately, 200, '51280', 'InvalidOrder'],
    ])(
      'answers the refusal %s with %i, code %s, which ccxt raises as %s',
      (reason, status, code, ccxtError) => {
        // Act
        const reply = okxWire.replyToError(new EngineRefusalError(reason, 'refused'));

        // Assess
        expect(reply.status).toBe(status);
        expect(reply.body).toEqual({ code, data: [], msg: expect.any(String) });
        expect(ccxtErrorOf(reply).name).toBe(ccxtError);
      },
    );

    it.each([
      [
        'a short balance',
        marketOrder({ sz: '100' }),
        '51008',
        'InsufficientFunds',
        'Insufficient BTC balance',
      ],
      [
        'a size below minSz',
        marketOrder({ sz: '0.001' }),
        '51020',
        'InvalidOrder',
        'minimum order amount',
      ],
      [
        'a size off lotSz',
        marketOrder({ sz: '0.025' }),
        '51121',
        'InvalidOrder',
        'multiple of the lot size',
      ],
      [
        'an unknown instrument',
        marketOrder({ instId: 'NOPE-BTC' }),
        '51001',
        'BadSymbol',
        "doesn't exist",
      ],
      [
        'a margin trade mode',
        marketOrder({ tdMode: 'cross' }),
        '51010',
        'AccountNotEnabled',
        'account mode',
      ],
      ['a limit order', marketOrder({ ordType: 'lmt' }), '51000', 'BadRequest', 'ordType'],
    ])(
      'refuses one order with %s in its sCode, under code 1 and HTTP 200',
      (_, order, sCode, ccxtError, words) => {
        // Prepare
        const { sim } = engine();

        // Act
        const reply = call(sim, post('/api/v5/trade/batch-orders', [order]));

        // Assess
        expect(reply.status).toBe(200);
        expect(bodyOf(reply)).toMatchObject({ code: '1', msg: 'All operations failed' });
        expect(first(reply)).toMatchObject({ ordId: '', sCode });
        expect(String(first(reply).sMsg)).toContain(words);
        expect(ccxtErrorOf(reply).name).toBe(ccxtError);
        expect(sim.orders).toHaveLength(0);
      },
    );

    it('refuses a reused clOrdId with 51016, which ccxt raises as InvalidOrder naming the code', () => {
      // Prepare
      const { sim } = engine();
      const order = marketOrder({ clOrdId: 'intent1' });
      call(sim, post('/api/v5/trade/batch-orders', [order]));

      // Act
      const again = call(sim, post('/api/v5/trade/batch-orders', [order]));

      // Assess
      expect(first(again)).toMatchObject({ clOrdId: 'intent1', sCode: '51016' });
      expect(ccxtErrorOf(again)).toEqual({
        name: 'InvalidOrder',
        message: expect.stringContaining('51016'),
      });
      expect(sim.orders).toHaveLength(1);
    });

    it('refuses a sell stop at or above the last price with 51280, and one off the tick with 51000', () => {
      // Prepare
      const { sim } = engine();

      // Act
      const above = call(sim, post('/api/v5/trade/order-algo', stopOrder({ slTriggerPx: '0.02' })));
      const offTick = call(
        sim,
        post('/api/v5/trade/order-algo', stopOrder({ slTriggerPx: '0.0095005' })),
      );

      // Assess
      expect(first(above)).toMatchObject({ algoId: '', sCode: '51280' });
      expect(ccxtErrorOf(above, '/api/v5/trade/order-algo').name).toBe('InvalidOrder');
      expect(first(offTick)).toMatchObject({ sCode: '51000', sMsg: 'Parameter slTriggerPx error' });
      expect(sim.openOrders()).toHaveLength(0);
    });

    it('answers a rate limit with HTTP 429, code 50011 and Retry-After, which ccxt raises as RateLimitExceeded', () => {
      // Act
      const reply = okxWire.rateLimited(faultRefusal(3, 0));

      // Assess
      expect(reply).toEqual({
        status: 429,
        body: { code: '50011', data: [], msg: 'Too Many Requests' },
        headers: { 'retry-after': '3' },
      });
      expect(ccxtErrorOf(reply, '/api/v5/market/candles').name).toBe('RateLimitExceeded');
    });

    it.each([
      ['ok-access-key', '50103'],
      ['ok-access-passphrase', '50104'],
      ['ok-access-sign', '50106'],
      ['ok-access-timestamp', '50107'],
    ])(
      'refuses a private request without %s with 401 and code %s (AuthenticationError)',
      (header, code) => {
        // Prepare
        const { sim } = engine();
        const headers: Record<string, string> = { ...auth };
        delete headers[header];

        // Act
        const reply = call(sim, get('/api/v5/account/balance', {}, headers as typeof auth));

        // Assess
        expect(reply.status).toBe(401);
        expect(bodyOf(reply).code).toBe(code);
        expect(ccxtErrorOf(reply, '/api/v5/account/balance').name).toBe('AuthenticationError');
      },
    );

    it('answers a path it does not serve so that ccxt raises a plain ExchangeError naming it', () => {
      // Act
      const reply = call(engine().sim, get('/api/v5/asset/currencies'));

      // Assess
      expect(reply.status).toBe(404);
      const error = ccxtErrorOf(reply, '/api/v5/asset/currencies');
      expect(error.name).toBe('ExchangeError');
      expect(error.message).toContain('GET /api/v5/asset/currencies');
    });

    it('answers a handler bug with 500 and code 50026, which ccxt raises as ExchangeNotAvailable', () => {
      // Act
      const reply = okxWire.replyToError(new TypeError('boom'));

      // Assess
      expect(reply.status).toBe(500);
      expect(bodyOf(reply)).toMatchObject({ code: '50026', msg: expect.stringContaining('boom') });
      expect(ccxtErrorOf(reply).name).toBe('ExchangeNotAvailable');
    });
  });

  describe('client order ids', () => {
    it.each([
      ['a dash', 'has-dash'],
      ['33 characters', 'a'.repeat(33)],
      ['an underscore', 'under_score'],
    ])('refuses a clOrdId with %s with sCode 51000', (_, clOrdId) => {
      // Prepare
      const { sim } = engine();

      // Act
      const reply = call(sim, post('/api/v5/trade/order', marketOrder({ clOrdId })));

      // Assess
      expect(first(reply)).toMatchObject({ sCode: '51000', sMsg: 'Parameter clOrdId error' });
      expect(ccxtErrorOf(reply, '/api/v5/trade/order').name).toBe('BadRequest');
      expect(sim.orders).toHaveLength(0);
    });

    it('takes 32 letters and digits, and reports an order placed without one with an empty clOrdId', () => {
      // Prepare
      const { sim } = engine();
      const clOrdId = `A1${'b'.repeat(30)}`;

      // Act
      const named = call(sim, post('/api/v5/trade/order', marketOrder({ clOrdId })));
      const unnamed = call(sim, post('/api/v5/trade/order', marketOrder()));

      // Assess
      expect(first(named)).toMatchObject({ clOrdId, ordId: '1', sCode: '0' });
      expect(first(unnamed)).toMatchObject({ clOrdId: '', ordId: '2', sCode: '0' });
    });

    it('refuses an algoClOrdId off the rule, and takes the deprecated clOrdId in its place', () => {
      // Prepare
      const { sim } = engine();

      // Act
      const refused = call(
        sim,
        post('/api/v5/trade/order-algo', stopOrder({ algoClOrdId: 'x-1' })),
      );
      const placed = call(sim, post('/api/v5/trade/order-algo', stopOrder({ clOrdId: 'stop1' })));

      // Assess
      expect(first(refused)).toMatchObject({ sCode: '51000', sMsg: 'Parameter algoClOrdId error' });
      expect(first(placed)).toMatchObject({ algoClOrdId: 'stop1', clOrdId: 'stop1', sCode: '0' });
      expect(sim.openOrders()).toMatchObject([{ clientOrderId: 'stop1', stopPrice: 0.0095 }]);
    });
  });

  describe('orders', () => {
    it("sizes a market buy in the quote unless tgtCcy says base, as OKX's default is", () => {
      // Prepare
      const { sim } = engine();
      const last = sim.lastPrice('LTC/BTC') ?? 0;

      // Act
      call(sim, post('/api/v5/trade/order', marketOrder({ tgtCcy: undefined, sz: '0.05' })));
      call(sim, post('/api/v5/trade/order', marketOrder({ sz: '2' })));

      // Assess
      expect(sim.orders).toHaveLength(2);
      expect(sim.orders[0]?.amount).toBeCloseTo(Math.floor(0.05 / last / 0.01) * 0.01, 8);
      expect(sim.orders[1]?.amount).toBe(2);
    });

    it('reports a filled market order with its fill, and its fee negative in the quote', () => {
      // Prepare
      const { sim } = engine();
      call(sim, post('/api/v5/trade/order', marketOrder({ clOrdId: 'buy1', sz: '2' })));

      // Act
      const found = call(sim, get('/api/v5/trade/order', { instId: 'LTC-BTC', clOrdId: 'buy1' }));
      const missing = call(sim, get('/api/v5/trade/order', { instId: 'LTC-BTC', clOrdId: 'nope' }));

      // Assess
      expect(first(found)).toMatchObject({
        ordId: '1',
        clOrdId: 'buy1',
        state: 'filled',
        sz: '2',
        tgtCcy: 'base_ccy',
        accFillSz: '2',
        avgPx: '0.0108',
        fee: '-0.0000216',
        feeCcy: 'BTC',
      });
      expect(missing).toEqual({
        status: 200,
        body: { code: '51603', data: [], msg: 'Order does not exist.' },
      });
    });

    it('reports a triggered stop effective, naming the market sell that carries its fill and fee', () => {
      // Prepare: the forming candle dips to 0.0099, the stop; it closes half a minute later.
      const { sim, clock } = engine();
      const stop = stopOrder({ algoClOrdId: 'stop1', slTriggerPx: '0.0099' });
      const placed = call(sim, post('/api/v5/trade/order-algo', stop));
      const algoId = String(first(placed).algoId);
      const live = call(sim, get('/api/v5/trade/order-algo', { algoClOrdId: 'stop1' }));
      clock.at = at(count) + 1;

      // Act
      const effective = call(sim, get('/api/v5/trade/order-algo', { algoClOrdId: 'stop1' }));
      const ordId = String(first(effective).ordId);
      const child = call(sim, get('/api/v5/trade/order', { instId: 'LTC-BTC', ordId }));
      const byAlgoIdAsOrdId = call(
        sim,
        get('/api/v5/trade/order', { instId: 'LTC-BTC', ordId: algoId }),
      );
      const trades = call(sim, get('/api/v5/trade/fills-history', { instType: 'SPOT', ordId }));

      // Assess
      expect(first(live)).toMatchObject({
        algoId,
        state: 'live',
        ordId: '',
        slTriggerPx: '0.0099',
      });
      expect(first(effective)).toMatchObject({ algoId, state: 'effective', ordIdList: [ordId] });
      expect(ordId).not.toBe(algoId);
      expect(first(child)).toMatchObject({
        ordId,
        clOrdId: '',
        algoId,
        algoClOrdId: 'stop1',
        side: 'sell',
        state: 'filled',
        accFillSz: '1',
        avgPx: '0.0099',
        fee: '-0.0000099',
        source: '7',
      });
      expect(bodyOf(byAlgoIdAsOrdId).code).toBe('51603');
      expect(bodyOf(trades).data).toMatchObject([
        { ordId, fillPx: '0.0099', fillSz: '1', fee: '-0.0000099' },
      ]);
    });

    it('cancels a live stop by algoClOrdId, and refuses to cancel it again with 51400', () => {
      // Prepare
      const { sim } = engine();
      call(sim, post('/api/v5/trade/order-algo', stopOrder({ algoClOrdId: 'stop1' })));
      const cancel = [{ instId: 'LTC-BTC', algoClOrdId: 'stop1' }];

      // Act
      const cancelled = call(sim, post('/api/v5/trade/cancel-algos', cancel));
      const again = call(sim, post('/api/v5/trade/cancel-algos', cancel));
      const state = call(sim, get('/api/v5/trade/order-algo', { algoClOrdId: 'stop1' }));

      // Assess
      expect(bodyOf(cancelled)).toMatchObject({ code: '0', data: [{ sCode: '0' }] });
      expect(first(again)).toMatchObject({ sCode: '51400' });
      expect(ccxtErrorOf(again, '/api/v5/trade/cancel-algos').name).toBe('OrderNotFound');
      expect(first(state)).toMatchObject({ state: 'canceled' });
      expect(sim.balances().LTC).toBe(5);
    });
  });

  describe('candles', () => {
    it('serves the newest candles newest first, the forming one unconfirmed', () => {
      // Act
      const reply = call(engine().sim, candleRequest('/api/v5/market/candles', { limit: '3' }));

      // Assess
      const rows = bodyOf(reply).data as unknown as string[][];
      expect(openTimes(reply)).toEqual([at(count - 1), at(count - 2), at(count - 3)]);
      expect(rows.map((r) => r[8])).toEqual(['0', '1', '1']);
      expect(rows[1]).toEqual([
        String(at(count - 2)),
        '0.01',
        '0.0118',
        '0.0098',
        '0.0108',
        '100',
        '1.08',
        '1.08',
        '1',
      ]);
    });

    it('reads after and before as exclusive open times, keeping the newest of what lies between', () => {
      // Prepare
      const { sim } = engine();
      const page = (query: Record<string, string>) =>
        openTimes(call(sim, candleRequest('/api/v5/market/history-candles', query)));

      // Act / Assess
      expect(page({ after: String(at(10)), limit: '3' })).toEqual([at(9), at(8), at(7)]);
      expect(page({ before: String(at(count - 3)) })).toEqual([at(count - 1), at(count - 2)]);
      expect(page({ before: String(at(4)), after: String(at(8)) })).toEqual([at(7), at(6), at(5)]);
      expect(page({ before: String(at(4)), after: String(at(100)), limit: '2' })).toEqual([
        at(99),
        at(98),
      ]);
    });

    it("serves exactly `limit` candles from `since` for ccxt's since request", () => {
      // Prepare: ccxt sends before = since - 1 and after = since + limit candles.
      const since = at(200);

      // Act
      const reply = call(
        engine().sim,
        candleRequest('/api/v5/market/history-candles', {
          before: String(since - 1),
          after: String(since + 300 * minute),
          limit: '300',
        }),
      );

      // Assess
      const times = openTimes(reply);
      expect(times).toHaveLength(300);
      expect(times.at(-1)).toBe(since);
      expect(times[0]).toBe(at(499));
    });

    it('serves at most 300 per request, and on the recent endpoint no further back than 1,440 candles', () => {
      // Prepare
      const { sim } = engine();

      // Act
      const many = call(sim, candleRequest('/api/v5/market/candles', { limit: '1000' }));
      const old = call(sim, candleRequest('/api/v5/market/candles', { after: String(at(50)) }));
      const oldHistory = call(
        sim,
        candleRequest('/api/v5/market/history-candles', { after: String(at(50)) }),
      );

      // Assess
      expect(openTimes(many)).toHaveLength(300);
      expect(openTimes(old)).toEqual([]);
      expect(openTimes(oldHistory)).toHaveLength(50);
    });

    it.each([
      ['a bar of no timeframe the simulator serves', { bar: '1W' }, 400, '51000'],
      ['a Hong Kong aligned bar', { bar: '6H' }, 400, '51000'],
      ['a limit that is not a number', { limit: 'ten' }, 400, '51000'],
      ['an unknown instrument', { instId: 'NOPE-BTC' }, 200, '51001'],
      ['no instrument', { instId: '' }, 400, '50014'],
    ])('refuses %s', (_, query, status, code) => {
      // Act
      const reply = call(engine().sim, candleRequest('/api/v5/market/candles', query));

      // Assess
      expect(reply.status).toBe(status);
      expect(bodyOf(reply).code).toBe(code);
    });
  });

  describe('account', () => {
    it("reports the key's permissions and IP whitelist as perm and ip", () => {
      // Prepare
      const { sim } = engine();
      const config = () => first(call(sim, get('/api/v5/account/config')));

      // Act
      const tradingOnly = config();
      sim.restrictions = { ...sim.restrictions, enableWithdrawals: true, ipRestrict: false };
      const withdrawing = config();

      // Assess
      expect(tradingOnly).toMatchObject({ perm: 'read_only,trade', ip: '127.0.0.1', acctLv: '1' });
      expect(withdrawing).toMatchObject({ perm: 'read_only,trade,withdraw', ip: '' });
    });

    it('reports what a resting stop locks as frozen', () => {
      // Prepare
      const { sim } = engine();
      call(sim, post('/api/v5/trade/order-algo', stopOrder({ sz: '2' })));

      // Act
      const reply = call(sim, get('/api/v5/account/balance', { ccy: 'LTC' }));

      // Assess
      expect((first(reply).details as Json[])[0]).toMatchObject({
        ccy: 'LTC',
        eq: '5',
        availBal: '3',
        frozenBal: '2',
      });
    });
  });

  describe('routing', () => {
    it('names the engine symbol a request is about, from its query or its JSON body', () => {
      // Prepare
      const { sim } = engine();

      // Act / Assess
      expect(okxWire.symbolOf(sim, candleRequest('/api/v5/market/candles', {}))).toBe('LTC/BTC');
      expect(okxWire.symbolOf(sim, post('/api/v5/trade/order-algo', stopOrder()))).toBe('LTC/BTC');
      expect(okxWire.symbolOf(sim, post('/api/v5/trade/batch-orders', [marketOrder()]))).toBe(
        'LTC/BTC',
      );
      expect(okxWire.symbolOf(sim, get('/api/v5/market/candles', { instId: 'NOPE-BTC' }))).toBe(
        undefined,
      );
      expect(okxWire.symbolOf(sim, get('/api/v5/account/balance'))).toBe(undefined);
    });

    it('marks the order placements, algo orders included', () => {
      // Act / Assess
      expect(okxWire.placesOrder(post('/api/v5/trade/order', {}))).toBe(true);
      expect(okxWire.placesOrder(post('/api/v5/trade/batch-orders', []))).toBe(true);
      expect(okxWire.placesOrder(post('/api/v5/trade/order-algo', {}))).toBe(true);
      expect(okxWire.placesOrder(post('/api/v5/trade/cancel-algos', []))).toBe(false);
      expect(okxWire.placesOrder(get('/api/v5/trade/order'))).toBe(false);
    });
  });
});
