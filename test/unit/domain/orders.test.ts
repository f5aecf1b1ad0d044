import { describe, expect, it } from 'vitest';
import { clientIdPatterns } from '../../../lib/domain/client-id.js';
import { callTimeout } from '../../../lib/domain/deadline.js';
import { floorToStep } from '../../../lib/domain/market.js';
import {
  clientOrderId,
  intentCandleTime,
  type OrderIntent,
} from '../../../lib/domain/order-intent.js';
import { applyFill, flatPosition } from '../../../lib/domain/position.js';
import { sizeOrder } from '../../../lib/domain/sizing.js';
import { isStopClientOrderId } from '../../../lib/domain/stop.js';
import { testMarket } from '../../helpers/fakes.js';

const intent = {
  strategy: 'sma-cross',
  symbol: 'LTC/BTC',
  candleTime: 1515560100000,
  side: 'buy',
} as const;

describe.each(['binance', 'okx', 'kraken'] as const)('clientOrderId for %s', (style) => {
  const id = (i: typeof intent | OrderIntent) => clientOrderId(i, style);

  it('is the same for the same intent and differs when any part differs', () => {
    expect(id(intent)).toBe(id({ ...intent }));
    const others = [
      { ...intent, strategy: 'rsi' },
      { ...intent, symbol: 'ETC/BTC' },
      { ...intent, candleTime: intent.candleTime + 300_000 },
      { ...intent, side: 'sell' as const },
    ].map(id);
    expect(new Set([id(intent), ...others]).size).toBe(5);
  });

  it("carries the decision candle, so the exchange's orders can be grouped by intent", () => {
    expect(intentCandleTime(id(intent))).toBe(intent.candleTime);
    expect(intentCandleTime(id({ ...intent, side: 'sell' }))).toBe(intent.candleTime);
    expect(intentCandleTime('web-order-1')).toBeUndefined();
    expect(isStopClientOrderId(id(intent))).toBe(false);
  });

  it("fits the exchange's documented pattern for realistic intents, without a collision", () => {
    // Every symbol, strategy and side over a year of 1m candles' worth of far-apart times.
    const ids = new Set<string>();
    const strategies = ['sma-cross', 'rsi-reversion'];
    for (let i = 0; i < 400; i++) {
      const made = id({
        strategy: strategies[i % 2] ?? 'sma-cross',
        symbol: `S${String(i % 50).padStart(4, '0')}/USDT`,
        candleTime: 1_515_560_100_000 + Math.floor(i / 2) * 7_919_000_000,
        side: i % 3 === 0 ? 'sell' : 'buy',
      });
      expect(made).toMatch(clientIdPatterns[style]);
      ids.add(made);
    }
    // A far future candle still fits.
    expect(id({ ...intent, candleTime: 4_102_444_800_000 })).toMatch(clientIdPatterns[style]);
    expect(ids.size).toBe(400);
  });
});

describe('clientIdPatterns', () => {
  it.each([
    ['binance', 'tf-b-kxz1c8w0-AbCdEfGhIjKlMnOpQrSt', 'tf b has spaces'],
    ['binance', 'x'.repeat(36), 'x'.repeat(37)],
    ['okx', 'tfBkxz1c8w0T0123456789abcdef0123', 'tf-b-kxz1c8w0'],
    ['okx', 'a'.repeat(32), 'a'.repeat(33)],
    ['kraken', '0160c41e-95e0-7123-8abc-0123456789ab', '0160c41e-95e0-7123-8abc-0123456789a'],
    ['kraken', 'da8e4ad59b78481c93e589746b0cf91f', 'free text over 18 characters'],
    ['kraken', 'my-order-18-chars!', 'tf-b-kxz1c8w0-AbCdEfGhIjKlMnOpQrSt'],
  ] as const)("%s takes %j and refuses %j, as the exchange's docs say", (style, good, bad) => {
    expect(good).toMatch(clientIdPatterns[style]);
    expect(bad).not.toMatch(clientIdPatterns[style]);
  });
});

describe('sizeOrder', () => {
  const limits = { stakePerTrade: 0.01, maxPosition: 0.05 };
  const market = testMarket('LTC/BTC');

  it('spends the stake on a buy, floored to the amount step', () => {
    expect(sizeOrder('buy', 0.017, flatPosition('LTC/BTC'), market, limits)).toEqual({
      ok: true,
      amount: 0.588,
    });
  });

  it('caps a buy so the position stays within maxPosition', () => {
    const held = { ...flatPosition('LTC/BTC'), amount: 2.5, entryPrice: 0.0172 };
    const sizing = sizeOrder('buy', 0.018, held, market, limits);
    expect(sizing).toEqual({ ok: true, amount: 0.277 });
  });

  it('sells the whole position', () => {
    const held = { ...flatPosition('LTC/BTC'), amount: 0.588, entryPrice: 0.017 };
    expect(sizeOrder('sell', 0.02, held, market, limits)).toEqual({ ok: true, amount: 0.588 });
  });

  it('rejects an order below the minimum notional, with the reason', () => {
    const sizing = sizeOrder(
      'buy',
      0.017,
      flatPosition('X'),
      { ...market, minNotional: 0.5 },
      limits,
    );
    expect(sizing).toMatchObject({
      ok: false,
      reason: expect.stringContaining('below minimum 0.5'),
    });
  });
});

