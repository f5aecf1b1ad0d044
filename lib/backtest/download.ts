import { access } from 'node:fs/promises';
import { type Candle, type Timeframe, timeframeMs } from '../domain/candle.js';
import {
  checkTimeframe,
  DataFileError,
  readOhlcvFile,
  writeOhlcvFile,
} from '../market-data/ohlcv-file.js';
import type { Clock } from '../ports/clock.js';
import {
  ExchangeFailureKind,
  ExchangeUnavailableError,
  type MarketData,
} from '../ports/market-data.js';

/** What to download, where to, and how to behave while doing it. */
export interface DownloadOptions {
  /**
   * Where the candles come from: the ccxt exchange adapter in use. It maps ccxt's errors (a 429
   * becomes `ExchangeUnavailableError` kind `rate-limit` with the `Retry-After` seconds) and
   * drops the candle still forming on its clock, which must be the exchange's.
   */
  readonly market: Pick<MarketData, 'fetchCandles'>;
  /** The exchange's clock: how far the closed history reaches. */
  readonly clock: Clock;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Open time of the first candle wanted (rounded up to the timeframe's grid). */
  readonly since: number;
  /** Candles opened at or after this are not wanted; default: up to the newest closed one. */
  readonly until?: number;
  /** The candle file to write, and to resume when it exists. */
  readonly out: string;
  /**
   * Candles asked for per page. The adapter requests one more (1000, Binance's most), as the
   * newest may still be forming; default 999.
   */
  readonly pageLimit?: number;
  /** Time one page request may take, retries aside; default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Failed attempts of one request before the download gives up; default 10. */
  readonly maxRetries?: number;
  /** Least time between two saves of the file while downloading; default 2 s. */
  readonly saveEveryMs?: number;
  /** Waits between attempts; default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Stops the download before its next request; what it has is saved, to resume later. */
  readonly signal?: AbortSignal;
}

export interface DownloadProgress {
  /** Candles in the file so far, resumed ones included. */
  readonly candles: number;
  /** Open time of the newest candle so far, epoch ms; undefined before the first. */
  readonly upTo: number | undefined;
  /** Share of the wanted span covered, 0 to 1. */
  readonly fraction: number;
  /** Set when a request failed and is retried after `waitMs`. */
  readonly retry?: { readonly reason: string; readonly waitMs: number };
}

export interface DownloadResult {
  readonly out: string;
  /** Candles in the file. */
  readonly candles: number;
  /** Candles this run added. */
  readonly added: number;
  /** Open time the run continued from, when it resumed a file. */
  readonly resumedFrom?: number;
  /** Failed requests that were retried. */
  readonly retries: number;
  /** False when `signal` stopped it early. */
  readonly complete: boolean;
}

/**
 * Downloads the closed candles of `symbol` from `since` (or, when `out` holds candles already,
 * from the candle after its last one) into `out`, in the shipped file format.
 *
 * 1. Resume: a readable `out` is validated and continued; an unreadable one is refused, never
 *    overwritten.
 * 2. Page through `market.fetchCandles`, `pageLimit` closed candles at a time, each page starting
 *    one timeframe after the newest candle of the one before; an empty page ends the history.
 * 3. Retry a request the exchange could not answer: after its `Retry-After` when it throttled us,
 *    otherwise after a doubling back-off; give up after `maxRetries`.
 * 4. Save through a temporary file renamed over `out`, every `saveEveryMs` and at the end, so an
 *    interrupted download leaves a whole file to resume from.
 */
export async function downloadCandles(options: DownloadOptions): Promise<DownloadResult> {
  const { market, symbol, timeframe, out } = options;
  const tf = timeframeMs(timeframe);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const saveEveryMs = options.saveEveryMs ?? 2_000;
  const maxRetries = options.maxRetries ?? 10;

  const candles = await readResumable(out, timeframe);
  const resumedCount = candles.length;
  const resumed = candles.at(-1);
  const start = resumed === undefined ? Math.ceil(options.since / tf) * tf : resumed.time + tf;
  // The newest candle wanted: closed now on the exchange, and opened before `until`.
  const lastWanted = Math.min(
    Math.floor(options.clock.now() / tf) * tf - tf,
    (options.until ?? Number.POSITIVE_INFINITY) - 1,
  );
  let retries = 0;
  const progress = (): DownloadProgress => {
    const upTo = candles.at(-1)?.time;
    const covered = upTo === undefined ? 0 : upTo + tf - start;
    const span = lastWanted + tf - start;
    const fraction = span > 0 ? Math.min(1, Math.max(0, covered / span)) : 1;
    return { candles: candles.length, upTo, fraction };
  };
  const fetchPage = async (since: number): Promise<Candle[]> => {
    for (let failures = 0; ; failures++) {
      try {
        return await market.fetchCandles({
          symbol,
          timeframe,
          since,
          limit: options.pageLimit ?? 999,
          timeoutMs: options.requestTimeoutMs ?? 30_000,
        });
      } catch (error) {
        if (!(error instanceof ExchangeUnavailableError) || failures >= maxRetries) throw error;
        const waitMs =
          error.kind === ExchangeFailureKind.RateLimit && error.retryAfterSeconds !== undefined
            ? Math.ceil(error.retryAfterSeconds * 1000)
            : Math.min(30_000, 500 * 2 ** failures);
        retries += 1;
        options.onProgress?.({ ...progress(), retry: { reason: error.message, waitMs } });
        await sleep(waitMs);
      }
    }
  };

  let cursor = start;
  let savedAt = performance.now();
  let complete = true;
  while (cursor <= lastWanted) {
    if (options.signal?.aborted) {
      complete = false;
      break;
    }
    const since = cursor;
    const page = await fetchPage(since);
    const newest = page.at(-1);
    if (newest === undefined || newest.time < since) break;
    for (const candle of page) {
      if (candle.time >= since && candle.time <= lastWanted) candles.push(candle);
    }
    cursor = newest.time + tf;
    options.onProgress?.(progress());
    if (performance.now() - savedAt >= saveEveryMs) {
      await writeOhlcvFile(out, candles);
      savedAt = performance.now();
    }
  }
  await writeOhlcvFile(out, candles);
  return {
    out,
    candles: candles.length,
    added: candles.length - resumedCount,
    ...(resumed === undefined ? {} : { resumedFrom: start }),
    retries,
    complete,
  };
}

/** The candles `out` holds already: none when it does not exist; refused when it is unusable. */
async function readResumable(out: string, timeframe: Timeframe): Promise<Candle[]> {
  const missing = await access(out).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  );
  if (missing) return [];
  try {
    const candles = await readOhlcvFile(out);
    checkTimeframe(candles, timeframe, out);
    return candles;
  } catch (error) {
    if (!(error instanceof DataFileError)) throw error;
    throw new DataFileError(`cannot resume: ${error.message}; move the file away to start afresh`);
  }
}
