import { describe, expect, it } from 'vitest';
import { type BacktestInput, runBacktest } from '../../../lib/backtest/run-backtest.js';
import type { Candle } from '../../../lib/domain/candle.js';
import { clientOrderId } from '../../../lib/domain/order-intent.js';
import { equityCurve } from '../../../lib/domain/round-trips.js';
import { stopClientOrderId } from '../../../lib/domain/stop.js';
import { smaCross } from '../../../lib/domain/strategies/sma-cross.js';
import { candleSeries, testMarket } from '../../helpers/fakes.js';

const tf = 300_000;
const t0 = Date.UTC(2018, 0, 20);
const at = (index: number) => t0 + index * tf;
// sma-cross 2/4 (warmup 5): enters at index 5 (close 6), exits at 12 (9), enters at 16 (10) and
// exits at 18 (6). The first round trip wins, the second loses.
const closes = [5, 5, 5, 5, 5, 6, 8, 10, 12, 14, 16, 10, 9, 9, 9, 9, 10, 8, 6];
const series = (values = closes): Candle[] => candleSeries(values, at(values.length - 1), tf);
const without = (candles: Candle[], ...indices: number[]) =>
  candles.filter((_, i) => !indices.includes(i));

function backtest(overrides: Partial<BacktestInput> = {}) {
  return runBacktest({
    symbol: 'LTC/BTC',
    timeframe: '5m',
    candles: series(),
    strategy: smaCross.create({ fast: 2, slow: 4 }),
    market: testMarket('LTC/BTC'),
    risk: { stakePerTrade: 1, maxPosition: 5 },
    feeRate: 0.001,
    clientIdStyle: 'binance',
    ...overrides,
  });
}

