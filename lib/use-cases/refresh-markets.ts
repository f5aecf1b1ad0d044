import {
  nextSelection,
  type PairSelection,
  type PairSettings,
  type SelectorEntry,
  selectorKey,
} from '../domain/pair-selection.js';
import { needsTicks } from '../domain/position.js';
import type { Clock } from '../ports/clock.js';
import type {
  ListedMarket,
  MarketCatalogue,
  MarketRecord,
  MarketStore,
  StoredMarket,
} from '../ports/market-store.js';
import type { StateStore } from '../ports/state-store.js';
import type { MarketTicker, TickerSource } from '../ports/ticker-source.js';

/** What a markets refresh needs. */
export interface RefreshMarketsDeps {
  /** The exchange's list of markets. */
  readonly catalogue: MarketCatalogue;
  /** The exchange's tickers, which the volume selectors rank. */
  readonly tickers: TickerSource;
  readonly store: MarketStore;
  /** Where the pair selection is kept, and the positions of pairs leaving it. */
  readonly state: Pick<StateStore, 'getSelection' | 'putSelection' | 'getSymbolStates'>;
  readonly clock: Clock;
}

/** The symbols a refresh stores, and the time it may take fetching. */
export interface RefreshMarketsRequest {
  /** The fixed symbols of the config, disabled ones included. */
  readonly symbols: readonly string[];
  /** The enabled selectors of the config, in config order. */
  readonly selectors: readonly SelectorEntry[];
  /** The most the fetches from the exchange (tickers, then markets) may take together. */
  readonly timeoutMs: number;
  /**
   * How long a pair that left its list stays in the selection although flat: as long as a tick
   * sent while it was listed may still enter (its stale limit plus the trade function timeout).
   */
  readonly exitGraceMs: (settings: PairSettings) => number;
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
  /** The selection stored; absent when no selector is configured and none was stored. */
  readonly selection?: {
    /** Pairs the selectors list now. */
    readonly listed: number;
    /** Pairs that left their list while holding, kept for exits until flat, sorted. */
    readonly exitOnly: readonly string[];
    /** Pairs that left their list flat, and are no longer traded, sorted. */
    readonly dropped: readonly string[];
    /**
     * Selectors that found fewer tradable pairs than their `top` (a quote currency the exchange
     * hardly lists, or one misspelt: it picks nothing), with what they picked.
     */
    readonly short: readonly {
      readonly quote: string;
      readonly top: number;
      readonly picked: number;
    }[];
  };
}

/**
 * Fetches the exchange's market rules once and stores one item per traded symbol, so that
 * no trade container has to load the exchange's whole market list (Binance's exchangeInfo weighs
 * 20 and runs to megabytes) to trade one symbol; and picks the pairs of the volume selectors.
 *
 * 1. Fetch every market of the exchange once (within half the deadline when there is a selection
 *    to make, else the whole): the configured symbols', the stored selection's and, for the
 *    selectors, every spot market of their quote currencies.
 * 2. With a selector configured or a selection stored: fetch every market's ticker in one
 *    request, within what is left. A failure of either fetch throws, and the stored items and
 *    selection stay as they were.
 * 3. Select: each selector's `top` pairs of its quote by 24 h quote volume, among the markets
 *    that trade (a pair goes to the first selector that ranks it; fixed symbols are never a
 *    selector's). A pair of the stored selection no longer ranked is kept as exit-only while its
 *    position or an order in flight says it holds (every stored pair's position read in one
 *    batch), and dropped once flat and
 *    out of the list for `exitGraceMs` (a tick sent while it was listed may enter until then).
 *    Store the selection: the fan-out dispatches from it until the next refresh.
 * 4. Read what is stored for the traded symbols: the fixed ones and the selection's pairs.
 * 5. For each symbol, the next item: a listed market's rules and whether it trades; a symbol the
 *    exchange no longer lists is delisted (`active: false`), keeping the rules last stored so a
 *    position held in it can still be protected by them.
 * 6. Leave out the items that would change nothing (same rules, same `active`): they keep their
 *    `fetchedAt`, the time these rules were first fetched.
 * 7. Write the rest (BatchWriteItem, 25 per call, unprocessed items sent again).
 */
