import { describe, expect, it } from 'vitest';
import { binanceWire } from '../../../lib/simulator/binance-wire.js';
import { krakenWire } from '../../../lib/simulator/kraken-wire.js';
import type { MatchingEngine } from '../../../lib/simulator/matching-engine.js';
import { okxWire } from '../../../lib/simulator/okx-wire.js';
import { type RateCharge, RateLimiter, type RateRule } from '../../../lib/simulator/rate-limits.js';
import type { WireRequest } from '../../../lib/simulator/wire.js';

const minute = 60_000;
/** A minute boundary, so that window ends are easy to read. */
const t0 = Date.UTC(2018, 0, 20, 12, 0);

const weightRule: RateRule = {
  id: 'REQUEST_WEIGHT',
  window: { kind: 'fixed', ms: minute, limit: 10 },
  ban: { firstMs: 2 * minute, maxMs: 5 * minute },
  usedHeader: 'x-mbx-used-weight-1m',
};
const counterRule: RateRule = { id: 'private', window: { kind: 'decay', max: 3, perSecond: 0.5 } };

const weight = (amount: number, ip = '127.0.0.1'): RateCharge[] => [
  { rule: 'REQUEST_WEIGHT', bucket: `ip:${ip}`, amount },
];

describe('RateLimiter', () => {
  describe('fixed windows', () => {
    it('admits up to the limit within a window and reports the weight used in its header', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule]);

      // Act
      const first = limiter.admit(weight(4), t0 + 1000);
      const second = limiter.admit(weight(6), t0 + 2000);

      // Assess
      expect(first).toEqual({ ok: true, headers: { 'x-mbx-used-weight-1m': '4' } });
      expect(second).toEqual({ ok: true, headers: { 'x-mbx-used-weight-1m': '10' } });
    });

    it('refuses what would go over, asking to wait until the window ends, and takes nothing for it', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule]);
      limiter.admit(weight(9), t0 + 15_000);

      // Act
      const refused = limiter.admit(weight(2), t0 + 15_000);

      // Assess
      expect(refused).toMatchObject({
        ok: false,
        refusal: {
          kind: 'limited',
          rule: 'REQUEST_WEIGHT',
          retryAfterSeconds: 45,
          until: t0 + minute,
          limit: 10,
        },
        headers: { 'x-mbx-used-weight-1m': '9' },
      });
      expect(limiter.used('REQUEST_WEIGHT', 'ip:127.0.0.1', t0 + 15_000)).toBe(9);
    });

    it('starts counting from zero in the next window', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule]);
      limiter.admit(weight(10), t0);

      // Act
      const next = limiter.admit(weight(10), t0 + minute);

      // Assess
      expect(next.ok).toBe(true);
    });

    it('counts each IP on its own', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule]);
      limiter.admit(weight(10, '127.0.0.1'), t0);

      // Act
      const other = limiter.admit(weight(10, '127.0.0.2'), t0);
      const same = limiter.admit(weight(1, '127.0.0.1'), t0);

      // Assess
      expect(other.ok).toBe(true);
      expect(same.ok).toBe(false);
    });

    it('admits nothing of a request when one of the rules it charges has no room', () => {
      // Prepare
      const orders: RateRule = {
        id: 'ORDERS_10S',
        window: { kind: 'fixed', ms: 10_000, limit: 1 },
      };
      const limiter = new RateLimiter([weightRule, orders]);
      const order = [...weight(1), { rule: 'ORDERS_10S', bucket: 'account', amount: 1 }];
      limiter.admit(order, t0);

      // Act
      const refused = limiter.admit(order, t0 + 1000);

      // Assess
      expect(refused).toMatchObject({
        ok: false,
        refusal: { rule: 'ORDERS_10S', retryAfterSeconds: 9 },
      });
      expect(limiter.used('REQUEST_WEIGHT', 'ip:127.0.0.1', t0 + 1000)).toBe(1);
    });
  });

  describe('IP bans', () => {
    it('bans an IP that sends again before the Retry-After of its 429 has passed, for 2 minutes', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule]);
      limiter.admit(weight(10), t0);
      limiter.admit(weight(1), t0 + 30_000); // 429, Retry-After 30 s

      // Act
      const banned = limiter.admit(weight(1), t0 + 40_000);
      const stillBanned = limiter.admit(weight(1), t0 + 40_000 + 2 * minute - 1);
      const after = limiter.admit(weight(1), t0 + 40_000 + 2 * minute);

      // Assess
      expect(banned).toMatchObject({
        ok: false,
        refusal: { kind: 'banned', retryAfterSeconds: 120, until: t0 + 40_000 + 2 * minute },
      });
      expect(stillBanned).toMatchObject({
        ok: false,
        refusal: { kind: 'banned', retryAfterSeconds: 1 },
      });
      expect(after.ok).toBe(true);
    });

    it('bans a repeat offender twice as long each time, up to the longest ban', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule]);
      const offend = (at: number) => {
        limiter.admit(weight(10), at);
        limiter.admit(weight(1), at); // 429
        const ban = limiter.admit(weight(1), at + 1);
        return ban.ok ? undefined : ban.refusal.until - (at + 1);
      };

      // Act
      const bans = [
        offend(t0),
        offend(t0 + 10 * minute),
        offend(t0 + 20 * minute),
        offend(t0 + 30 * minute),
      ];

      // Assess
      expect(bans).toEqual([2 * minute, 4 * minute, 5 * minute, 5 * minute]);
    });

    it('does not ban a client that waits out the Retry-After', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule]);
      limiter.admit(weight(10), t0);
      limiter.admit(weight(1), t0 + 30_000); // 429 until the minute ends

      // Act
      const next = limiter.admit(weight(1), t0 + minute);

      // Assess
      expect(next.ok).toBe(true);
    });

    it('never bans under a rule without bans: it answers 429 again', () => {
      // Prepare
      const limiter = new RateLimiter([counterRule]);
      const call = [{ rule: 'private', bucket: 'key:k', amount: 1 }];
      for (let i = 0; i < 3; i++) limiter.admit(call, t0);

      // Act
      const refusals = [limiter.admit(call, t0), limiter.admit(call, t0 + 100)];

      // Assess
      expect(refusals.map((r) => (r.ok ? 'ok' : r.refusal.kind))).toEqual(['limited', 'limited']);
    });
  });

  describe('decaying counters', () => {
    it('refuses a call that would raise the counter above its maximum until it has decayed', () => {
      // Prepare
      const limiter = new RateLimiter([counterRule]);
      const call = [{ rule: 'private', bucket: 'key:k', amount: 1 }];
      for (let i = 0; i < 3; i++) limiter.admit(call, t0);

      // Act
      const refused = limiter.admit(call, t0);
      const early = limiter.admit(call, t0 + 1000);
      const later = limiter.admit(call, t0 + 2000);

      // Assess
      expect(refused).toMatchObject({
        ok: false,
        refusal: { retryAfterSeconds: 2, until: t0 + 2000 },
      });
      expect(early.ok).toBe(false);
      expect(later.ok).toBe(true);
    });

    it('frees nothing while the clock stands still or is set back', () => {
      // Prepare
      const limiter = new RateLimiter([counterRule]);
      const call = [{ rule: 'private', bucket: 'key:k', amount: 3 }];
      limiter.admit(call, t0);

      // Act
      const back = limiter.admit([{ rule: 'private', bucket: 'key:k', amount: 1 }], t0 - minute);

      // Assess
      expect(back.ok).toBe(false);
    });
  });

  describe('overrides', () => {
    it('replaces a rule limit by its id', () => {
      // Prepare
      const limiter = new RateLimiter([weightRule], { REQUEST_WEIGHT: 2 });

      // Act
      const over = limiter.admit(weight(3), t0);

      // Assess
      expect(over).toMatchObject({ ok: false, refusal: { limit: 2 } });
    });

    it('refuses an override of a rule the exchange does not have, naming the rules it has', () => {
      expect(() => new RateLimiter([weightRule], { WEIGHT: 2 })).toThrow(
        'rate limit override "WEIGHT": no such rule (the rules are REQUEST_WEIGHT)',
      );
    });

    it('refuses an override that is not a number above zero', () => {
      expect(() => new RateLimiter([weightRule], { REQUEST_WEIGHT: 0 })).toThrow(
        'rate limit override REQUEST_WEIGHT: must be a number > 0, got 0',
      );
    });
  });
});

