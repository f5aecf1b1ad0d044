import { describe, expect, it } from 'vitest';
import {
  activePairs,
  nextSelection,
  type PairSelection,
  type PairSelector,
  type PairSettings,
  rankPairs,
  selectorKey,
} from '../../../lib/domain/pair-selection.js';

const select = (fields: Partial<PairSelector> = {}): PairSelector => ({
  quote: 'USDT',
  top: 2,
  by: 'quoteVolume',
  exclude: [],
  ...fields,
});
const settings: PairSettings = { timeframe: '5m', strategy: 'sma-cross', params: {} };
const ticker = (symbol: string, quoteVolume: number | undefined, last = 1) => ({
  symbol,
  quote: symbol.split('/')[1] ?? '',
  last,
  quoteVolume,
});
const tickers = [
  ticker('BTC/USDT', 900),
  ticker('ETH/USDT', 500),
  ticker('DOGE/USDT', 700, 0.00001),
  ticker('USDC/USDT', 1_000),
  ticker('LTC/BTC', 5_000),
  ticker('XRP/USDT', undefined),
  ticker('SOL/USDT', 300),
];
const anyTradable = { tradable: () => true, taken: new Set<string>() };

describe('rankPairs', () => {
  it('ranks the pairs of its quote by 24 h quote volume, highest first, up to top', () => {
    expect(rankPairs(select({ top: 3 }), tickers, anyTradable).map((p) => p.symbol)).toEqual([
      'USDC/USDT',
      'BTC/USDT',
      'DOGE/USDT',
    ]);
  });

  it('leaves out excluded pairs, pairs priced below minPrice, and pairs with no volume', () => {
    const picked = rankPairs(
      select({ top: 10, exclude: ['USDC/USDT'], minPrice: 0.0001 }),
      tickers,
      anyTradable,
    );
    expect(picked).toEqual([
      { symbol: 'BTC/USDT', quoteVolume: 900 },
      { symbol: 'ETH/USDT', quoteVolume: 500 },
      { symbol: 'SOL/USDT', quoteVolume: 300 },
    ]);
  });

  it('leaves out markets that do not trade and pairs already taken', () => {
    const picked = rankPairs(select({ top: 10 }), tickers, {
      tradable: (s) => s !== 'BTC/USDT',
      taken: new Set(['USDC/USDT']),
    });
    expect(picked.map((p) => p.symbol)).toEqual(['DOGE/USDT', 'ETH/USDT', 'SOL/USDT']);
  });

  it('breaks a tie by symbol, so a refresh of the same tickers picks the same pairs', () => {
    const tied = [ticker('B/USDT', 10), ticker('A/USDT', 10), ticker('C/USDT', 10)];
    expect(rankPairs(select({ top: 2 }), tied, anyTradable).map((p) => p.symbol)).toEqual([
      'A/USDT',
      'B/USDT',
    ]);
  });
});

describe('selectorKey', () => {
  it('is the same for the same selection written differently, and differs for another', () => {
    expect(selectorKey(select({ exclude: ['B/USDT', 'A/USDT'] }))).toBe(
      selectorKey(select({ exclude: ['A/USDT', 'B/USDT', 'A/USDT'] })),
    );
    expect(selectorKey(select({ top: 3 }))).not.toBe(selectorKey(select({ top: 2 })));
  });
});

