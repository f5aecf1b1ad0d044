import { describe, expect, it } from 'vitest';
import type {
  ListedMarket,
  MarketCatalogue,
  MarketStore,
  StoredMarket,
} from '../../../lib/ports/market-store.js';
import type { MarketTicker, TickerSource } from '../../../lib/ports/ticker-source.js';
import { refreshMarkets } from '../../../lib/use-cases/refresh-markets.js';
import { FakeClock, InMemoryStore } from '../../helpers/fakes.js';

/** An exchange's tickers, counting how often they are fetched. */
class FakeTickers implements TickerSource {
  fetches = 0;
  constructor(public tickers: MarketTicker[]) {}
  async listTickers(): Promise<readonly MarketTicker[]> {
    this.fetches += 1;
    return this.tickers;
  }
}

/** An exchange listing `markets`, counting how often its list is fetched. */
class FakeCatalogue implements MarketCatalogue {
  fetches = 0;
  failWith?: Error;
  constructor(public markets: Record<string, ListedMarket>) {}
  async listMarkets(
    symbols: readonly string[],
    _timeoutMs: number,
    options: { quotes?: readonly string[] } = {},
  ): Promise<ReadonlyMap<string, ListedMarket>> {
    this.fetches += 1;
    if (this.failWith) throw this.failWith;
    const quoted = Object.keys(this.markets).filter((s) =>
      (options.quotes ?? []).includes(s.split('/')[1] ?? ''),
    );
    return new Map(
      [...new Set([...symbols, ...quoted])].flatMap((s) =>
        this.markets[s] === undefined ? [] : [[s, this.markets[s]] as const],
      ),
    );
  }
}

class InMemoryMarketStore implements MarketStore {
  readonly items = new Map<string, StoredMarket>();
  /** Every putMarkets call, as the markets it wrote. */
  readonly writes: StoredMarket[][] = [];
  async getMarket(symbol: string): Promise<StoredMarket | undefined> {
    return this.items.get(symbol);
  }
  async getMarkets(symbols: readonly string[]): Promise<ReadonlyMap<string, StoredMarket>> {
    return new Map(
      symbols.flatMap((s) => (this.items.has(s) ? [[s, this.items.get(s)]] : [])) as [
        string,
        StoredMarket,
      ][],
    );
  }
  async putMarkets(markets: readonly StoredMarket[]): Promise<void> {
    this.writes.push([...markets]);
    for (const m of markets) this.items.set(m.symbol, m);
  }
}

const rules = (id: string, amountStep = 0.001) => ({
  id,
  symbol: `${id.slice(0, 3)}/BTC`,
  precision: { amount: amountStep, price: 0.000001 },
  limits: { amount: { min: amountStep } },
});

function setup() {
  const catalogue = new FakeCatalogue({
    'LTC/BTC': { active: true, rules: rules('LTCBTC') },
    'ETH/BTC': { active: true, rules: rules('ETHBTC') },
    'XMR/BTC': { active: false, rules: rules('XMRBTC') },
  });
  const store = new InMemoryMarketStore();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const tickers = new FakeTickers([]);
  const state = new InMemoryStore();
  return {
    deps: { catalogue, tickers, store, state, clock },
    catalogue,
    tickers,
    store,
    state,
    clock,
  };
}