describe('floorToStep', () => {
  it('floors without floating-point residue', () => {
    expect(floorToStep(0.58823529, 0.001)).toBe(0.588);
    expect(floorToStep(0.3, 0.1)).toBe(0.3);
    expect(floorToStep(123.456, 1)).toBe(123);
  });

  it('gives the decimal rounding of whole steps bit for bit, next to a whole step and away from it', () => {
    // The definition, spelled with its decimal round trips.
    const decimal = (value: number, step: number) => {
      const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
      const units = Math.floor(Number((value / step).toFixed(9)));
      return Number((units * step).toFixed(decimals));
    };
    const steps = [1, 0.1, 0.01, 0.001, 1e-5, 1e-6, 1e-8, 1e-16, 0.5, 5e-5, 0.00025, 10];
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const values = [0, -0, 0.3, 0.1 * 3, 2.9999999995, 2.999999995, 1e-20, 1e15, -1.5, Number.NaN];
    for (let k = 0; k < 20_000; k++) {
      const step = steps[k % steps.length] as number;
      // whole numbers of steps a hair either side, and anything at all
      values.push(Math.round(random() * 1e6) * step * (1 + (random() - 0.5) * 1e-12));
      values.push(random() * 10 ** Math.floor(random() * 16 - 8));
    }

    const differing = values.filter((value, k) => {
      const step = steps[k % steps.length] as number;
      return !Object.is(floorToStep(value, step), decimal(value, step));
    });

    expect(differing).toEqual([]);
  });
});

describe('applyFill', () => {
  it('averages entries, realises PnL net of fees on exit and goes flat', () => {
    const bought = applyFill(
      flatPosition('L'),
      { side: 'buy', amount: 1, price: 10, fee: 0.01 },
      'a',
    );
    expect(bought).toMatchObject({
      amount: 1,
      entryPrice: 10,
      realisedPnl: -0.01,
      version: 1,
      lastOrderId: 'a',
    });
    const sold = applyFill(bought, { side: 'sell', amount: 1, price: 12, fee: 0.012 }, 'b');
    expect(sold).toMatchObject({ amount: 0, entryPrice: 0, version: 2, lastOrderId: 'b' });
    expect(sold.realisedPnl).toBeCloseTo(2 - 0.022, 10);
  });

  it('holds a buy less its fee taken in the base, and books that fee once, in the realised pnl', () => {
    // Act: 1 bought at 10, 0.001 of it kept as the fee (worth 0.01), all held sold at 12
    const bought = applyFill(
      flatPosition('L'),
      { side: 'buy', amount: 1, price: 10, fee: 0.01, feeInBase: 0.001 },
      'a',
    );
    const sold = applyFill(bought, { side: 'sell', amount: 0.999, price: 12, fee: 0.011988 }, 'b');

    // Assess: paid 10, received 0.999 × 12 − 0.011988
    expect(bought).toMatchObject({ amount: 0.999, entryPrice: 10, realisedPnl: -0.01 });
    expect(sold.amount).toBe(0);
    expect(sold.realisedPnl).toBeCloseTo(0.999 * 12 - 0.011988 - 10, 10);
  });

  it('settles the pending order and, once flat, drops the stop and the clock, each field in its place', () => {
    // Prepare: an entry pending on a flat position, then a stop rested and an exit pending
    const stop = { clientOrderId: 's', price: 9, revision: 1, entryOrderId: 'a' };
    const pending = { ...flatPosition('L'), pendingOrderId: 'a' };

    // Act
    const bought = applyFill(
      pending,
      { side: 'buy', amount: 2, price: 10, fee: 0.02, candleTime: 60_000 },
      'a',
    );
    const partly = applyFill(
      { ...bought, stop, pendingOrderId: 'b' },
      { side: 'sell', amount: 1, price: 11, fee: 0.011 },
      'b',
    );
    const sold = applyFill(
      { ...partly, pendingOrderId: 'c' },
      { side: 'sell', amount: 1, price: 12, fee: 0.012 },
      'c',
    );

    // Assess: the keys in order, as the stored position and the run report show them
    expect(Object.entries(bought)).toEqual([
      ['symbol', 'L'],
      ['amount', 2],
      ['entryPrice', 10],
      ['realisedPnl', -0.02],
      ['version', 1],
      ['openedAt', 60_000],
      ['highPrice', 10],
      ['lastOrderId', 'a'],
    ]);
    expect(Object.keys(partly)).toEqual([
      'symbol',
      'amount',
      'entryPrice',
      'realisedPnl',
      'version',
      'openedAt',
      'highPrice',
      'lastOrderId',
      'stop',
    ]);
    expect(partly).toMatchObject({ amount: 1, entryPrice: 10, version: 2, stop });
    expect(Object.entries(sold)).toEqual([
      ['symbol', 'L'],
      ['amount', 0],
      ['entryPrice', 0],
      ['realisedPnl', sold.realisedPnl],
      ['version', 3],
      ['lastOrderId', 'c'],
    ]);
  });
});

describe('callTimeout', () => {
  const rules = { exchangeCallMs: 10_000, safetyMarginMs: 1_000, minCallMs: 250 };
  it.each([
    [30_000, 10_000],
    [5_000, 4_000],
    [1_300, 300],
    [1_249, undefined],
    [0, undefined],
  ])('with %i ms left gives %s', (remaining, expected) => {
    expect(callTimeout(remaining, rules)).toBe(expected);
  });
});
