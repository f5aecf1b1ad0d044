/** What an exchange simulator served, counted by its HTTP server. */
export interface ExchangeRequestStats {
  /** Requests received, whatever became of them (faults and refusals included). */
  readonly requests: number;
  /** What the served requests cost, in the exchange's own unit (Binance request weight, ...). */
  readonly weight: number;
  /** Answers with HTTP 429: over a rate limit (or an injected `ratelimit` fault). */
  readonly http429: number;
  /** Answers with HTTP 418: Binance's IP ban. */
  readonly http418: number;
  /** Requests for the market list (binance exchangeInfo, okx public/instruments, kraken AssetPairs). */
  readonly marketsRequests: number;
}

/**
 * The path on a simulator's HTTP server where another process reads its
 * {@link ExchangeRequestStats} as JSON (`GET`). No exchange has it; it is never counted, limited
 * or faulted.
 */
export const requestStatsPath = '/__simulator/request-stats';

/** The request stats of the simulator serving at `url` (its base URL), asked over HTTP. */
export async function fetchRequestStats(url: string): Promise<ExchangeRequestStats> {
  const response = await fetch(new URL(requestStatsPath, url));
  if (!response.ok) {
    throw new Error(`the simulator at ${url} answered ${response.status} for its request stats`);
  }
  const body = (await response.json()) as Partial<Record<keyof ExchangeRequestStats, unknown>>;
  const count = (name: keyof ExchangeRequestStats): number => {
    const value = body[name];
    if (typeof value !== 'number') throw new Error(`the simulator at ${url} sent no ${name}`);
    return value;
  };
  return {
    requests: count('requests'),
    weight: count('weight'),
    http429: count('http429'),
    http418: count('http418'),
    marketsRequests: count('marketsRequests'),
  };
}
