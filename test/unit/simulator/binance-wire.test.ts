import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../lib/domain/candle.js';
import { binanceWire } from '../../../lib/simulator/binance-wire.js';
import {
  EngineRefusalError,
  MatchingEngine,
  Refusal,
} from '../../../lib/simulator/matching-engine.js';
import { faultRefusal } from '../../../lib/simulator/rate-limits.js';
import { routeRequest, type WireReply, type WireRequest } from '../../../lib/simulator/wire.js';
import binance from '../../../node_modules/ccxt/js/src/binance.js';

const minute = 60_000;
const t0 = Date.UTC(2018, 0, 20, 12, 0);
const candles: Candle[] = [0, 1, 2].map((i) => ({
  time: t0 + i * minute,
  open: 0.01,
  high: 0.02,
  low: 0.005,
  close: 0.01 + i * 0.001,
  volume: 100,
}));

function engine(): MatchingEngine {
  return new MatchingEngine(
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
    { clock: { now: () => t0 + 2 * minute + 1 } },
  );
}

function request(method: string, path: string, params: Record<string, string>): WireRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    body: new URLSearchParams({ ...params, signature: 'unchecked' }).toString(),
    headers: { 'x-mbx-apikey': 'key' },
  };
}

function call(sim: MatchingEngine, req: WireRequest): WireReply {
  return routeRequest(binanceWire, sim, req);
}

/** The ccxt error class the real binance client raises for `reply`, or 'none'. */
function ccxtErrorOf(reply: WireReply, path = '/api/v3/order'): string {
  const client = new binance();
  const text = JSON.stringify(reply.body);
  try {
    client.handleErrors(
      reply.status,
      '',
      `https://api.binance.com${path}`,
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

describe('binanceWire', () => {
  it.each([
    [Refusal.UnknownSymbol, 400, -1121, 'BadSymbol'],
    [Refusal.UnknownTimeframe, 400, -1120, 'BadRequest'],
    [Refusal.NoPrice, 400, -1013, 'MarketClosed'],
    [Refusal.LotSize, 400, -1013, 'InvalidOrder'],
    [Refusal.MinNotional, 400, -1013, 'BadRequest'],
    [Refusal.InsufficientBalance, 400, -2010, 'InsufficientFunds'],
    [Refusal.DuplicateClientOrderId, 400, -2010, 'InvalidOrder'],
    [Refusal.UnknownOrder, 400, -2013, 'OrderNotFound'],
    [Refusal.OrderNotOpen, 400, -2011, 'OrderNotFound'],
  ])(
    'answers the refusal %s with %i, code %i, which ccxt raises as %s',
    (reason, status, code, ccxtError) => {
      // Act
      const reply = binanceWire.replyToError(new EngineRefusalError(reason, 'refused'));

      // Assess
      expect(reply.status).toBe(status);
      expect(reply.body).toMatchObject({ code });
      expect(ccxtErrorOf(reply)).toBe(ccxtError);
    },
  );

  it('asks to wait with 429 and Retry-After, which ccxt raises as DDoSProtection', () => {
    // Act
    const reply = binanceWire.rateLimited(faultRefusal(3, 0));

    // Assess
    expect(reply.status).toBe(429);
    expect(reply.headers).toEqual({ 'retry-after': '3' });
    expect(reply.body).toMatchObject({ code: -1003 });
    expect(ccxtErrorOf(reply, '/api/v3/klines')).toBe('DDoSProtection');
  });

  it('places an order on the engine and finds it by client id, without HTTP', () => {
    // Prepare
    const sim = engine();
    const order = { symbol: 'LTCBTC', side: 'BUY', type: 'MARKET', quantity: '1' };

    // Act
    const placed = call(
      sim,
      request('POST', '/api/v3/order', { ...order, newClientOrderId: 'c1' }),
    );
    const again = call(sim, request('POST', '/api/v3/order', { ...order, newClientOrderId: 'c1' }));
    const found = call(
      sim,
      request('GET', '/api/v3/order', { symbol: 'LTCBTC', origClientOrderId: 'c1' }),
    );

    // Assess
    expect(placed).toMatchObject({ status: 200, body: { status: 'FILLED', clientOrderId: 'c1' } });
    expect(again).toEqual({ status: 400, body: { code: -2010, msg: 'Duplicate order sent.' } });
    expect(found.body).toMatchObject({ orderId: sim.orders[0]?.orderId, clientOrderId: 'c1' });
    expect(sim.orders).toHaveLength(1);
  });

  it('names the engine symbol a request is about, so its faults reach it', () => {
    // Prepare
    const sim = engine();

    // Act / Assess
    expect(binanceWire.symbolOf(sim, request('GET', '/api/v3/klines', { symbol: 'LTCBTC' }))).toBe(
      'LTC/BTC',
    );
    expect(binanceWire.symbolOf(sim, request('GET', '/api/v3/klines', { symbol: 'NOPE' }))).toBe(
      undefined,
    );
    expect(binanceWire.placesOrder(request('POST', '/api/v3/order', {}))).toBe(true);
    expect(binanceWire.placesOrder(request('GET', '/api/v3/order', {}))).toBe(false);
  });
});
