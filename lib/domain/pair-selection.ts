import type { Timeframe } from './candle.js';
import type { StrategyName } from './strategies/registry.js';

/** What a volume selector ranks pairs by. */
export const SelectBy = { QuoteVolume: 'quoteVolume' } as const;
export type SelectBy = (typeof SelectBy)[keyof typeof SelectBy];

/**
 * The `select` of a symbol entry: the `top` pairs quoted in `quote`, by their last 24 hours'
 * volume, as Freqtrade's VolumePairList picks them.
 */
export interface PairSelector {
  readonly quote: string;
  readonly top: number;
  readonly by: SelectBy;
  /** Pairs whose last price is below this are left out (dust pairs round stakes badly). */
  readonly minPrice?: number | undefined;
  /** Pairs never picked, e.g. stablecoin pairs. */
  readonly exclude: readonly string[];
}

/** What a selected pair is traded with: the settings of the entry whose selector picked it. */
export interface PairSettings {
  readonly timeframe: Timeframe;
  readonly strategy: StrategyName;
  readonly params: Readonly<Record<string, unknown>>;
}

/** One pair a selection holds. */
export interface SelectedPair {
  readonly symbol: string;
  /** The {@link selectorKey} of the selector that picked it. */
  readonly selector: string;
  /**
   * True while its selector ranks it among its `top`; false once it left the list (or its
   * selector was removed or disabled) while still holding a position or an order: it is then
   * managed for exits only (stop, exit signals) until it is flat, and dropped at the refresh
   * after that.
   */
  readonly listed: boolean;
  /** Its 24 h quote volume when it was last ranked. */
  readonly quoteVolume?: number;
  /** When it left its list (epoch ms); absent while listed. */
  readonly leftAt?: number;
}

/** The pairs the volume selectors picked at one refresh, stored for the fan-out. */
export interface PairSelection {
  /** When the tickers were ranked (epoch ms). */
  readonly resolvedAt: number;
  /**
   * The settings of each selector by its key, as they were when its pairs were picked: a pair
   * that outlives its selector (removed from the config while the pair still holds) is exited
   * with the strategy that entered it.
   */
  readonly selectors: Readonly<Record<string, PairSettings>>;
  readonly pairs: readonly SelectedPair[];
}

/** One market's 24 h figures, as far as a selection needs them. */
export interface RankedTicker {
  readonly symbol: string;
  readonly quote: string;
  readonly last?: number | undefined;
  readonly quoteVolume?: number | undefined;
}

/** A selector of the config with its settings, ready to resolve. */
export interface SelectorEntry {
  readonly select: PairSelector;
  readonly settings: PairSettings;
}

/**
 * The identity of a selector: its `select` fields, written canonically. A pair's selection
 * survives a change of its selector's timeframe, strategy or params (those apply at once), but not
 * a change of what it selects.
 */
export function selectorKey(select: PairSelector): string {
  const exclude = [...new Set(select.exclude)].sort();
  return JSON.stringify([select.quote, select.by, select.top, select.minPrice ?? null, exclude]);
}

/**
 * The pairs `select` picks from `tickers`, best first: quoted in its currency, tradable, priced
 * at least `minPrice`, not excluded, not `taken` (fixed symbols, earlier selectors' picks), with
 * a volume reported; ranked by 24 h quote volume (ties by symbol, so a refresh is repeatable).
 */
export function rankPairs(
  select: PairSelector,
  tickers: readonly RankedTicker[],
  options: { readonly tradable: (symbol: string) => boolean; readonly taken: ReadonlySet<string> },
): { symbol: string; quoteVolume: number }[] {
  const excluded = new Set(select.exclude);
  const candidates: { symbol: string; quoteVolume: number }[] = [];
  for (const t of tickers) {
    if (t.quote !== select.quote || excluded.has(t.symbol) || options.taken.has(t.symbol)) continue;
    const volume = t.quoteVolume;
    if (volume === undefined || !Number.isFinite(volume) || volume <= 0) continue;
    if (select.minPrice !== undefined && !((t.last ?? 0) >= select.minPrice)) continue;
    if (!options.tradable(t.symbol)) continue;
    candidates.push({ symbol: t.symbol, quoteVolume: volume });
  }
  candidates.sort((a, b) => b.quoteVolume - a.quoteVolume || (a.symbol < b.symbol ? -1 : 1));
  return candidates.slice(0, select.top);
}

