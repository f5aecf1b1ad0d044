import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { createBinanceClient } from '../../lib/adapters/exchanges/binance-client.js';
import { type DownloadOptions, downloadCandles } from '../../lib/backtest/download.js';
import type { Candle } from '../../lib/domain/candle.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { defaultDataDir } from '../../lib/market-data/ohlcv-data.js';
import { readOhlcvFile, writeOhlcvFile } from '../../lib/market-data/ohlcv-file.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';

const exec = promisify(execFile);
const tf = 300_000;
// Inside the last LTC/BTC 5m candle (opened 04:50): it is still forming, so it is not downloaded.
const now = Date.UTC(2018, 0, 30, 4, 52, 30);
const since = Date.UTC(2018, 0, 10);
let sim: ExchangeSimulator;
let dir: string;
let shipped: Candle[];
let clock: SimClock;

beforeAll(async () => {
  clock = new SimClock(now);
  sim = await startSimulator({ clock, symbols: ['LTC/BTC'] });
  dir = await mkdtemp(join(tmpdir(), 'tickfan-download-'));
  shipped = await readOhlcvFile(join(defaultDataDir, 'LTC_BTC-5m.json'));
});
afterEach(() => {
  sim.setFault('LTC/BTC', undefined);
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** A download from the simulator through the binance client and the exchange adapter. */
function download(out: string, options: Partial<DownloadOptions> = {}) {
  const market = new CcxtExchange({ exchange: createBinanceClient({ url: sim.url }), clock });
  return downloadCandles({
    market,
    clock,
    symbol: 'LTC/BTC',
    timeframe: '5m',
    since,
    out,
    ...options,
  });
}

describe('downloadCandles from the exchange simulator', () => {
  it('downloads every closed candle, page by page, as the shipped file holds them', async () => {
    const out = join(dir, 'full.json');
    const pages: number[] = [];

    const result = await download(out, { onProgress: (p) => pages.push(p.candles) });

    expect(await readOhlcvFile(out)).toEqual(shipped.slice(0, -1));
    expect(result).toMatchObject({ candles: 5759, added: 5759, retries: 0, complete: true });
    expect(pages).toEqual([999, 1998, 2997, 3996, 4995, 5759]);
  });

  it('stops before --until', async () => {
    const out = join(dir, 'day.json');
    const from = Date.UTC(2018, 0, 15);
    const until = Date.UTC(2018, 0, 16);

    await download(out, { since: from, until });

    expect(await readOhlcvFile(out)).toEqual(
      shipped.filter((c) => c.time >= from && c.time < until),
    );
  });

  it('resumes a partial file from the candle after its last one', async () => {
    const out = join(dir, 'partial.json');
    await writeOhlcvFile(out, shipped.slice(0, 2000));

    const result = await download(out);

    expect(await readOhlcvFile(out)).toEqual(shipped.slice(0, -1));
    expect(result).toMatchObject({ added: 3759, resumedFrom: (shipped[1999]?.time ?? 0) + tf });
  });

  it('leaves a whole file when interrupted, and the next run completes it', async () => {
    const out = join(dir, 'interrupted.json');
    const stop = new AbortController();

    const first = await download(out, {
      signal: stop.signal,
      onProgress: (p) => p.candles >= 1998 && stop.abort(),
    });
    const saved = await readOhlcvFile(out);
    const second = await download(out);

    expect(first.complete).toBe(false);
    expect(saved).toEqual(shipped.slice(0, 1998));
    expect(second).toMatchObject({ complete: true, added: 5759 - 1998 });
    expect(await readOhlcvFile(out)).toEqual(shipped.slice(0, -1));
  });

  it('refuses to resume a file it cannot read, and leaves it alone', async () => {
    const out = join(dir, 'torn.json');
    await writeFile(out, '[[1515560100000, 0.0169325');

    await expect(download(out)).rejects.toThrow(`cannot resume: ${out}: not valid JSON`);
    expect(await readFile(out, 'utf8')).toBe('[[1515560100000, 0.0169325');
  });

  it('completes through 429s, waiting the Retry-After the exchange asks for', async () => {
    const out = join(dir, 'throttled.json');
    sim.setFault('LTC/BTC', { kind: 'ratelimit', rate: 0.5 });
    const waits: number[] = [];

    const result = await download(out, {
      sleep: async (ms) => {
        waits.push(ms);
        await wait(ms);
      },
    });

    expect(await readOhlcvFile(out)).toEqual(shipped.slice(0, -1));
    expect(result.retries).toBeGreaterThan(0);
    expect(waits).toHaveLength(result.retries);
    // Retry-After: 1, or what is left of it when the adapter is still cooling off
    for (const ms of waits) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(1_000);
    }
  }, 60_000);
});

describe('npm run download', () => {
  const cli = (...args: string[]) =>
    exec(join('node_modules', '.bin', 'tsx'), ['lib/cli/download.ts', ...args], {
      timeout: 60_000,
    });

  it('writes the file and reports progress on stderr', async () => {
    const out = join(dir, 'cli.json');

    const { stdout, stderr } = await cli(
      ...['--exchange', 'binance', '--symbol', 'LTC/BTC', '--timeframe', '5m'],
      ...['--since', '2018-01-10T00:00:00Z', '--out', out, '--url', sim.url],
    );

    expect(await readOhlcvFile(out)).toEqual(shipped.slice(0, -1));
    expect(stdout).toContain(`${out}: 5759 candles, 5759 new`);
    expect(stderr).toContain('LTC/BTC 5m: 5759 candles up to 2018-01-30T04:45:00.000Z (100.0 %)');
  });

  it('fails with one line on a symbol the exchange does not list', async () => {
    const error = await cli(
      ...['--symbol', 'DOGE/BTC', '--timeframe', '5m', '--since', '2018-01-10T00:00:00Z'],
      ...['--out', join(dir, 'doge.json'), '--url', sim.url],
    ).catch((e: { code: number; stderr: string }) => e);

    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr.trim()).toBe(
      'tickfan download: the exchange has no market DOGE/BTC',
    );
  });
});
