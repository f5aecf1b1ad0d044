import { describe, expect, it } from 'vitest';
import { exchangeLimits, rateBudgetRules } from '../../../lib/config/schema.js';
import {
  type BudgetRules,
  nextWindowAt,
  orderWeight,
  pauseUntil,
  poolAllowance,
  reserveFrom,
  tickPriority,
  tickWeight,
  windowStart,
} from '../../../lib/domain/rate-budget.js';
import binance from '../../../node_modules/ccxt/js/src/binance.js';
import kraken from '../../../node_modules/ccxt/js/src/kraken.js';
import okx from '../../../node_modules/ccxt/js/src/okx.js';
import { testConfig } from '../../helpers/config.js';

const minute = Date.UTC(2024, 2, 1, 12, 0);
const binanceRules: BudgetRules = {
  requests: { limit: 6_000, windowMs: 60_000 },
  orders: { limit: 50, windowMs: 10_000 },
  share: 0.8,
};
const entry = (weight: number) => ({ pool: 'requests', weight, priority: 'entry' }) as const;
const protection = (weight: number) =>
  ({ pool: 'requests', weight, priority: 'protection' }) as const;

type Api = Record<string, Record<string, Record<string, { cost: number }>>>;
/** ccxt's cost of one endpoint of `exchange`'s `api` map. */
function ccxtCost(exchange: { describe(): unknown }, path: [string, string, string]): number {
  const api = (exchange.describe() as { api: Api }).api;
  const cost = api[path[0]]?.[path[1]]?.[path[2]]?.cost;
  if (cost === undefined) throw new Error(`ccxt has no cost for ${path.join(' ')}`);
  return cost;
}

describe('rate budget windows', () => {
  it('counts in fixed windows: a time belongs to the window its floor starts', () => {
    expect(windowStart(minute + 59_999, 60_000)).toBe(minute);
    expect(windowStart(minute + 60_000, 60_000)).toBe(minute + 60_000);
    expect(nextWindowAt(minute + 1, 60_000)).toBe(minute + 60_000);
  });

  it('lets entries draw the share of the limit and protection the whole of it', () => {
    expect(poolAllowance(binanceRules.requests, 0.8, 'entry')).toBe(4_800);
    expect(poolAllowance(binanceRules.requests, 0.8, 'protection')).toBe(6_000);
    expect(poolAllowance(binanceRules.orders, 0.8, 'entry')).toBe(40);
  });
});

describe('reserveFrom', () => {
  it('refuses an entry past the share until the next window, and grants protection beyond it', () => {
    const spent = { windowStart: minute, used: 4_799 };

    const refused = reserveFrom(spent, entry(2), minute + 10_000, binanceRules);
    const granted = reserveFrom(spent, protection(2), minute + 10_000, binanceRules);

    expect(refused.reservation).toEqual({
      granted: false,
      reason: 'exhausted',
      retryAt: minute + 60_000,
    });
    expect(refused.state).toBe(spent);
    expect(granted.reservation).toEqual({ granted: true });
    expect(granted.state).toEqual({ windowStart: minute, used: 4_801 });
  });

  it('refuses protection too once the whole limit is drawn', () => {
    const full = { windowStart: minute, used: 5_999 };

    expect(reserveFrom(full, protection(2), minute, binanceRules).reservation).toMatchObject({
      granted: false,
      reason: 'exhausted',
    });
  });

  it('starts a new window empty', () => {
    const last = { windowStart: minute, used: 6_000 };

    const drawn = reserveFrom(last, entry(2), minute + 60_000, binanceRules);

    expect(drawn.reservation).toEqual({ granted: true });
    expect(drawn.state).toEqual({ windowStart: minute + 60_000, used: 2 });
  });

  it('refuses everyone, protection included, while a 429 pause runs, and no longer after it', () => {
    const paused = pauseUntil(undefined, minute + 5_000);

    const during = reserveFrom(paused, protection(1), minute + 4_999, binanceRules);
    const after = reserveFrom(paused, entry(1), minute + 5_000, binanceRules);

    expect(during.reservation).toEqual({
      granted: false,
      reason: 'paused',
      retryAt: minute + 5_000,
    });
    expect(after.reservation).toEqual({ granted: true });
  });

  it('keeps the longer of two pauses', () => {
    const long = pauseUntil(undefined, minute + 30_000);

    expect(pauseUntil(long, minute + 5_000).pausedUntil).toBe(minute + 30_000);
    expect(pauseUntil(long, minute + 60_000).pausedUntil).toBe(minute + 60_000);
  });
});