describe('runBacktest', () => {
  it('buys and sells at the close of each crossing candle, sized and charged as the paper broker does', () => {
    const { trades } = backtest();

    expect(trades).toEqual(
      [
        // 1 / 6 floored to the 0.001 step; fee 0.1 % of 0.996
        {
          symbol: 'LTC/BTC',
          side: 'buy',
          candleTime: at(5),
          price: 6,
          amount: 0.166,
          fee: 0.000996,
        },
        {
          symbol: 'LTC/BTC',
          side: 'sell',
          candleTime: at(12),
          price: 9,
          amount: 0.166,
          fee: 0.001494,
          reason: 'signal',
        },
        { symbol: 'LTC/BTC', side: 'buy', candleTime: at(16), price: 10, amount: 0.1, fee: 0.001 },
        {
          symbol: 'LTC/BTC',
          side: 'sell',
          candleTime: at(18),
          price: 6,
          amount: 0.1,
          fee: 0.0006,
          reason: 'signal',
        },
      ].map((t) => ({
        ...t,
        clientOrderId: clientOrderId(
          {
            strategy: 'sma-cross',
            symbol: 'LTC/BTC',
            candleTime: t.candleTime,
            side: t.side as 'buy' | 'sell',
          },
          'binance',
        ),
      })),
    );
  });

  it('fills the resting stop inside the candle that reaches it, before that candle decides', () => {
    // Prepare: the second entry at 10 rests its stop at 9; the next candle opens at 8 (a gap).
    const { trades } = backtest({
      risk: { stakePerTrade: 1, maxPosition: 5, stoplossPct: 0.1 },
    });

    // Assess
    const entry = trades[2];
    expect(trades[3]).toEqual({
      symbol: 'LTC/BTC',
      side: 'sell',
      candleTime: at(17),
      price: 8,
      amount: 0.1,
      fee: 0.0008,
      reason: 'stoploss',
      clientOrderId: stopClientOrderId(entry?.clientOrderId ?? '', 1, 'binance'),
    });
    expect(trades).toHaveLength(4);
  });

  it('trails the stop below the highest close and fills it as trailing', () => {
    // Prepare: entered at 6, the close climbs to 16, a 20 % trail rests the stop at 12.8
    const { trades } = backtest({
      risk: { stakePerTrade: 1, maxPosition: 5, stoplossPct: 0.1, trailingStopPct: 0.2 },
    });

    // Assess: the candle at 11 opens at 10, under the trailed stop
    expect(trades[1]).toMatchObject({
      side: 'sell',
      candleTime: at(11),
      price: 10,
      reason: 'trailing',
      clientOrderId: stopClientOrderId(trades[0]?.clientOrderId ?? '', 6, 'binance'),
    });
  });

  it('books each round trip with both fees in its pnl', () => {
    const { roundTrips } = backtest();

    expect(roundTrips).toHaveLength(2);
    expect(roundTrips[0]).toMatchObject({
      entryTime: at(5),
      exitTime: at(12),
      entryPrice: 6,
      exitPrice: 9,
      amount: 0.166,
      open: false,
    });
    expect(roundTrips[0]?.fees).toBeCloseTo(0.00249, 12);
    expect(roundTrips[0]?.pnl).toBeCloseTo(0.166 * 3 - 0.00249, 12);
    expect(roundTrips[0]?.return).toBeCloseTo((0.166 * 3 - 0.00249) / 0.996, 12);
    expect(roundTrips[1]?.pnl).toBeCloseTo(0.1 * -4 - 0.0016, 12);
  });

  it('sums up return, fees, win rate, buy and hold and exposure', () => {
    const { summary } = backtest();

    expect(summary).toMatchObject({
      candles: 19,
      orders: 4,
      roundTrips: 2,
      wins: 1,
      winRate: 0.5,
      capital: 1,
      position: 0,
      gaps: 0,
      missingCandles: 0,
      firstCandle: at(0),
      lastCandle: at(18),
    });
    const pnl = 0.166 * 3 - 0.00249 + (0.1 * -4 - 0.0016);
    expect(summary.pnl).toBeCloseTo(pnl, 12);
    expect(summary.totalReturn).toBeCloseTo(pnl / 1, 12);
    expect(summary.fees).toBeCloseTo(0.00409, 12);
    expect(summary.buyAndHoldReturn).toBeCloseTo(6 / 5 - 1, 12);
    // held from the close of 5 to the close of 12 and from 16 to 18: 9 of 18 periods
    expect(summary.exposure).toBeCloseTo(0.5, 12);
  });

  it('measures the largest fall of equity from its peak, marked at each close', () => {
    const { summary, equity } = backtest();

    // peak at index 10 (close 16, 0.166 held from 6); trough after the last sale
    const peak = 1 + 0.166 * (16 - 6) - 0.000996;
    const trough = 1 + 0.166 * 3 - 0.00249 + (0.1 * -4 - 0.0016);
    expect(equity[10]).toBeCloseTo(peak, 12);
    expect(equity[18]).toBeCloseTo(trough, 12);
    expect(summary.maxDrawdown).toBeCloseTo((peak - trough) / peak, 12);
  });

  it.each([
    ['signals alone', { stakePerTrade: 1, maxPosition: 5 }],
    ['a stoploss', { stakePerTrade: 1, maxPosition: 5, stoplossPct: 0.1 }],
    [
      'a trailing stop',
      { stakePerTrade: 1, maxPosition: 5, stoplossPct: 0.1, trailingStopPct: 0.2 },
    ],
    ['a roi table', { stakePerTrade: 1, maxPosition: 5, roi: { '0': 0.5, '10': 0.1 } }],
  ])('marks equity as the run report does from the same fills, with %s', (_, risk) => {
    const candles = without(series(), 7);

    const { trades, equity, firstIndex, lastIndex } = backtest({ candles, risk, from: at(3) });

    expect(trades.length).toBeGreaterThanOrEqual(2);
    expect([...equity]).toEqual([
      ...equityCurve(candles.slice(firstIndex, lastIndex + 1), trades, 1),
    ]);
  });

  it('annualises the Sharpe ratio of per-candle equity returns by √(candles per year)', () => {
    const { summary, equity } = backtest();

    const returns = [...equity].slice(1).map((value, k) => value / (equity[k] as number) - 1);
    const mean = returns.reduce((a, r) => a + r, 0) / returns.length;
    const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
    const candlesPerYear = (365 * 24 * 60) / 5;
    expect(summary.sharpe).toBeCloseTo((mean / Math.sqrt(variance)) * Math.sqrt(candlesPerYear), 9);
  });

  it('has no Sharpe ratio or win rate when nothing trades', () => {
    const { summary, trades } = backtest({ candles: series([5, 5, 5, 5, 5, 5, 5]) });

    expect(trades).toEqual([]);
    expect(summary).toMatchObject({ sharpe: null, winRate: null, exposure: 0, totalReturn: 0 });
  });

  it('skips the decision of a missing candle and counts the gap', () => {
    // index 7 is missing: nothing is decided for it, and the exit at 12 still happens
    const { summary, trades } = backtest({ candles: without(series(), 7) });

    expect(summary).toMatchObject({ candles: 18, gaps: 1, missingCandles: 1 });
    expect(trades.map((t) => t.candleTime)).toEqual([at(5), at(12), at(16), at(18)]);
  });

  it('counts runs of missing candles as gaps and each missing candle on its own', () => {
    const { summary } = backtest({ candles: without(series(), 2, 3, 14) });

    expect(summary).toMatchObject({ gaps: 2, missingCandles: 3 });
  });

  it('decides nothing on a window a gap has cut short, as the trade function would not', () => {
    // With index 14 missing, the windows of 15 to 18 (4 timeframes back) hold 4 candles, not the
    // 5 that sma-cross 2/4 needs: the entry at 16 and the exit at 18 do not happen.
    const { trades } = backtest({ candles: without(series(), 14) });

    expect(trades.map((t) => [t.side, t.candleTime])).toEqual([
      ['buy', at(5)],
      ['sell', at(12)],
    ]);
  });

  it('gives the same trades from one continuous run as from a fresh run per window', () => {
    const candles = without(series(), 7, 14);

    const continuous = backtest({ candles, windowLocal: true });
    const windowed = backtest({ candles, windowLocal: false });

    expect(continuous.trades).toEqual(windowed.trades);
    expect([...continuous.equity]).toEqual([...windowed.equity]);
  });

  it('decides only within --from and --to, with windows reaching back before --from', () => {
    const { trades, summary } = backtest({ from: at(10), to: at(18) });

    // the exit signal at 12 finds no position: only the second round trip trades
    expect(trades.map((t) => [t.side, t.candleTime])).toEqual([
      ['buy', at(16)],
      ['sell', at(18)],
    ]);
    expect(summary).toMatchObject({ candles: 9, firstCandle: at(10), lastCandle: at(18) });
    expect(summary.buyAndHoldReturn).toBeCloseTo(6 / 16 - 1, 12);
  });

  it('marks a position still open at the end at the last close, outside the win rate', () => {
    const { roundTrips, summary } = backtest({ to: at(10) });

    expect(roundTrips).toEqual([
      {
        entryTime: at(5),
        entryPrice: 6,
        amount: 0.166,
        fees: 0.000996,
        pnl: expect.closeTo(0.166 * 10 - 0.000996, 12),
        return: expect.closeTo((0.166 * 10 - 0.000996) / 0.996, 12),
        open: true,
      },
    ]);
    expect(summary).toMatchObject({ roundTrips: 0, winRate: null, position: 0.166 });
    expect(summary.pnl).toBeCloseTo(0.166 * 10 - 0.000996, 12);
  });

  it('refuses a buy the quote balance cannot pay for, as the paper broker does', () => {
    const { trades, summary } = backtest({ quoteBalance: 0.9 });

    // 0.996 + fee for the first entry is more than 0.9; the second entry costs 1.001
    expect(trades).toEqual([]);
    expect(summary).toMatchObject({ orders: 0, rejected: 2 });
  });

  it('refuses an order below the market minimum, as sizing does for the trade function', () => {
    const market = { ...testMarket('LTC/BTC'), minNotional: 2 };

    const { trades, summary } = backtest({ market });

    expect(trades).toEqual([]);
    expect(summary.rejected).toBe(2);
  });

  it('caps an entry at maxPosition when the stake is larger', () => {
    const { trades, summary } = backtest({ risk: { stakePerTrade: 1, maxPosition: 0.6 } });

    expect(trades[0]).toMatchObject({ side: 'buy', amount: 0.1 });
    expect(summary.capital).toBe(0.6);
  });

  it('refuses a span without candles', () => {
    expect(() => backtest({ from: at(30) })).toThrow(
      'no candles between 2018-01-20T02:30:00.000Z and the end',
    );
  });
});
