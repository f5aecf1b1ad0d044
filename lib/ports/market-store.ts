/**
 * One market's rules as the exchange adapter describes them (ccxt's unified market: ids,
 * precision, limits, ...). Opaque to everything but that adapter, which writes and reads it.
 */
export type MarketRecord = Readonly<Record<string, unknown>>;

/** One configured symbol's market, as the markets refresh stored it. */
export interface StoredMarket {
  readonly symbol: string;
  /** False when the exchange lists the market as inactive, or no longer lists it (delisted). */
  readonly active: boolean;
  /**
   * The rules, as last fetched; absent for a symbol the exchange has never listed since the
   * refresh began storing it.
   */
  readonly rules?: MarketRecord;
  /** When these rules were fetched from the exchange (epoch ms); unchanged rules keep it. */
  readonly fetchedAt: number;
}

/** Market rules stored once per refresh for the whole deployment, one item per symbol. */
export interface MarketStore {
  /** The stored market of `symbol`; undefined when no refresh has stored it yet. */
  getMarket(symbol: string): Promise<StoredMarket | undefined>;
  /** The stored markets of `symbols` (those stored), by symbol. */
  getMarkets(symbols: readonly string[]): Promise<ReadonlyMap<string, StoredMarket>>;
  /** Writes each market over what was stored for its symbol. */
  putMarkets(markets: readonly StoredMarket[]): Promise<void>;
}

/** A market as the exchange lists it now. */
export interface ListedMarket {
  /** False when the exchange lists it but takes no orders on it (halted, delisting). */
  readonly active: boolean;
  readonly rules: MarketRecord;
}

/** The exchange's own list of markets, fetched whole. */
export interface MarketCatalogue {
  /**
   * Fetches every market of the exchange once, within `timeoutMs`, and returns those of
   * `symbols` it lists, by symbol (a symbol it does not list is absent), and with `quotes` every
   * spot market quoted in one of them (the pairs a volume selector may pick).
   */
  listMarkets(
    symbols: readonly string[],
    timeoutMs: number,
    options?: { readonly quotes?: readonly string[] },
  ): Promise<ReadonlyMap<string, ListedMarket>>;
}