describe('tick and order weights', () => {
  const { weights } = exchangeLimits.binance.rate;

  it('weighs a flat tick by its candles, as an entry', () => {
    const calls = { fetchesCandles: true, holding: false, pendingOrder: false };
    expect(tickWeight(weights, calls)).toBe(2);
    expect(tickPriority(calls)).toBe('entry');
  });

  it("weighs a held position's tick with its stop check, as protection", () => {
    const calls = { fetchesCandles: true, holding: true, pendingOrder: false };
    expect(tickWeight(weights, calls)).toBe(2 + 4);
    expect(tickPriority(calls)).toBe('protection');
  });

  it('lets a kraken window hold the ticks of more than three held positions', () => {
    const kraken = exchangeLimits.kraken.rate;
    const held = tickWeight(kraken.weights, {
      fetchesCandles: true,
      holding: true,
      pendingOrder: false,
    });
    expect(Math.floor(kraken.requests.limit / held)).toBeGreaterThan(3);
  });

  it("adds a pending order's look-up, and weighs a tick that asks nothing as nothing", () => {
    expect(tickWeight(weights, { fetchesCandles: true, holding: false, pendingOrder: true })).toBe(
      6,
    );
    expect(
      tickWeight(weights, { fetchesCandles: false, holding: false, pendingOrder: false }),
    ).toBe(0);
  });

  it('draws a buy with its stop, and a sell with the cancel of the stop it replaces', () => {
    expect(orderWeight(weights, 'buy')).toEqual({ requests: 2, orders: 2 });
    expect(orderWeight(weights, 'sell')).toEqual({ requests: 2, orders: 1 });
  });
});

describe("the exchanges' weights are ccxt's endpoint costs in each exchange's unit", () => {
  it('binance: request weight is ccxt cost * 5 (1 weight = cost 0.2 at its 50 ms rate limit)', () => {
    const client = new binance();
    const w = exchangeLimits.binance.rate.weights;
    expect(w.candles).toBeCloseTo(ccxtCost(client, ['public', 'get', 'klines']) * 5);
    expect(w.markets).toBeCloseTo(ccxtCost(client, ['public', 'get', 'exchangeInfo']) * 5);
    expect(w.order).toBeCloseTo(ccxtCost(client, ['private', 'post', 'order']) * 5);
    expect(w.cancel).toBeCloseTo(ccxtCost(client, ['private', 'delete', 'order']) * 5);
    expect(w.lookup).toBeCloseTo(ccxtCost(client, ['private', 'get', 'order']) * 5);
    expect(w.balance).toBeCloseTo(ccxtCost(client, ['private', 'get', 'account']) * 5);
    // 1000 / (rateLimit 50 ms * cost 0.2) per second: binance's 6,000 weight a minute.
    expect((1000 / (50 * 0.2)) * 60).toBe(exchangeLimits.binance.rate.requests.limit);
  });

  it('okx: one unit is 1/15 of a 20-per-2-s request, ccxt cost * 15', () => {
    const client = new okx();
    const w = exchangeLimits.okx.rate.weights;
    const cost = (path: [string, string, string]) => ccxtCost(client, path) * 15;
    expect(w.candles).toBeCloseTo(cost(['public', 'get', 'market/history-candles']));
    expect(w.order).toBeCloseTo(
      cost(['private', 'post', 'trade/batch-orders']) + cost(['private', 'get', 'trade/order']),
    );
    expect(w.stop).toBeCloseTo(
      cost(['private', 'post', 'trade/order-algo']) + cost(['private', 'get', 'trade/order-algo']),
    );
    expect(w.balance).toBeCloseTo(cost(['private', 'get', 'account/balance']));
    expect(exchangeLimits.okx.rate.requests).toEqual({ limit: 20 * 15, windowMs: 2_000 });
  });

  it('kraken: one unit is ccxt cost * 5, a private call (cost 3) one API-counter point', () => {
    const client = new kraken();
    const w = exchangeLimits.kraken.rate.weights;
    expect(w.candles).toBeCloseTo(ccxtCost(client, ['public', 'get', 'OHLC']) * 5);
    expect(w.lookup).toBeCloseTo(
      (ccxtCost(client, ['private', 'post', 'OpenOrders']) +
        ccxtCost(client, ['private', 'post', 'ClosedOrders'])) *
        5,
    );
    expect(w.balance).toBeCloseTo(ccxtCost(client, ['private', 'post', 'Balance']) * 5);
    // ccxt paces 1 cost a second: 30 s of it, in units of cost * 5.
    expect(exchangeLimits.kraken.rate.requests).toEqual({ limit: 30 * 5, windowMs: 30_000 });
  });
});

describe('rateBudgetRules', () => {
  it("sizes the budget from the exchange's documented limits and the config's share", () => {
    expect(rateBudgetRules(testConfig())).toEqual(binanceRules);
  });

  it('takes the overrides of the request and order limits', () => {
    const config = testConfig({ rateBudget: { requestLimit: 1_200, orderLimit: 10, share: 0.5 } });
    expect(rateBudgetRules(config)).toEqual({
      requests: { limit: 1_200, windowMs: 60_000 },
      orders: { limit: 10, windowMs: 10_000 },
      share: 0.5,
    });
  });
});
