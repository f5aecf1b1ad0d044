import type { Clock } from '../ports/clock.js';
import type {
  MarketCatalogue,
  MarketRecord,
  MarketStore,
  StoredMarket,
} from '../ports/market-store.js';

/** What a markets refresh needs. */
export interface RefreshMarketsDeps {
  /** The exchange's list of markets. */
  readonly catalogue: MarketCatalogue;
  readonly store: MarketStore;
  readonly clock: Clock;
}

/** The symbols a refresh stores, and the time it may take fetching. */
export interface RefreshMarketsRequest {
  readonly symbols: readonly string[];
  /** The most the fetch of the exchange's markets may take. */
  readonly timeoutMs: number;
}

/** What one refresh did. */
export interface RefreshMarketsResult {
  /** Configured symbols the exchange lists as trading. */
  readonly listed: number;
  /** Items written: new or changed rules, or a market that became delisted. */
  readonly written: number;
  /** Items left alone because nothing in them changed. */
  readonly unchanged: number;
  /** Configured symbols the exchange lists as inactive or no longer lists, sorted. */
  readonly delisted: readonly string[];
}

/**
 * Fetches the exchange's market rules once and stores one item per configured symbol, so that
 * no trade container has to load the exchange's whole market list (Binance's exchangeInfo weighs
 * 20 and runs to megabytes) to trade one symbol.
 *
 * 1. Fetch every market of the exchange once, within the deadline; a failure throws, and the
 *    stored items stay as they were.
 * 2. Read what is stored for the configured symbols.
 * 3. For each symbol, the next item: a listed market's rules and whether it trades; a symbol the
 *    exchange no longer lists is delisted (`active: false`), keeping the rules last stored so a
 *    position held in it can still be protected by them.
 * 4. Leave out the items that would change nothing (same rules, same `active`): they keep their
 *    `fetchedAt`, the time these rules were first fetched.
 * 5. Write the rest (BatchWriteItem, 25 per call, unprocessed items sent again).
 */
export async function refreshMarkets(
  deps: RefreshMarketsDeps,
  request: RefreshMarketsRequest,
): Promise<RefreshMarketsResult> {
  const symbols = [...new Set(request.symbols)];
  const listed = await deps.catalogue.listMarkets(symbols, request.timeoutMs);
  const stored = await deps.store.getMarkets(symbols);
  const fetchedAt = deps.clock.now();
  const changed: StoredMarket[] = [];
  const delisted: string[] = [];
  for (const symbol of symbols) {
    const previous = stored.get(symbol);
    const market = listed.get(symbol);
    const rules = market?.rules ?? previous?.rules;
    const next: StoredMarket = {
      symbol,
      active: market?.active ?? false,
      fetchedAt,
      ...(rules === undefined ? {} : { rules }),
    };
    if (!next.active) delisted.push(symbol);
    if (previous === undefined || !sameMarket(previous, next)) changed.push(next);
  }
  await deps.store.putMarkets(changed);
  return {
    listed: symbols.length - delisted.length,
    written: changed.length,
    unchanged: symbols.length - changed.length,
    delisted: delisted.sort(),
  };
}

function sameMarket(a: StoredMarket, b: StoredMarket): boolean {
  return a.active === b.active && canonical(a.rules) === canonical(b.rules);
}

/** JSON with object keys sorted, so two records holding the same values compare equal. */
function canonical(record: MarketRecord | undefined): string {
  return JSON.stringify(record ?? null, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : value,
  );
}
