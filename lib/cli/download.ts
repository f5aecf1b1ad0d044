/**
 * `npm run download`: fetches an exchange's candle history into a file `npm run backtest` reads,
 * through the same ccxt client and exchange adapter the trade function uses.
 *
 *   npm run download -- --exchange binance|okx|kraken --symbol BTC/USDT --timeframe 5m --since ISO
 *     [--until ISO] --out FILE.json [--url http://127.0.0.1:PORT]
 *
 * Run it again after an interruption (Ctrl-C, a crash, a lost network) and it continues from the
 * last candle in the file.
 */
import { CcxtExchange } from '../adapters/ccxt-exchange.js';
import { exchangeClients } from '../adapters/exchanges/clients.js';
import { SystemClock } from '../adapters/system-clock.js';
import { type DownloadProgress, downloadCandles } from '../backtest/download.js';
import { isoTimeFlag, isTimeframe, symbolPattern } from '../backtest/flags.js';
import { exchangeIds, exchangeLimits } from '../config/schema.js';
import { Timeframes } from '../domain/candle.js';
import { UsageError } from './args.js';
import { outputFile } from './paths.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  exchange: {
    type: 'string',
    default: 'binance',
    value: 'ID',
    help: `the exchange (${exchangeIds.join(', ')})`,
  },
  symbol: { type: 'string', value: 'BASE/QUOTE', help: 'the market, e.g. BTC/USDT' },
  timeframe: { type: 'string', value: 'TF', help: `one of ${Timeframes.join(', ')}` },
  since: { type: 'string', value: 'ISO', help: 'open time of the first candle' },
  until: { type: 'string', value: 'ISO', help: 'stop before this time (default: now)' },
  out: {
    type: 'string',
    value: 'FILE.json',
    help: 'the file to write; an existing one is continued',
  },
  url: {
    type: 'string',
    value: 'http://127.0.0.1:PORT',
    help: "an endpoint speaking the exchange's API instead of the exchange, e.g. npm run simulator",
  },
} as const;

/** The exchange did not answer a question the download must ask before it starts. */
class ExchangeQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeQueryError';
  }
}

async function main({ values }: CliArgs<typeof options>): Promise<void> {
  const exchange = exchangeIds.find((id) => id === values.exchange);
  if (exchange === undefined) {
    throw new UsageError(
      `--exchange: ${JSON.stringify(values.exchange)} is not supported (${exchangeIds.join(', ')})`,
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
  outputFile('--out', out);
  if (values.url !== undefined && !/^https?:\/\/[^/]+/.test(values.url)) {
    throw new UsageError(`--url: ${JSON.stringify(values.url)} is not an http(s) URL`);
  }

  const client = exchangeClients[exchange]({ url: values.url, rateLimit: true });
  const where = values.url ?? exchange;
  // The exchange's own clock decides which candle is still forming (a simulator's is in 2018).
  let offset: number;
  try {
    const serverTime = await client.fetchTime?.();
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
    // One fewer than the exchange serves per request: the adapter asks for one more.
    pageLimit: exchangeLimits[exchange].candlesPerRequest - 1,
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

await runCli(
  {
    name: 'download',
    usage: 'npm run download --',
    summary:
      "Fetches candle history through the trade function's ccxt client into a file npm run backtest reads; run it again to continue an interrupted download.",
    options,
  },
  main,
);
