import { describe, expect, it } from 'vitest';
import { applyFill, flatPosition, type Position, totalPnl } from '../../../lib/domain/position.js';
import {
  equityCurve,
  type Mark,
  type RoundTrip,
  roundTrips,
  type TradeFill,
} from '../../../lib/domain/round-trips.js';
import { Side } from '../../../lib/domain/signal.js';

const buy = (candleTime: number, price: number, amount: number, fee = 0): TradeFill => ({
  side: Side.Buy,
  candleTime,
  price,
  amount,
  fee,
});
const sell = (candleTime: number, price: number, amount: number, fee = 0): TradeFill => ({
  ...buy(candleTime, price, amount, fee),
  side: Side.Sell,
});
const closes = (...values: number[]): Mark[] => values.map((close, time) => ({ time, close }));

describe('roundTrips', () => {
  it.each<[string, TradeFill[], number, Partial<RoundTrip>[]]>([
    [
      'an entry and its exit, both fees in the pnl',
      [buy(1, 2, 10, 0.2), sell(3, 4, 10, 0.4)],
      4,
      [
        {
          entryTime: 1,
          exitTime: 3,
          entryPrice: 2,
          exitPrice: 4,
          amount: 10,
          fees: 0.6,
          pnl: 20 - 0.6,
          return: 19.4 / 20,
          open: false,
        },
      ],
    ],
    [
      'a position still open at the end, marked at the last close with its entry fee',
      [buy(1, 2, 10, 0.2)],
      3,
      [{ entryTime: 1, entryPrice: 2, amount: 10, fees: 0.2, pnl: 10 - 0.2, open: true }],
    ],
    [
      'a partial exit: its own round trip with its share of the entry fee, the rest open',
      [buy(0, 10, 4, 0.4), sell(1, 12, 1, 0.12)],
      11,
      [
        { exitTime: 1, amount: 1, fees: 0.1 + 0.12, pnl: 2 - 0.1 - 0.12, open: false },
        { amount: 3, fees: 0.3, pnl: 3 * 1 - 0.3, return: 2.7 / 30, open: true },
      ],
    ],
    [
      'two buys averaged into one entry, then one exit',
      [buy(0, 10, 1, 0.1), buy(1, 20, 1, 0.2), sell(2, 30, 2, 0.6)],
      30,
      [{ entryTime: 0, entryPrice: 15, amount: 2, fees: 0.9, pnl: 30 - 0.9, open: false }],
    ],
    [
      'two round trips in a row, a loss after a win',
      [buy(0, 5, 1), sell(1, 9, 1), buy(2, 10, 1), sell(3, 6, 1)],
      6,
      [
        { entryTime: 0, exitTime: 1, pnl: 4, return: 0.8 },
        { entryTime: 2, exitTime: 3, pnl: -4, return: -0.4 },
      ],
    ],
    ['a sell with nothing held pairs with nothing', [sell(0, 5, 1)], 5, []],
    ['no fills, no round trips', [], 5, []],
  ])('books %s', (_, fills, mark, expected) => {
    const trips = roundTrips(fills, mark);

    expect(trips).toHaveLength(expected.length);
    for (const [i, want] of expected.entries()) {
      for (const [key, value] of Object.entries(want)) {
        const got = trips[i]?.[key as keyof RoundTrip];
        if (typeof value === 'number') expect(got).toBeCloseTo(value, 12);
        else expect(got).toBe(value);
      }
    }
  });

  it('adds up, realised and unrealised, to the pnl the position itself marks', () => {
    const fills = [buy(0, 10, 4, 0.4), sell(1, 12, 1, 0.12), buy(2, 8, 2, 0.16), sell(3, 9, 1)];
    const position = fills.reduce<Position>((p, f) => applyFill(p, f), flatPosition('A/B'));

    const total = roundTrips(fills, 7).reduce((sum, t) => sum + t.pnl, 0);

    expect(total).toBeCloseTo(totalPnl(position, 7), 12);
  });

  it('pairs fills given out of order by their candle time', () => {
    expect(roundTrips([sell(3, 4, 10), buy(1, 2, 10)], 4)).toMatchObject([
      { entryTime: 1, exitTime: 3, pnl: 20 },
    ]);
  });
});

describe('equityCurve', () => {
  it('marks the position at each close, with fees taken from the start', () => {
    const curve = equityCurve(closes(1, 2, 3, 4), [buy(1, 2, 10, 0.2), sell(3, 4, 10, 0.4)], 100);

    // buy 10 at 2 pays 0.2 fee; marked at 3 it is worth 10 more; sold at 4 for 20 more, 0.4 fee
    const expected = [100, 99.8, 109.8, 119.4];
    expect(curve).toHaveLength(4);
    for (const [i, value] of curve.entries()) expect(value).toBeCloseTo(expected[i] ?? 0, 12);
  });

  it('is flat at the start without fills', () => {
    expect([...equityCurve(closes(1, 2, 3), [], 5)]).toEqual([5, 5, 5]);
  });

  it('ends at the start plus the round trips’ pnl', () => {
    const fills = [buy(0, 10, 4, 0.4), sell(1, 12, 1, 0.12), buy(2, 8, 2, 0.16)];
    const marks = closes(10, 12, 8, 7.5);

    const curve = equityCurve(marks, fills, 1);
    const pnl = roundTrips(fills, 7.5).reduce((sum, t) => sum + t.pnl, 0);

    expect(curve.at(-1)).toBeCloseTo(1 + pnl, 12);
  });
});
