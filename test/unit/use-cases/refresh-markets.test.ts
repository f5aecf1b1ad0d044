import { describe, expect, it } from 'vitest';
import type {
  ListedMarket,
  MarketCatalogue,
  MarketStore,
  StoredMarket,
} from '../../../lib/ports/market-store.js';
import { refreshMarkets } from '../../../lib/use-cases/refresh-markets.js';
import { FakeClock } from '../../helpers/fakes.js';

/** An exchange listing `markets`, counting how often its list is fetched. */
class FakeCatalogue implements MarketCatalogue {
  fetches = 0;
  failWith?: Error;
  constructor(public markets: Record<string, ListedMarket>) {}
  async listMarkets(symbols: readonly string[]): Promise<ReadonlyMap<string, ListedMarket>> {
    this.fetches += 1;
    if (this.failWith) throw this.failWith;
    return new Map(
      symbols.flatMap((s) =>
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
  return { deps: { catalogue, store, clock }, catalogue, store, clock };
}

describe('refreshMarkets', () => {
  it('fetches the market list once and writes one item per configured symbol', async () => {
    // Prepare
    const { deps, catalogue, store, clock } = setup();

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      timeoutMs: 5_000,
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
    const result = await refreshMarkets(deps, { symbols: ['XMR/BTC'], timeoutMs: 5_000 });

    // Assess
    expect(result.delisted).toEqual(['XMR/BTC']);
    expect(store.items.get('XMR/BTC')).toMatchObject({ active: false, rules: rules('XMRBTC') });
  });

  it('marks a symbol the exchange no longer lists delisted, keeping the rules last stored', async () => {
    // Prepare
    const { deps, catalogue, store } = setup();
    await refreshMarkets(deps, { symbols: ['LTC/BTC'], timeoutMs: 5_000 });
    delete catalogue.markets['LTC/BTC'];

    // Act
    const result = await refreshMarkets(deps, { symbols: ['LTC/BTC'], timeoutMs: 5_000 });

    // Assess
    expect(result).toMatchObject({ written: 1, delisted: ['LTC/BTC'] });
    expect(store.items.get('LTC/BTC')).toMatchObject({ active: false, rules: rules('LTCBTC') });
  });

  it('stores a symbol the exchange never listed as delisted, without rules', async () => {
    // Prepare
    const { deps, store } = setup();

    // Act
    const result = await refreshMarkets(deps, { symbols: ['DOGE/BTC'], timeoutMs: 5_000 });

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
    await refreshMarkets(deps, { symbols: ['LTC/BTC', 'ETH/BTC'], timeoutMs: 5_000 });
    const firstFetch = clock.at;
    clock.at += 3_600_000;

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      timeoutMs: 5_000,
    });

    // Assess
    expect(result).toMatchObject({ written: 0, unchanged: 2 });
    expect(store.writes.at(-1)).toEqual([]);
    expect(store.items.get('LTC/BTC')?.fetchedAt).toBe(firstFetch);
  });

  it('writes changed rules with the time of this fetch', async () => {
    // Prepare
    const { deps, catalogue, store, clock } = setup();
    await refreshMarkets(deps, { symbols: ['LTC/BTC', 'ETH/BTC'], timeoutMs: 5_000 });
    clock.at += 3_600_000;
    catalogue.markets['LTC/BTC'] = { active: true, rules: rules('LTCBTC', 0.01) };

    // Act
    const result = await refreshMarkets(deps, {
      symbols: ['LTC/BTC', 'ETH/BTC'],
      timeoutMs: 5_000,
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
    await refreshMarkets(deps, { symbols: ['LTC/BTC'], timeoutMs: 5_000 });
    const before = store.items.get('LTC/BTC');
    catalogue.failWith = new Error('exchange down');

    // Act
    const refresh = refreshMarkets(deps, { symbols: ['LTC/BTC'], timeoutMs: 5_000 });

    // Assess
    await expect(refresh).rejects.toThrow('exchange down');
    expect(store.items.get('LTC/BTC')).toBe(before);
    expect(store.writes).toHaveLength(1);
  });
});
