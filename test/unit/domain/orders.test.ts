import { describe, expect, it } from 'vitest';
import { callTimeout } from '../../../lib/domain/deadline.js';
import { floorToStep } from '../../../lib/domain/market.js';
import { clientOrderId, intentCandleTime } from '../../../lib/domain/order-intent.js';
import { applyFill, flatPosition } from '../../../lib/domain/position.js';
import { sizeOrder } from '../../../lib/domain/sizing.js';
import { testMarket } from '../../helpers/fakes.js';

const intent = {
  strategy: 'sma-cross',
  symbol: 'LTC/BTC',
  candleTime: 1515560100000,
  side: 'buy',
} as const;

describe('clientOrderId', () => {
  it('is the same for the same intent and differs when any part differs', () => {
    expect(clientOrderId(intent)).toBe(clientOrderId({ ...intent }));
    const others = [
      { ...intent, strategy: 'rsi' },
      { ...intent, symbol: 'ETC/BTC' },
      { ...intent, candleTime: intent.candleTime + 300_000 },
      { ...intent, side: 'sell' as const },
    ].map(clientOrderId);
    expect(new Set([clientOrderId(intent), ...others]).size).toBe(5);
  });

  it("carries the decision candle, so the exchange's orders can be grouped by intent", () => {
    expect(intentCandleTime(clientOrderId(intent))).toBe(intent.candleTime);
    expect(intentCandleTime('web-order-1')).toBeUndefined();
  });

  it('fits Binance: at most 36 characters from [.A-Z:/a-z0-9_-]', () => {
    for (let i = 0; i < 200; i++) {
      const id = clientOrderId({ ...intent, symbol: `S${i}/BTC`, candleTime: 4102444800000 + i });
      expect(id.length).toBeLessThanOrEqual(36);
      expect(id).toMatch(/^[.A-Z:/a-z0-9_-]+$/);
    }
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