export async function refreshMarkets(
  deps: RefreshMarketsDeps,
  request: RefreshMarketsRequest,
): Promise<RefreshMarketsResult> {
  const fixed = [...new Set(request.symbols)];
  const stored = await deps.state.getSelection();
  // Without selectors, a stored selection still holds pairs to keep until they are flat.
  const previous =
    request.selectors.length > 0 || stored !== undefined ? (stored ?? emptySelection) : undefined;
  const started = deps.clock.now();
  // Markets first: the tickers are named by the markets the client then holds (no second load).
  const quotes = [...new Set(request.selectors.map((s) => s.select.quote))];
  const asked = [...new Set([...fixed, ...(previous?.pairs ?? []).map((p) => p.symbol)])];
  const listed = await deps.catalogue.listMarkets(
    asked,
    previous === undefined ? request.timeoutMs : Math.floor(request.timeoutMs / 2),
    { quotes },
  );
  const left = request.timeoutMs - (deps.clock.now() - started);
  const tickers = previous === undefined ? [] : await deps.tickers.listTickers(Math.max(0, left));
  const picked =
    previous === undefined
      ? undefined
      : await selectPairs(deps, { request, fixed, tickers, listed, previous });
  const symbols = [...fixed, ...(picked?.selection.pairs ?? []).map((p) => p.symbol)];
  const storedMarkets = await deps.store.getMarkets(symbols);
  const fetchedAt = deps.clock.now();
  const changed: StoredMarket[] = [];
  const delisted: string[] = [];
  for (const symbol of symbols) {
    const previous = storedMarkets.get(symbol);
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
    ...(picked === undefined ? {} : { selection: picked.summary }),
  };
}

const emptySelection: PairSelection = { resolvedAt: 0, selectors: {}, pairs: [] };

/** Step 3: the next selection from the tickers, stored, and what changed. */
async function selectPairs(
  deps: RefreshMarketsDeps,
  input: {
    readonly request: RefreshMarketsRequest;
    readonly fixed: readonly string[];
    readonly tickers: readonly MarketTicker[];
    readonly listed: ReadonlyMap<string, ListedMarket>;
    readonly previous: PairSelection;
  },
): Promise<{ selection: PairSelection; summary: NonNullable<RefreshMarketsResult['selection']> }> {
  const { request, tickers, listed, previous } = input;
  const fixed = new Set(input.fixed);
  // Every stored pair's position, in one batched read: any of them may be leaving its list.
  const stored = previous.pairs.map((p) => p.symbol).filter((s) => !fixed.has(s));
  const positions =
    stored.length === 0
      ? new Map()
      : (await deps.state.getSymbolStates({ health: [], positions: stored })).positions;
  const selection = nextSelection({
    selectors: request.selectors,
    tickers,
    tradable: (symbol) => listed.get(symbol)?.active === true,
    fixed,
    previous,
    holds: (symbol) => {
      const position = positions.get(symbol);
      return position !== undefined && needsTicks(position);
    },
    graceMs: request.exitGraceMs,
    now: deps.clock.now(),
  });
  await deps.state.putSelection(selection);
  const kept = new Set(selection.pairs.map((p) => p.symbol));
  return {
    selection,
    summary: {
      listed: selection.pairs.filter((p) => p.listed).length,
      exitOnly: selection.pairs
        .filter((p) => !p.listed)
        .map((p) => p.symbol)
        .sort(),
      dropped: stored.filter((s) => !kept.has(s)).sort(),
      short: request.selectors.flatMap(({ select }) => {
        const key = selectorKey(select);
        const picked = selection.pairs.filter((p) => p.listed && p.selector === key).length;
        return picked < select.top ? [{ quote: select.quote, top: select.top, picked }] : [];
      }),
    },
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