describe('refreshMarkets', () => {
  it('fetches the market list once and writes one item per configured symbol', async () => {
    // Prepare
    const { deps, catalogue, store, clock } = setup();

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    expect(catalogue.fetches).toBe(1);
    expect(result).toEqual({ listed: 2, written: 2, unchanged: 0, delisted: [] });
    expect([...store.items.keys()].sort()).toEqual(['ETH/BTC', 'LTC/BTC']);
    expect(store.items.get('LTC/BTC')).toEqual({
      symbol: 'LTC/BTC',
      active: true,
      rules: rules('LTCBTC'),
      fetchedAt: clock.at,
    });
  });

  it('marks a symbol the exchange lists as inactive delisted', async () => {
    // Prepare
    const { deps, store } = setup();

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['XMR/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    expect(result.delisted).toEqual(['XMR/BTC']);
    expect(store.items.get('XMR/BTC')).toMatchObject({ active: false, rules: rules('XMRBTC') });
  });

  it('marks a symbol the exchange no longer lists delisted, keeping the rules last stored', async () => {
    // Prepare
    const { deps, catalogue, store } = setup();
    await refreshMarkets(deps, {
      symbols: ['LTC/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });
    delete catalogue.markets['LTC/BTC'];

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['LTC/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    expect(result).toMatchObject({ written: 1, delisted: ['LTC/BTC'] });
    expect(store.items.get('LTC/BTC')).toMatchObject({ active: false, rules: rules('LTCBTC') });
  });

  it('stores a symbol the exchange never listed as delisted, without rules', async () => {
    // Prepare
    const { deps, store } = setup();

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['DOGE/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    expect(result.delisted).toEqual(['DOGE/BTC']);
    expect(store.items.get('DOGE/BTC')).toEqual({
      symbol: 'DOGE/BTC',
      active: false,
      fetchedAt: deps.clock.at,
    });
  });

  it('writes nothing for rules that did not change, so they keep the time they were fetched', async () => {
    // Prepare
    const { deps, store, clock } = setup();
    await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });
    const firstFetch = clock.at;
    clock.at += 3_600_000;

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    expect(result).toMatchObject({ written: 0, unchanged: 2 });
    expect(store.writes.at(-1)).toEqual([]);
    expect(store.items.get('LTC/BTC')?.fetchedAt).toBe(firstFetch);
  });

  it('writes changed rules with the time of this fetch', async () => {
    // Prepare
    const { deps, catalogue, store, clock } = setup();
    await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });
    clock.at += 3_600_000;
    catalogue.markets['LTC/BTC'] = { active: true, rules: rules('LTCBTC', 0.01) };

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    expect(result).toMatchObject({ written: 1, unchanged: 1 });
    expect(store.items.get('LTC/BTC')).toMatchObject({
      rules: rules('LTCBTC', 0.01),
      fetchedAt: clock.at,
    });
  });

  it('leaves the stored items as they were when the fetch fails', async () => {
    // Prepare
    const { deps, catalogue, store } = setup();
    await refreshMarkets(deps, {
      symbols: ['LTC/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });
    const before = store.items.get('LTC/BTC');
    catalogue.failWith = new Error('exchange down');

    // Act
    const refresh = refreshMarkets(deps, {
      symbols: ['LTC/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    await expect(refresh).rejects.toThrow('exchange down');
    expect(store.items.get('LTC/BTC')).toBe(before);
    expect(store.writes).toHaveLength(1);
  });
});

describe('refreshMarkets with pairs picked by volume', () => {
  const select = { quote: 'BTC', top: 2, by: 'quoteVolume', exclude: [] } as const;
  const settings = { timeframe: '5m', strategy: 'sma-cross', params: {} } as const;
  const selectors = [{ select, settings }];
  const ticker = (symbol: string, quoteVolume: number) => ({
    symbol,
    base: symbol.split('/')[0] ?? '',
    quote: 'BTC',
    last: 0.01,
    quoteVolume,
  });
  // A tick sent while a pair was listed may enter up to a minute later, in these tests.
  const graceMs = 60_000;
  const request = { symbols: ['LTC/BTC'], selectors, timeoutMs: 5_000, exitGraceMs: () => graceMs };

  function selecting() {
    const s = setup();
    s.catalogue.markets['XRP/BTC'] = { active: true, rules: rules('XRPBTC') };
    s.catalogue.markets['ADA/BTC'] = { active: true, rules: rules('ADABTC') };
    s.tickers.tickers = [
      ticker('LTC/BTC', 9_000),
      ticker('ETH/BTC', 5_000),
      ticker('XMR/BTC', 4_000),
      ticker('XRP/BTC', 3_000),
      ticker('ADA/BTC', 1_000),
    ];
    return s;
  }

  it('selects the top pairs that trade from one tickers request, and stores their rules too', async () => {
    // Prepare
    const { deps, tickers, catalogue, store, state } = selecting();

    // Act
    const result = await refreshMarkets(deps, request);

    // Assess: LTC/BTC is fixed, XMR/BTC is inactive.
    expect(tickers.fetches).toBe(1);
    expect(catalogue.fetches).toBe(1);
    expect(state.selection?.pairs.map((p) => [p.symbol, p.listed])).toEqual([
      ['ETH/BTC', true],
      ['XRP/BTC', true],
    ]);
    expect(result.selection).toEqual({ listed: 2, exitOnly: [], dropped: [], short: [] });
    expect([...store.items.keys()].sort()).toEqual(['ETH/BTC', 'LTC/BTC', 'XRP/BTC']);
  });

  it('keeps a pair that left the list while it holds, exit-only with its rules', async () => {
    // Prepare
    const { deps, tickers, store, state } = selecting();
    await refreshMarkets(deps, request);
    state.positions.set('ETH/BTC', {
      symbol: 'ETH/BTC',
      amount: 3,
      entryPrice: 0.03,
      realisedPnl: 0,
      version: 2,
    });
    tickers.tickers = [
      ticker('ADA/BTC', 8_000),
      ticker('XMR/BTC', 7_000),
      ticker('SOL/BTC', 6_000),
    ];
    deps.catalogue.markets['SOL/BTC'] = { active: true, rules: rules('SOLBTC') };

    // Act
    const result = await refreshMarkets(deps, request);

    // Assess
    expect(state.selection?.pairs.map((p) => [p.symbol, p.listed])).toEqual([
      ['ADA/BTC', true],
      ['SOL/BTC', true],
      ['ETH/BTC', false],
      ['XRP/BTC', false],
    ]);
    expect(result.selection).toEqual({
      listed: 2,
      exitOnly: ['ETH/BTC', 'XRP/BTC'],
      dropped: [],
      short: [],
    });
    expect(store.items.get('ETH/BTC')).toMatchObject({ active: true });
  });

  it('drops a pair that left the list once it is flat', async () => {
    // Prepare
    const { deps, tickers, state } = selecting();
    await refreshMarkets(deps, request);
    tickers.tickers = [ticker('ADA/BTC', 8_000)];
    await refreshMarkets(deps, request);
    deps.clock.at += graceMs;

    // Act
    await refreshMarkets(deps, request);

    // Assess
    expect(state.selection?.pairs.map((p) => p.symbol)).toEqual(['ADA/BTC']);
  });

  it('keeps a flat pair that just left, exit-only, while a tick sent when it was listed may still enter', async () => {
    // Prepare
    const { deps, tickers, state } = selecting();
    await refreshMarkets(deps, request);
    tickers.tickers = [ticker('ADA/BTC', 8_000)];
    const leftAt = deps.clock.at;

    // Act: its grace not yet over, then over.
    await refreshMarkets(deps, request);
    const within = state.selection?.pairs.map((p) => [p.symbol, p.listed, p.leftAt]);
    deps.clock.at += graceMs - 1;
    await refreshMarkets(deps, request);
    const last = state.selection?.pairs.map((p) => p.symbol);
    deps.clock.at += 1;
    const dropped = await refreshMarkets(deps, request);

    // Assess
    expect(within).toEqual([
      ['ADA/BTC', true, undefined],
      ['ETH/BTC', false, leftAt],
      ['XRP/BTC', false, leftAt],
    ]);
    expect(last).toEqual(['ADA/BTC', 'ETH/BTC', 'XRP/BTC']);
    expect(dropped.selection?.dropped).toEqual(['ETH/BTC', 'XRP/BTC']);
    expect(state.selection?.pairs.map((p) => p.symbol)).toEqual(['ADA/BTC']);
  });

  it('still manages the pairs of a stored selection after the last selector is removed', async () => {
    // Prepare
    const { deps, tickers, state } = selecting();
    await refreshMarkets(deps, request);
    state.positions.set('XRP/BTC', {
      symbol: 'XRP/BTC',
      amount: 1,
      entryPrice: 0.01,
      realisedPnl: 0,
      version: 2,
    });

    // Act
    await refreshMarkets(deps, { ...request, selectors: [], exitGraceMs: () => 0 });

    // Assess
    expect(state.selection?.pairs).toEqual([
      expect.objectContaining({ symbol: 'XRP/BTC', listed: false }),
    ]);
    expect(tickers.fetches).toBe(2);
  });

  it('names a selector that finds fewer tradable pairs than its top, as one with a misspelt quote', async () => {
    // Prepare
    const { deps } = selecting();
    const misspelt = { select: { ...select, quote: 'BTX', top: 3 }, settings };

    // Act
    const result = await refreshMarkets(deps, { ...request, selectors: [...selectors, misspelt] });

    // Assess
    expect(result.selection?.short).toEqual([{ quote: 'BTX', top: 3, picked: 0 }]);
  });

  it('asks for no tickers without a selector or a stored selection', async () => {
    // Prepare
    const { deps, tickers, state } = setup();

    // Act
    await refreshMarkets(deps, {
      symbols: ['LTC/BTC'],
      selectors: [],
      timeoutMs: 5_000,
      exitGraceMs: () => 0,
    });

    // Assess
    expect(tickers.fetches).toBe(0);
    expect(state.selection).toBeUndefined();
  });
});
