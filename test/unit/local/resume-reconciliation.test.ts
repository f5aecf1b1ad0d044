import { describe, expect, it } from 'vitest';
import type { OrderRecord } from '../../../lib/domain/order-lifecycle.js';
import { flatPosition, type Position } from '../../../lib/domain/position.js';
import {
  type ExchangeFill,
  unreconciledReason,
  unreconciledSymbols,
} from '../../../lib/local/resume-reconciliation.js';

const symbol = 'LTC/BTC';
const record = (
  clientOrderId: string,
  side: 'buy' | 'sell',
  status: OrderRecord['status'],
  filledAmount?: number,
): OrderRecord => ({
  clientOrderId,
  symbol,
  strategy: 'sma-cross',
  side,
  candleTime: 0,
  amount: 2,
  referencePrice: 0.01,
  status,
  ...(filledAmount === undefined ? {} : { filledAmount, averagePrice: 0.01, fee: 0 }),
  createdAt: '2018-01-10T00:00:00.000Z',
  version: 2,
});
const fill = (clientOrderId: string, side: 'buy' | 'sell', amount = 2): ExchangeFill => ({
  symbol,
  side,
  amount,
  clientOrderId,
});
const holding = (amount: number, extra: Partial<Position> = {}): Position => ({
  ...flatPosition(symbol),
  amount,
  entryPrice: 0.01,
  version: 3,
  ...extra,
});

describe('unreconciledReason', () => {
  it('accepts a position that is exactly what the exchange filled', () => {
    expect(
      unreconciledReason({
        symbol,
        position: holding(2, { lastOrderId: 'b1' }),
        orders: [record('b1', 'buy', 'filled', 2), record('s0', 'sell', 'cancelled')],
        fills: [fill('b1', 'buy')],
      }),
    ).toBeUndefined();
  });

  it('accepts a fill the state has pending: the next tick looks it up by its client id', () => {
    expect(
      unreconciledReason({
        symbol,
        position: holding(0, { pendingOrderId: 'b1' }),
        orders: [record('b1', 'buy', 'sent')],
        fills: [fill('b1', 'buy')],
      }),
    ).toBeUndefined();
  });

  it('accepts a fill booked final but not applied to the position yet', () => {
    expect(
      unreconciledReason({
        symbol,
        position: holding(0, { pendingOrderId: 'b1' }),
        orders: [record('b1', 'buy', 'filled', 2)],
        fills: [fill('b1', 'buy')],
      }),
    ).toBeUndefined();
  });

  it('refuses an order booked filled that the exchange has no fill of (its side was lost)', () => {
    expect(
      unreconciledReason({
        symbol,
        position: holding(2, { lastOrderId: 'b1' }),
        orders: [record('b1', 'buy', 'filled', 2)],
        fills: [],
      }),
    ).toBe('order b1 is booked filled and the exchange has no fill of it');
  });

  it('refuses an order booked cancelled that the exchange filled', () => {
    expect(
      unreconciledReason({
        symbol,
        position: holding(0),
        orders: [record('b1', 'buy', 'cancelled')],
        fills: [fill('b1', 'buy')],
      }),
    ).toBe('order b1 is booked cancelled and the exchange filled it');
  });

  it('refuses a fill the state has no record of', () => {
    expect(
      unreconciledReason({ symbol, position: holding(0), orders: [], fills: [fill('x', 'buy')] }),
    ).toBe('the exchange filled order x, of which the state has no record');
  });

  it('refuses a position that differs from the fills by more than what is still to apply', () => {
    expect(
      unreconciledReason({
        symbol,
        position: holding(3, { lastOrderId: 'b1' }),
        orders: [record('b1', 'buy', 'filled', 2)],
        fills: [fill('b1', 'buy')],
      }),
    ).toBe("the position holds 3 and the exchange's fills net 2");
  });
});

describe('unreconciledSymbols', () => {
  it('lists only the symbols that cannot be reconciled, each with its reason', () => {
    expect(
      unreconciledSymbols([
        { symbol: 'ETC/BTC', position: flatPosition('ETC/BTC'), orders: [], fills: [] },
        { symbol, position: holding(2), orders: [record('b1', 'buy', 'filled', 2)], fills: [] },
      ]),
    ).toEqual([{ symbol, reason: 'order b1 is booked filled and the exchange has no fill of it' }]);
  });
});
