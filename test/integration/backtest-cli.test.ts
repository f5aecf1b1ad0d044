import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestJson } from '../../lib/backtest/backtest-output.js';
import { planBacktest } from '../../lib/backtest/backtest-plan.js';
import { runBacktest } from '../../lib/backtest/run-backtest.js';
import { loadConfigFile } from '../../lib/config/load.js';

const exec = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');
const ltc = join('lib', 'market-data', 'ohlcv', 'LTC_BTC-5m.json');
const xmr = join('lib', 'market-data', 'ohlcv', 'XMR_BTC-1m.json');
let dir: string;

const backtest = (...args: string[]) =>
  exec(tsx, ['lib/cli/backtest.ts', ...args], { timeout: 60_000 });

/** The command's failure: exit code and stderr. */
async function failure(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await backtest(...args);
  } catch (error) {
    return error as { code: number; stderr: string };
  }
  throw new Error(`npm run backtest -- ${args.join(' ')} succeeded`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-backtest-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run backtest', () => {
  it('prints the figures and writes the same ones as JSON, with every order and an HTML report', async () => {
    const json = join(dir, 'ltc.json');
    const report = join(dir, 'ltc.html');

    const { stdout } = await backtest(
      '--data',
      ltc,
      '--symbol',
      'LTC/BTC',
      '--json',
      json,
      '--report',
      report,
    );

    const written = JSON.parse(await readFile(json, 'utf8')) as BacktestJson;
    const plan = await planBacktest({ data: ltc }, loadConfigFile('cdk.json'));
    const expected = runBacktest(plan.input);
    expect(written.summary).toEqual(expected.summary);
    expect(
      written.trades.map(({ side, candleTime, price, amount }) => ({
        side,
        candleTime,
        price,
        amount,
      })),
    ).toEqual(
      expected.trades.map(({ side, candleTime, price, amount }) => ({
        side,
        candleTime,
        price,
        amount,
      })),
    );
    expect(written.roundTrips).toEqual(expected.roundTrips);
    expect(stdout).toContain('backtest LTC/BTC 5m  sma-cross {"fast":10,"slow":30}');
    expect(stdout).toMatch(/^max drawdown\s+\d+\.\d\d %$/m);
    expect(stdout).toMatch(/^win rate\s+\d+\.\d\d % \(\d+\/\d+\)$/m);
    const html = await readFile(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Backtest LTC/BTC 5m · sma-cross');
  });

  it('runs over 1,416 gaps, deciding nothing for the 1,878 missing candles', async () => {
    const { stdout } = await backtest('--data', xmr);

    expect(stdout).toMatch(/^gaps\s+1416 \(1878 missing candles, no decision\)$/m);
    expect(stdout).toMatch(/^candles\s+12519$/m);
  });

  it.each([
    [['--data', ltc, '--symbol', 'LTC-BTC'], '--symbol: "LTC-BTC" must look like BASE/QUOTE'],
    [
      ['--data', ltc, '--param', 'slow=1'],
      'sma-cross params are invalid: --param slow: Too small: expected number to be >=2 (got 1)',
    ],
    [
      ['--data', ltc, '--from', '2019-01-01T00:00:00Z'],
      'no candles between 2019-01-01T00:00:00.000Z and the end',
    ],
  ])('fails on %j with one line naming it, no stack', async (args, message) => {
    const { code, stderr } = await failure(...args);

    expect(code).toBe(2);
    expect(stderr).toContain(`tickfan backtest: ${message}`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('names the file and the row of a bad candle file', async () => {
    const notJson = join(dir, 'LTC_BTC-5m.json');
    const badRow = join(dir, 'ETC_BTC-5m.json');
    await writeFile(notJson, 'candles!');
    await writeFile(badRow, '[[1516406400000, 1, 1, 1, 1, 1], [1516406700000, 1, "1", 1, 1, 1]]');

    const [torn, shape] = await Promise.all([
      failure('--data', notJson),
      failure('--data', badRow),
    ]);

    expect(torn.stderr).toContain(`tickfan backtest: ${notJson}: not valid JSON`);
    expect(shape.stderr).toContain(
      `tickfan backtest: ${badRow}: row 1 is not [openTimeMs, open, high, low, close, volume]`,
    );
    expect([torn.code, shape.code]).toEqual([1, 1]);
  });
});
