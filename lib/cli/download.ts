/**
 * `npm run download`: fetches an exchange's candle history into a file `npm run backtest` reads,
 * through the same ccxt binance client and exchange adapter the trade function uses.
 *
 *   npm run download -- --exchange binance --symbol BTC/USDT --timeframe 5m --since ISO
 *     [--until ISO] --out FILE.json [--url http://127.0.0.1:PORT]
 *
 * Run it again after an interruption (Ctrl-C, a crash, a lost network) and it continues from the
 * last candle in the file.
 */
import { parseArgs } from 'node:util';
import {
  CcxtExchange,
  createBinanceClient,
  UnknownMarketError,
} from '../adapters/ccxt-exchange.js';
import { SystemClock } from '../adapters/system-clock.js';
import { type DownloadProgress, downloadCandles } from '../backtest/download.js';
import { isoTimeFlag, isTimeframe, symbolPattern } from '../backtest/flags.js';
import { Timeframes } from '../domain/candle.js';
import { DataFileError } from '../market-data/ohlcv-file.js';
import { ExchangeUnavailableError } from '../ports/market-data.js';
import { failWith, UsageError } from './args.js';

const usage =
  'usage: npm run download -- --exchange binance --symbol BASE/QUOTE --timeframe TF --since ISO [--until ISO] --out FILE.json [--url http://127.0.0.1:PORT]';

/** The exchange did not answer a question the download must ask before it starts. */
class ExchangeQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeQueryError';
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      exchange: { type: 'string', default: 'binance' },
      symbol: { type: 'string' },
      timeframe: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      out: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  if (values.exchange !== 'binance') {
    throw new UsageError(
      `--exchange: ${JSON.stringify(values.exchange)} is not supported (binance)`,
    );
  }
  const symbol = values.symbol;
  if (symbol === undefined || !symbolPattern.test(symbol)) {
    throw new UsageError(
      `--symbol: ${JSON.stringify(symbol)} must look like BASE/QUOTE, e.g. BTC/USDT`,
    );
  }
  const timeframe = values.timeframe;
  if (timeframe === undefined || !isTimeframe(timeframe)) {
    throw new UsageError(
      `--timeframe: ${JSON.stringify(timeframe)} is not one of ${Timeframes.join(', ')}`,
    );
  }
  const refuse = (message: string) => new UsageError(message);
  const since = isoTimeFlag('--since', values.since, refuse);
  if (since === undefined) throw new UsageError('--since ISO is required');
  const until = isoTimeFlag('--until', values.until, refuse);
  if (until !== undefined && until <= since) {
    throw new UsageError(`--until ${values.until} is not after --since ${values.since}`);
  }
  const out = values.out;
  if (out === undefined || out === '') throw new UsageError('--out FILE.json is required');
  if (values.url !== undefined && !/^https?:\/\/[^/]+/.test(values.url)) {
    throw new UsageError(`--url: ${JSON.stringify(values.url)} is not an http(s) URL`);
  }

  const client = createBinanceClient({ url: values.url, rateLimit: true });
  const where = values.url ?? 'binance';
  // The exchange's own clock decides which candle is still forming (a simulator's is in 2018).
  let offset: number;
  try {
    const serverTime = await client.fetchTime();
    if (serverTime === undefined) throw new Error('no serverTime in the answer');
    offset = serverTime - Date.now();
  } catch (error) {
    throw new ExchangeQueryError(`cannot read ${where}'s clock: ${(error as Error).message}`);
  }
  const clock = new SystemClock(() => offset);
  const market = new CcxtExchange({ exchange: client, clock });
  await market.market(symbol, 30_000);

  const stop = new AbortController();
  process.once('SIGINT', () => {
    console.error('\nstopping after the current request; run the same command again to resume');
    stop.abort();
  });
  const tty = process.stderr.isTTY;
  let reported = -1;
  const onProgress = (p: DownloadProgress) => {
    const upTo = p.upTo === undefined ? '-' : new Date(p.upTo).toISOString();
    if (p.retry) {
      console.error(`${tty ? '\n' : ''}retrying in ${p.retry.waitMs} ms: ${p.retry.reason}`);
      return;
    }
    const line = `${symbol} ${timeframe}: ${p.candles} candles up to ${upTo} (${(p.fraction * 100).toFixed(1)} %)`;
    const tenth = Math.floor(p.fraction * 10);
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (tenth !== reported) console.error(line);
    reported = tenth;
  };
  const result = await downloadCandles({
    market,
    clock,
    symbol,
    timeframe,
    since,
    ...(until === undefined ? {} : { until }),
    out,
    onProgress,
    signal: stop.signal,
  });
  if (tty) process.stderr.write('\n');
  const resumed =
    result.resumedFrom === undefined
      ? ''
      : `, resumed at ${new Date(result.resumedFrom).toISOString()}`;
  console.log(
    `${out}: ${result.candles} candles, ${result.added} new${resumed}, ${result.retries} retried requests`,
  );
  if (!result.complete) {
    console.error('interrupted: run the same command again to continue');
    process.exit(130);
  }
}

main().catch((error: unknown) => {
  // Problems the user or the exchange has to fix: one line, no stack.
  if (
    error instanceof DataFileError ||
    error instanceof UnknownMarketError ||
    error instanceof ExchangeUnavailableError ||
    error instanceof ExchangeQueryError
  ) {
    console.error(`tickfan: ${error.message}`);
    process.exit(1);
  }
  failWith(usage)(error);
});
