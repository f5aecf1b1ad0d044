/** One market's last 24 hours, as the exchange's ticker reports them. */
export interface MarketTicker {
  /** The unified symbol, `BASE/QUOTE`. */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** The last traded price; undefined when the exchange reports none. */
  readonly last?: number;
  /** Volume traded in the last 24 hours, in the quote currency; undefined when not reported. */
  readonly quoteVolume?: number;
  /** Volume traded in the last 24 hours, in the base currency; undefined when not reported. */
  readonly baseVolume?: number;
}

/** The exchange's tickers of every spot market, in one request. */
export interface TickerSource {
  /** Fetches every spot market's ticker in one request, within `timeoutMs`. */
  listTickers(timeoutMs: number): Promise<readonly MarketTicker[]>;
}
