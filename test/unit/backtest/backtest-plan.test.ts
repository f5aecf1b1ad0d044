import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BacktestFlags, planBacktest } from '../../../lib/backtest/backtest-plan.js';
import { defaultDataDir } from '../../../lib/market-data/ohlcv-data.js';
import { testConfig } from '../../helpers/config.js';

const ltc = join(defaultDataDir, 'LTC_BTC-5m.json');
const xmr = join(defaultDataDir, 'XMR_BTC-1m.json');
// testConfig trades LTC/BTC with sma-cross 2/4
const config = testConfig({ paper: { balances: { BTC: 0.5 }, feeRate: 0.002 } });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const plan = (flags: BacktestFlags) => planBacktest(flags, config);

describe('planBacktest', () => {
  it('takes symbol and timeframe from the file name, risk and fees from the config', async () => {
    const { input, feeRate, risk } = await plan({ data: ltc });

    expect(input).toMatchObject({ symbol: 'LTC/BTC', timeframe: '5m', quoteBalance: 0.5 });
    expect(input.candles).toHaveLength(5760);
    expect(feeRate).toBe(0.002);
    expect(risk).toEqual(config.risk);
    // the simulator's rules for LTC/BTC: 0.0001 BTC minimum order, 1e-5 LTC steps
    expect(input.market).toMatchObject({ quote: 'BTC', minNotional: 0.0001, amountStep: 0.00001 });
  });

  it("starts from the config's strategy and params for the symbol; --param replaces one", async () => {
    const configured = await plan({ data: ltc });
    const changed = await plan({ data: ltc, param: ['slow=6'] });

    expect(configured.input.strategy.name).toBe('sma-cross');
    expect(configured.params).toEqual({ fast: 2, slow: 4 });
    expect(changed.params).toEqual({ fast: 2, slow: 6 });
    expect(changed.input.strategy.warmup).toBe(7);
  });

  it('uses the defaults of another strategy, or of sma-cross for a symbol not configured', async () => {
    const rsi = await plan({ data: ltc, strategy: 'rsi-reversion', param: ['period=7'] });
    const unconfigured = await plan({ data: xmr });

    expect(rsi.params).toEqual({ period: 7, oversold: 30, overbought: 70 });
    expect(rsi.input.strategy.name).toBe('rsi-reversion');
    expect(unconfigured.params).toEqual({ fast: 10, slow: 30 });
    expect(unconfigured.input.timeframe).toBe('1m');
  });

  it('turns --from and --to into the span of decisions', async () => {
    const { input } = await plan({
      data: ltc,
      from: '2018-01-20T00:00:00Z',
      to: '2018-01-21T00:00:00Z',
    });

    expect(input.from).toBe(Date.UTC(2018, 0, 20));
    expect(input.to).toBe(Date.UTC(2018, 0, 21));
  });

  it('infers the timeframe from the spacing when the name does not say it', async () => {
    const path = join(dir, 'history.json');
    const t = Date.UTC(2018, 0, 20);
    await writeFile(path, JSON.stringify([0, 1, 3].map((i) => [t + i * 900_000, 1, 1, 1, 1, 1])));

    const { input } = await plan({ data: path, symbol: 'ETH/BTC' });

    expect(input).toMatchObject({ symbol: 'ETH/BTC', timeframe: '15m' });
  });

  it.each<[string, BacktestFlags, string]>([
    ['no --data', {}, '--data FILE is required'],
    [
      'a symbol without a slash',
      { data: ltc, symbol: 'LTCBTC' },
      '--symbol: "LTCBTC" must look like BASE/QUOTE',
    ],
    [
      'a symbol the file is not',
      { data: ltc, symbol: 'ETH/BTC' },
      `--symbol ETH/BTC does not match ${ltc}, whose name says LTC/BTC`,
    ],
    [
      'an unknown timeframe',
      { data: ltc, timeframe: '7m' },
      '--timeframe: "7m" is not one of 1m, 3m',
    ],
    [
      'a timeframe the candles are not spaced by',
      { data: ltc, timeframe: '1m' },
      'candles are 5m apart, not 1m',
    ],
    [
      'an unknown strategy',
      { data: ltc, strategy: 'moon' },
      '--strategy: "moon" is not a built-in strategy (known: sma-cross, rsi-reversion)',
    ],
    [
      'an unknown param',
      { data: ltc, param: ['speed=3'] },
      'sma-cross params are invalid: --param: Unrecognized key: "speed"',
    ],
    [
      'a param that is no number',
      { data: ltc, param: ['slow=abc'] },
      '--param slow: Invalid input: expected number, received string (got "abc")',
    ],
    [
      'params the schema refuses together',
      { data: ltc, param: ['fast=9', 'slow=5'] },
      '--param fast: fast must be less than slow',
    ],
    ['a --param without =', { data: ltc, param: ['fast'] }, '--param "fast": expected KEY=VALUE'],
    [
      'a --from that is no time',
      { data: ltc, from: 'yesterday' },
      '--from: "yesterday" is not an ISO time',
    ],
    [
      '--from after --to',
      { data: ltc, from: '2018-01-21T00:00:00Z', to: '2018-01-20T00:00:00Z' },
      '--from 2018-01-21T00:00:00Z is after --to 2018-01-20T00:00:00Z',
    ],
    [
      'a missing file',
      { data: join('no', 'LTC_BTC-5m.json') },
      `${join('no', 'LTC_BTC-5m.json')}: no such file`,
    ],
  ])('refuses %s, naming it', async (_, flags, message) => {
    await expect(plan(flags)).rejects.toThrow(message);
  });

  it('refuses a file with a bad row, naming the row', async () => {
    const path = join(dir, 'ETH_BTC-1m.json');
    await writeFile(path, '[[1516406400000, 1, 1, 1, 1, 1], [1516406460000, 1, 1, 1, 1]]');

    await expect(plan({ data: path })).rejects.toThrow(`${path}: row 1 is not [openTimeMs`);
  });
});