const request = (method: string, path: string, extra: Partial<WireRequest> = {}): WireRequest => ({
  method,
  path,
  query: new URLSearchParams(),
  body: '',
  headers: {},
  ...extra,
});

/** A stand-in engine: costs that look no order up need none. */
const noEngine = {} as MatchingEngine;

describe('what each wire charges', () => {
  it.each([
    ['GET', '/api/v3/exchangeInfo', '', 20],
    ['GET', '/api/v3/klines', 'symbol=LTCBTC', 2],
    ['POST', '/api/v3/order', '', 1],
    ['GET', '/api/v3/order', '', 4],
    ['DELETE', '/api/v3/order', '', 1],
    ['GET', '/api/v3/account', '', 20],
    ['GET', '/api/v3/myTrades', '', 20],
    ['GET', '/api/v3/time', '', 1],
    ['GET', '/api/v3/openOrders', 'symbol=LTCBTC', 6],
    ['GET', '/api/v3/ticker/24hr', 'symbol=LTCBTC', 2],
    ['GET', '/api/v3/ticker/24hr', '', 80],
  ])('binance %s %s?%s weighs %i', (method, path, query, expected) => {
    const cost = binanceWire.rateLimits.cost(
      noEngine,
      request(method, path, { query: new URLSearchParams(query) }),
      '127.0.0.1',
    );
    expect(cost.weight).toBe(expected);
    expect(cost.charges[0]).toEqual({
      rule: 'REQUEST_WEIGHT',
      bucket: 'ip:127.0.0.1',
      amount: expected,
    });
  });

  it('binance counts an order placement against the account order limits too', () => {
    const cost = binanceWire.rateLimits.cost(
      noEngine,
      request('POST', '/api/v3/order'),
      '127.0.0.1',
    );
    expect(cost.charges.map((c) => c.rule)).toEqual(['REQUEST_WEIGHT', 'ORDERS_10S', 'ORDERS_1D']);
  });

  it('binance counts a sapi endpoint on its own limit, per IP and endpoint', () => {
    const cost = binanceWire.rateLimits.cost(
      noEngine,
      request('GET', '/sapi/v1/account/apiRestrictions'),
      '127.0.0.1',
    );
    expect(cost.charges).toEqual([
      {
        rule: 'SAPI_IP_WEIGHT',
        bucket: 'ip:127.0.0.1|/sapi/v1/account/apiRestrictions',
        amount: 1,
      },
    ]);
  });

  it('okx counts a public endpoint per IP and a private one per user and instrument', () => {
    const candles = okxWire.rateLimits.cost(
      noEngine,
      request('GET', '/api/v5/market/candles'),
      '127.0.0.1',
    );
    const order = okxWire.rateLimits.cost(
      noEngine,
      request('GET', '/api/v5/trade/order', {
        query: new URLSearchParams('instId=LTC-BTC'),
        headers: { 'ok-access-key': 'k1' },
      }),
      '127.0.0.1',
    );
    expect(candles.charges).toEqual([
      { rule: 'GET /api/v5/market/candles', bucket: 'ip:127.0.0.1', amount: 1 },
    ]);
    expect(order.charges).toEqual([
      { rule: 'GET /api/v5/trade/order', bucket: 'user:k1|LTC-BTC', amount: 1 },
    ]);
  });

  it('okx counts each order of a batch', () => {
    const cost = okxWire.rateLimits.cost(
      noEngine,
      request('POST', '/api/v5/trade/batch-orders', {
        body: JSON.stringify([{ instId: 'LTC-BTC' }, { instId: 'LTC-BTC' }]),
      }),
      '127.0.0.1',
    );
    expect(cost).toEqual({
      weight: 2,
      charges: [{ rule: 'POST /api/v5/trade/batch-orders', bucket: 'user:|LTC-BTC', amount: 2 }],
    });
  });

  it('kraken counts public calls per IP (OHLC per IP and pair) and private calls per key, history twice', () => {
    const ohlc = krakenWire.rateLimits.cost(
      noEngine,
      request('GET', '/0/public/OHLC', { query: new URLSearchParams('pair=XLTCXXBT') }),
      '127.0.0.1',
    );
    const balance = krakenWire.rateLimits.cost(
      noEngine,
      request('POST', '/0/private/Balance', { headers: { 'api-key': 'k' } }),
      '127.0.0.1',
    );
    const trades = krakenWire.rateLimits.cost(
      noEngine,
      request('POST', '/0/private/TradesHistory', { headers: { 'api-key': 'k' } }),
      '127.0.0.1',
    );
    expect(ohlc.charges).toEqual([{ rule: 'public', bucket: 'ip:127.0.0.1|XLTCXXBT', amount: 1 }]);
    expect(balance.charges).toEqual([{ rule: 'private', bucket: 'key:k', amount: 1 }]);
    expect(trades.charges).toEqual([{ rule: 'private', bucket: 'key:k', amount: 2 }]);
  });

  it.each([
    [binanceWire, 'GET', '/api/v3/exchangeInfo'],
    [okxWire, 'GET', '/api/v5/public/instruments'],
    [krakenWire, 'GET', '/0/public/AssetPairs'],
  ])('%# marks the market list request', (wire, method, path) => {
    expect(wire.rateLimits.isMarketsRequest(request(method, path))).toBe(true);
    expect(wire.rateLimits.isMarketsRequest(request('GET', '/elsewhere'))).toBe(false);
  });
});
