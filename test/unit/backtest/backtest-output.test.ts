import { describe, expect, it } from 'vitest';
import {
  type BacktestRun,
  backtestFigures,
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
    clientIdStyle: 'binance',
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
        clientOrderId(
          {
            strategy: 'sma-cross',
            symbol: 'LTC/BTC',
            candleTime: r.candleTime,
            side: r.side as 'buy' | 'sell',
          },
          'binance',
        ),
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
    const open = backtest.result.roundTrips[1];
    expect(input.trades?.[1]).toMatchObject({
      pnl: open?.pnl,
      return: open?.return,
      markPrice: 11,
    });
    expect(input.trades?.[1]).not.toHaveProperty('exitTime');
    expect(input.figures).toContainEqual(['win rate', '100.00 % (1/1)']);
  });

  it('shows the open position with its unrealised pnl at the last close', () => {
    const backtest = run();
    const open = backtest.result.roundTrips.find((t) => t.open);

    const figures = Object.fromEntries(backtestFigures(backtest));
    const text = formatBacktest(backtest);
    const html = renderReport(backtestReportInput(backtest));

    // 0.1 bought at 10, marked at 11, after the 0.001 entry fee
    expect(open?.pnl).toBeCloseTo(0.1 * 1 - 0.001, 12);
    expect(figures['open position']).toBe('0.1 LTC, unrealised pnl 0.099 BTC at the last close 11');
    expect(text).toMatch(
      /^2018-01-20T01:20Z\s+open\s+10\s+-\s+0\.1\s+0\.001\s+0\.099 unrealised\s+9\.90$/m,
    );
    expect(html).toContain('<td class="num">11 (last close)</td>');
    expect(html).toContain('<td class="num" data-pnl>0.099 (unrealised)</td>');
  });

  it('has a return % column in the terminal and in the HTML report', () => {
    const backtest = run();
    const [closed] = backtest.result.roundTrips;

    const text = formatBacktest(backtest);
    const html = renderReport(backtestReportInput(backtest));

    // (0.166 × 3 − 0.00249) / 0.996 = 49.75 %
    expect(closed?.return).toBeCloseTo((0.166 * 3 - 0.00249) / 0.996, 12);
    expect(text).toMatch(/\s+return %$/m);
    expect(text).toMatch(/^2018-01-20T00:25Z\s+2018-01-20T01:00Z\s.*\s49\.75$/m);
    expect(html).toContain('<th>return %</th>');
    expect(html).toContain('<td class="num" data-return>49.75</td>');
  });

  it('rounds prices and amounts to the market’s steps and fees and pnl to a few digits', () => {
    const backtest = run([5, 5, 5, 5, 5, 6, 8, 10, 12, 14, 16, 10, 9, 9, 9, 9, 10.0000004, 11]);

    const text = formatBacktest(backtest);
    const figures = Object.fromEntries(backtestFigures(backtest));

    // the price step is 0.000001: an entry at 10.0000004 shows as 10, 1 / 10.0000004 floors to
    // 0.099, its fee 0.00099000004 shows as 0.00099 and the fees 0.00348000004 as 0.00348
    expect(backtest.result.trades[2]).toMatchObject({ price: 10.0000004, fee: 0.00099000004 });
    expect(text).toMatch(/^2018-01-20T01:20Z\s+open\s+10\s+-\s+0\.099\s+0\.00099\s/m);
    expect(figures.fees).toBe('0.00348 BTC');
    expect(figures.pnl).toMatch(/^0\.59352 BTC/);
  });

  it('says fills and round trips for what they count', () => {
    const figures = Object.fromEntries(backtestFigures(run()));

    expect(figures.fills).toBe('3');
    expect(figures['round trips']).toBe('1 closed, 1 open');
  });

  it('renders as an HTML report', () => {
    const html = renderReport(backtestReportInput(run()));

    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Backtest LTC/BTC 5m · sma-cross');
  });
});
