import type { SymbolConfig } from '../config/schema.js';
import { type Candle, timeframeMs } from '../domain/candle.js';
import { minCallMs, type TickPorts } from './trade-deps.js';

/** What fetching a tick's candles needs. */
export type CandlePorts = Pick<TickPorts, 'market' | 'config' | 'sleep' | 'call' | 'timeout'>;

/** Which window a tick decides on: `warmup` candles ending at the `expected` one. */
export interface CandleWindow {
  readonly symbol: SymbolConfig;
  readonly warmup: number;
  /** Open time of the candle the tick decides on. */
  readonly expected: number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fetches the candles a tick decides on; the caller checks that the newest is the expected one.
 *
 * 1. Fetch the window ending at the expected candle, with a timeout that fits the deadline; a
 *    call that cannot fit is not started (`deadline`).
 * 2. If the expected candle is missing, wait `guards.refetchDelayMs` and fetch once more, but
 *    only if the wait still leaves a call the budget can fit.
 */
export async function fetchTickCandles(
  ports: CandlePorts,
  window: CandleWindow,
): Promise<readonly Candle[] | 'deadline'> {
  const first = await fetchWindow(ports, window);
  if (first === undefined) return 'deadline';
  if (first.at(-1)?.time === window.expected) return first;
  // The exchange may be a moment behind: one bounded re-fetch, if the budget allows it.
  const delay = ports.config.guards.refetchDelayMs;
  if ((ports.timeout() ?? 0) - delay < minCallMs) return first;
  await (ports.sleep ?? wait)(delay);
  return (await fetchWindow(ports, window)) ?? first;
}

async function fetchWindow(
  ports: CandlePorts,
  { symbol, warmup, expected }: CandleWindow,
): Promise<Candle[] | undefined> {
  const timeoutMs = ports.timeout();
  if (timeoutMs === undefined) return undefined;
  // The window ends at the tick's candle, so a late tick sees what a timely one would.
  const fetched = await ports.call('candles', () =>
    ports.market.fetchCandles({
      symbol: symbol.symbol,
      timeframe: symbol.timeframe,
      since: expected - (warmup - 1) * timeframeMs(symbol.timeframe),
      limit: warmup,
      timeoutMs,
    }),
  );
  return fetched.filter((c) => c.time <= expected);
}
