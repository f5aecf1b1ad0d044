import { describe, expect, it } from 'vitest';
import {
  type BacktestRun,
  backtestJson,
  backtestReportInput,
  formatBacktest,
  tradeRecords,
} from '../../../lib/backtest/backtest-output.js';
import { runBacktest } from '../../../lib/backtest/run-backtest.js';
import { clientOrderId } from '../../../lib/domain/order-intent.js';
import { smaCross } from '../../../lib/domain/strategies/sma-cross.js';
import { renderReport } from '../../../lib/report/render-report.js';
import { candleSeries, testMarket } from '../../helpers/fakes.js';

const tf = 300_000;
const t0 = Date.UTC(2018, 0, 20);
const at = (index: number) => t0 + index * tf;
// sma-cross 2/4: a winning round trip (5 → 12), then one still open from 16
const closes = [5, 5, 5, 5, 5, 6, 8, 10, 12, 14, 16, 10, 9, 9, 9, 9, 10, 11];

function run(values = closes): BacktestRun {
  const candles = candleSeries(values, at(values.length - 1), tf);
  const risk = { stakePerTrade: 1, maxPosition: 5 };
  const result = runBacktest({
    symbol: 'LTC/BTC',
    timeframe: '5m',
    candles,
    strategy: smaCross.create({ fast: 2, slow: 4 }),
    market: testMarket('LTC/BTC'),
    risk,
    feeRate: 0.001,
    from: at(2),
  });
  return { result, candles, params: { fast: 2, slow: 4 }, risk, feeRate: 0.001, data: 'x.json' };
}

describe('backtest output', () => {
  it('gives each order the client id the trade function derives for the same intent', () => {
    const records = tradeRecords(run().result);

    expect(records.map((r) => [r.side, r.time])).toEqual([
      ['buy', '2018-01-20T00:25:00.000Z'],
      ['sell', '2018-01-20T01:00:00.000Z'],
      ['buy', '2018-01-20T01:20:00.000Z'],
    ]);
    for (const r of records) {
      expect(r.clientOrderId).toBe(
        clientOrderId({
          strategy: 'sma-cross',
          symbol: 'LTC/BTC',
          candleTime: r.candleTime,
          side: r.side as 'buy' | 'sell',
        }),
      );
    }
  });

  it('writes the figures, one entry per order and the round trips as JSON', () => {
    const backtest = run();

    const json = backtestJson(backtest);

    expect(json).toMatchObject({
      symbol: 'LTC/BTC',
      timeframe: '5m',
      strategy: { name: 'sma-cross', params: { fast: 2, slow: 4 } },
      from: '2018-01-20T00:10:00.000Z',
      to: '2018-01-20T01:25:00.000Z',
      summary: backtest.result.summary,
      roundTrips: backtest.result.roundTrips,
    });
    expect(json.trades[0]).toEqual({
      symbol: 'LTC/BTC',
      side: 'buy',
      candleTime: at(5),
      time: '2018-01-20T00:25:00.000Z',
      price: 6,
      amount: 0.166,
      fee: 0.000996,
      clientOrderId: expect.stringMatching(/^tf-b-/),
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('prints the figures and one row per round trip, the open one marked', () => {
    const text = formatBacktest(run());

    for (const label of [
      'total return',
      'buy and hold',
      'max drawdown',
      'sharpe',
      'win rate',
      'exposure',
      'gaps',
    ]) {
      expect(text).toMatch(new RegExp(`^${label}\\s`, 'm'));
    }
    expect(text).toContain('100.00 % (1/1)');
    expect(text).toMatch(/^2018-01-20T00:25Z\s+2018-01-20T01:00Z\s+6\s+9\s+0.166/m);
    expect(text).toMatch(/^2018-01-20T01:20Z\s+open\s+10\s+-/m);
    expect(text).toContain('√(candles per 365-day year)');
  });

  it('says so when nothing traded', () => {
    expect(formatBacktest(run([5, 5, 5, 5, 5, 5, 5]))).toMatch(/no trades$/);
  });

  it('builds a report of the span: prices with the orders, equity, and the round trips', () => {
    const backtest = run();

    const input = backtestReportInput(backtest);

    const [symbol] = input.symbols;
    expect(symbol?.prices).toHaveLength(16);
    expect(symbol?.prices[0]).toEqual({ time: at(2), close: 5 });
    expect(symbol?.markers).toEqual([
      { time: at(5), side: 'buy', price: 6 },
      { time: at(12), side: 'sell', price: 9 },
      { time: at(16), side: 'buy', price: 10 },
    ]);
    expect(symbol?.equity.map((e) => e.value)).toEqual([...backtest.result.equity]);
    expect(input.trades).toHaveLength(2);
    expect(input.trades?.[0]).toMatchObject({ entryTime: at(5), exitTime: at(12), exitPrice: 9 });
    expect(input.trades?.[1]).not.toHaveProperty('pnl');
    expect(input.figures).toContainEqual(['win rate', '100.00 % (1/1)']);
  });

  it('renders as an HTML report', () => {
    const html = renderReport(backtestReportInput(run()));

    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Backtest LTC/BTC 5m · sma-cross');
  });
});