describe('nextSelection', () => {
  const key = selectorKey(select());
  const base = {
    selectors: [{ select: select(), settings }],
    tickers,
    tradable: () => true,
    fixed: new Set<string>(),
    holds: () => false,
    graceMs: () => 0,
    now: 42,
  };

  it("lists each selector's top pairs, never a fixed symbol", () => {
    const next = nextSelection({ ...base, fixed: new Set(['USDC/USDT']), previous: undefined });
    expect(next).toEqual({
      resolvedAt: 42,
      selectors: { [key]: settings },
      pairs: [
        { symbol: 'BTC/USDT', selector: key, listed: true, quoteVolume: 900 },
        { symbol: 'DOGE/USDT', selector: key, listed: true, quoteVolume: 700 },
      ],
    });
  });

  it('gives a pair two selectors rank to the first of them', () => {
    const other = select({ top: 1, minPrice: 0.5 });
    const next = nextSelection({
      ...base,
      selectors: [
        { select: select({ top: 1 }), settings },
        { select: other, settings },
      ],
      previous: undefined,
    });
    expect(next.pairs.map((p) => [p.symbol, p.selector])).toEqual([
      ['USDC/USDT', selectorKey(select({ top: 1 }))],
      ['BTC/USDT', selectorKey(other)],
    ]);
  });

  it('keeps a flat pair that left the list for its grace, from when it left, then drops it', () => {
    const previous: PairSelection = {
      resolvedAt: 1,
      selectors: { [key]: settings },
      pairs: [{ symbol: 'ETH/USDT', selector: key, listed: true }],
    };
    const grace = { ...base, graceMs: () => 100 };

    const left = nextSelection({ ...grace, previous, now: 1_000 });
    const within = nextSelection({ ...grace, previous: left, now: 1_099 });
    const after = nextSelection({ ...grace, previous: within, now: 1_100 });

    expect(left.pairs.at(-1)).toMatchObject({ symbol: 'ETH/USDT', listed: false, leftAt: 1_000 });
    expect(within.pairs.at(-1)).toMatchObject({ symbol: 'ETH/USDT', leftAt: 1_000 });
    expect(after.pairs.map((p) => p.symbol)).toEqual(['USDC/USDT', 'BTC/USDT']);
  });

  it('keeps a pair that left the list while it holds, unlisted, and drops one that is flat', () => {
    const previous: PairSelection = {
      resolvedAt: 1,
      selectors: { [key]: settings },
      pairs: [
        { symbol: 'ETH/USDT', selector: key, listed: true, quoteVolume: 2_000 },
        { symbol: 'SOL/USDT', selector: key, listed: true, quoteVolume: 1_500 },
      ],
    };
    const next = nextSelection({ ...base, previous, holds: (s) => s === 'ETH/USDT' });
    expect(next.pairs.map((p) => [p.symbol, p.listed])).toEqual([
      ['USDC/USDT', true],
      ['BTC/USDT', true],
      ['ETH/USDT', false],
    ]);
  });

  it('keeps the settings of a removed selector while one of its pairs still holds', () => {
    const gone = selectorKey(select({ quote: 'BTC' }));
    const old: PairSettings = { timeframe: '1h', strategy: 'rsi-reversion', params: {} };
    const previous: PairSelection = {
      resolvedAt: 1,
      selectors: { [gone]: old },
      pairs: [{ symbol: 'ETH/BTC', selector: gone, listed: true }],
    };
    const next = nextSelection({ ...base, previous, holds: () => true });
    expect(next.selectors[gone]).toEqual(old);
    expect(next.pairs.at(-1)).toEqual({
      symbol: 'ETH/BTC',
      selector: gone,
      listed: false,
      leftAt: 42,
    });
  });
});

describe('activePairs', () => {
  const key = selectorKey(select());
  const picked: PairSettings = { timeframe: '5m', strategy: 'sma-cross', params: { fast: 3 } };
  const selection: PairSelection = {
    resolvedAt: 1,
    selectors: { [key]: picked },
    pairs: [
      { symbol: 'BTC/USDT', selector: key, listed: true },
      { symbol: 'ETH/USDT', selector: key, listed: false },
      { symbol: 'LTC/USDT', selector: key, listed: true },
    ],
  };

  it("trades a listed pair with its selector's settings now, and a pair that left exit-only", () => {
    const now: PairSettings = { timeframe: '15m', strategy: 'sma-cross', params: { fast: 5 } };
    expect(activePairs(selection, new Map([[key, now]]), new Set(['LTC/USDT']))).toEqual([
      { symbol: 'BTC/USDT', settings: now, exitOnly: false },
      { symbol: 'ETH/USDT', settings: picked, exitOnly: true },
    ]);
  });

  it('makes every pair exit-only once its selector is disabled or removed', () => {
    const active = activePairs(selection, new Map(), new Set());
    expect(active.map((p) => [p.symbol, p.exitOnly])).toEqual([
      ['BTC/USDT', true],
      ['ETH/USDT', true],
      ['LTC/USDT', true],
    ]);
    expect(activePairs(undefined, new Map(), new Set())).toEqual([]);
  });
});