/**
 * The next selection: each selector's `top` pairs by volume (a pair goes to the first selector
 * that ranks it), then every pair of `previous` no longer ranked that still `holds` (a position or
 * an order in flight), unlisted, under the selector and settings that picked it. A pair that is
 * flat and unranked is dropped once it has been unlisted for `graceMs(settings)`: a tick sent
 * while it was listed may still enter until then (a message lives until its stale limit, and its
 * invocation until its timeout), and the fan-out must go on seeing what that entry holds. A pair
 * that became a fixed symbol is the fixed entry's.
 */
export function nextSelection(input: {
  readonly selectors: readonly SelectorEntry[];
  readonly tickers: readonly RankedTicker[];
  readonly tradable: (symbol: string) => boolean;
  readonly fixed: ReadonlySet<string>;
  readonly previous: PairSelection | undefined;
  readonly holds: (symbol: string) => boolean;
  readonly graceMs: (settings: PairSettings) => number;
  readonly now: number;
}): PairSelection {
  const taken = new Set(input.fixed);
  const selectors: Record<string, PairSettings> = {};
  const pairs: SelectedPair[] = [];
  for (const { select, settings } of input.selectors) {
    const key = selectorKey(select);
    selectors[key] = settings;
    for (const pick of rankPairs(select, input.tickers, { tradable: input.tradable, taken })) {
      taken.add(pick.symbol);
      pairs.push({
        symbol: pick.symbol,
        selector: key,
        listed: true,
        quoteVolume: pick.quoteVolume,
      });
    }
  }
  for (const p of input.previous?.pairs ?? []) {
    if (taken.has(p.symbol)) continue;
    // The settings it was picked with, which a stored selection always holds.
    const settings = input.previous?.selectors[p.selector] ?? selectors[p.selector];
    if (settings === undefined) continue;
    const leftAt = p.leftAt ?? input.now;
    const inGrace = input.now - leftAt < input.graceMs(settings);
    if (!input.holds(p.symbol) && !inGrace) continue;
    selectors[p.selector] ??= settings;
    taken.add(p.symbol);
    const { quoteVolume } = p;
    pairs.push({
      symbol: p.symbol,
      selector: p.selector,
      listed: false,
      leftAt,
      ...(quoteVolume === undefined ? {} : { quoteVolume }),
    });
  }
  return { resolvedAt: input.now, selectors, pairs };
}

/** A pair of a selection as a tick trades it. */
export interface ActivePair {
  readonly symbol: string;
  readonly settings: PairSettings;
  /** Entries refused: it left its list, or its selector is no longer enabled in the config. */
  readonly exitOnly: boolean;
}

/**
 * The pairs of `selection` as the current config trades them: a listed pair whose selector is
 * still enabled takes that selector's settings now and may enter; every other pair (left its
 * list, selector removed, changed or disabled) is exit-only with the settings it was picked with.
 * Fixed symbols are the fixed entries', never a pair's.
 */
export function activePairs(
  selection: PairSelection | undefined,
  enabled: ReadonlyMap<string, PairSettings>,
  fixed: ReadonlySet<string>,
): ActivePair[] {
  if (selection === undefined) return [];
  const active: ActivePair[] = [];
  for (const p of selection.pairs) {
    if (fixed.has(p.symbol)) continue;
    const current = p.listed ? enabled.get(p.selector) : undefined;
    const settings = current ?? selection.selectors[p.selector];
    if (settings === undefined) continue;
    active.push({ symbol: p.symbol, settings, exitOnly: current === undefined });
  }
  return active;
}
