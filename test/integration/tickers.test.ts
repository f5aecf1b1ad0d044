import { afterEach, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { exchangeClients } from '../../lib/adapters/exchanges/clients.js';
import { type ExchangeId, exchangeIds } from '../../lib/config/schema.js';
import { timeframeMs } from '../../lib/domain/candle.js';
import { ExchangeFailureKind, ExchangeUnavailableError } from '../../lib/ports/market-data.js';
import type { MarketTicker } from '../../lib/ports/ticker-source.js';
import {
  type ExchangeSimulator,
  type RateLimitOverrides,
  startSimulator,
} from '../../lib/simulator/exchange-simulator.js';
import { wireOf } from '../../lib/simulator/wires.js';

/** Inside the shipped files' shared days: every market below has a day of candles before it. */
const now = Date.UTC(2018, 0, 25, 12, 7, 30);
const dayMs = 24 * 60 * 60_000;
/** Shipped markets of 5m and 1m candles, and two synthetic ones (moved in time and price). */
const symbols = ['LTC/BTC', 'ETH/BTC', 'ADA/BTC'];
const synthetic = 2;

let sim: ExchangeSimulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The simulator speaking `id`'s API on a still clock, and the adapter on that exchange's ccxt class. */
async function onExchange(id: ExchangeId, rateLimits?: RateLimitOverrides) {
  const clock = { now: () => now };
  const started = await startSimulator({
    clock,
    symbols,
    synthetic,
    wire: wireOf(id),
    ...(rateLimits === undefined ? {} : { rateLimits }),
  });
  sim = started;
  const exchange = new CcxtExchange({ exchange: exchangeClients[id]({ url: started.url }), clock });
  return { sim: started, exchange };
}

/**
 * What the candles say of `symbol`'s last 24 hours at `now`, computed here from the candles the
 * simulator loaded: the close of the newest candle closed by now, and the sums over the candles
 * of the 24 hours ending at its close.
 */
function fromCandles(sim: ExchangeSimulator, symbol: string) {
  const tf = timeframeMs(sim.timeframe(symbol));
  const closed = sim.candles(symbol).filter((c) => c.time + tf <= now);
  const newest = closed.at(-1);
  if (newest === undefined) throw new Error(`test data has no ${symbol} candle before now`);
  const day = closed.filter((c) => c.time >= newest.time + tf - dayMs);
  return {
    last: newest.close,
    baseVolume: day.reduce((sum, c) => sum + c.volume, 0),
    quoteVolume: day.reduce((sum, c) => sum + c.close * c.volume, 0),
  };
}

function bySymbol(tickers: readonly MarketTicker[]): Map<string, MarketTicker> {
  return new Map(tickers.map((t) => [t.symbol, t]));
}

/** How far `actual` is from `expected`, relative to it. */
function relativeError(actual: number | undefined, expected: number): number {
  return Math.abs((actual ?? Number.NaN) - expected) / expected;
}

/** What one all-markets ticker request costs in each simulator's rate-limit unit. */
const tickerWeight: Readonly<Record<ExchangeId, number>> = { binance: 80, okx: 1, kraken: 1 };

/** Limits that admit the markets load and one ticker request, and refuse a second one. */
const roomForOneTickerRequest: Readonly<Record<ExchangeId, RateLimitOverrides>> = {
  // exchangeInfo 20 + ticker/24hr without a symbol 80.
  binance: { REQUEST_WEIGHT: 100 },
  okx: { 'GET /api/v5/market/tickers': 1 },
  // Assets and AssetPairs load the markets, then one Ticker.
  kraken: { public: 3 },
};

describe.each(exchangeIds)('CcxtExchange.listTickers on the %s simulator', (id) => {
  it('lists every served market with the last price and 24-hour volumes its candles give', async () => {
    // Prepare
    const { sim, exchange } = await onExchange(id);

    // Act
    const tickers = bySymbol(await exchange.listTickers(5_000));

    // Assess
    expect([...tickers.keys()].sort()).toEqual([...sim.symbols]);
    expect(sim.symbols.filter((s) => sim.isSynthetic(s))).toHaveLength(synthetic);
    for (const symbol of sim.symbols) {
      const ticker = tickers.get(symbol);
      const expected = fromCandles(sim, symbol);
      const [base, quote] = symbol.split('/');
      expect(ticker).toMatchObject({ symbol, base, quote, last: expected.last });
      expect(relativeError(ticker?.baseVolume, expected.baseVolume)).toBeLessThan(1e-9);
      // A synthetic market's quote volume is its source's times its price factor, which leaves
      // out the rounding of each moved close to 8 decimals: a few parts in a million.
      expect(relativeError(ticker?.quoteVolume, expected.quoteVolume)).toBeLessThan(1e-5);
    }
  });

  it('reports the quote volume the engine computes for each market', async () => {
    // Prepare
    const { sim, exchange } = await onExchange(id);

    // Act
    const tickers = bySymbol(await exchange.listTickers(5_000));

    // Assess
    for (const engine of sim.tickers()) {
      expect(
        relativeError(tickers.get(engine.symbol)?.quoteVolume, engine.quoteVolume),
      ).toBeLessThan(1e-9);
    }
  });

  it('moves a pair up the ranking by quote volume when its volume is scaled', async () => {
    // Prepare
    const { sim, exchange } = await onExchange(id);
    const before = bySymbol(await exchange.listTickers(5_000));
    const ranked = [...before.values()].sort((a, b) => (b.quoteVolume ?? 0) - (a.quoteVolume ?? 0));
    const top = ranked[0];
    const bottom = ranked.at(-1);
    if (top?.quoteVolume === undefined || bottom?.quoteVolume === undefined) {
      throw new Error('the tickers carry no quote volume');
    }
    const factor = (2 * top.quoteVolume) / bottom.quoteVolume;

    // Act
    sim.setVolumeScale(bottom.symbol, factor);
    const after = bySymbol(await exchange.listTickers(5_000));

    // Assess
    const moved = after.get(bottom.symbol);
    expect(relativeError(moved?.quoteVolume, bottom.quoteVolume * factor)).toBeLessThan(1e-6);
    expect(relativeError(moved?.baseVolume, (bottom.baseVolume ?? 0) * factor)).toBeLessThan(1e-6);
    expect(moved?.last).toBe(bottom.last);
    expect(after.get(top.symbol)?.quoteVolume).toBe(top.quoteVolume);
    const reranked = [...after.values()].sort(
      (a, b) => (b.quoteVolume ?? 0) - (a.quoteVolume ?? 0),
    );
    expect(reranked[0]?.symbol).toBe(bottom.symbol);
  });

  it('loads the markets itself on a fresh client, and costs one request once they are loaded', async () => {
    // Prepare
    const { sim, exchange } = await onExchange(id);

    // Act
    const first = await exchange.listTickers(5_000);
    const loaded = sim.requestStats();
    const second = await exchange.listTickers(5_000);
    const after = sim.requestStats();

    // Assess
    expect(first).toHaveLength(sim.symbols.length);
    expect(second).toEqual(first);
    expect(loaded.marketsRequests).toBe(1);
    expect(after.marketsRequests).toBe(1);
    expect(after.requests - loaded.requests).toBe(1);
    expect(after.weight - loaded.weight).toBe(tickerWeight[id]);
  });

  it('lists every market on an adapter holding only markets set from the markets store', async () => {
    // Prepare: a trade container's adapter, which holds the one market it read from the store.
    const { sim, exchange: refresher } = await onExchange(id);
    const listed = await refresher.listMarkets(['LTC/BTC'], 5_000);
    const rules = listed.get('LTC/BTC')?.rules;
    const store = {
      getMarket: async (symbol: string) =>
        symbol === 'LTC/BTC' ? { symbol, active: true, rules, fetchedAt: now } : undefined,
    };
    const container = new CcxtExchange({
      exchange: exchangeClients[id]({ url: sim.url }),
      clock: { now: () => now },
      storedMarkets: { store, maxAgeMs: dayMs },
    });
    await container.market('LTC/BTC', 5_000);

    // Act
    const tickers = await container.listTickers(5_000);

    // Assess
    expect(tickers.map((t) => t.symbol).sort()).toEqual([...sim.symbols]);
  });

  it("counts the request's weight in the exchange's rate limit", async () => {
    // Prepare
    const { exchange } = await onExchange(id, roomForOneTickerRequest[id]);
    await exchange.listTickers(5_000);

    // Act
    const refused = await exchange.listTickers(5_000).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(ExchangeUnavailableError);
    expect((refused as ExchangeUnavailableError).kind).toBe(ExchangeFailureKind.RateLimit);
  });

  it("meets a '*' fault, the request naming no symbol", async () => {
    // Prepare
    const { sim, exchange } = await onExchange(id);
    await exchange.listMarkets([], 5_000);
    sim.setFault('*', { kind: 'http5xx', rate: 1 });

    // Act
    const failed = await exchange.listTickers(5_000).catch((error: unknown) => error);

    // Assess
    expect(failed).toBeInstanceOf(ExchangeUnavailableError);
    expect((failed as ExchangeUnavailableError).kind).toBe(ExchangeFailureKind.Unavailable);
  });
});

describe('ExchangeSimulator.setVolumeScale', () => {
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a factor of %s, naming it',
    async (factor) => {
      // Prepare
      const { sim } = await onExchange('binance');

      // Act
      const refused = () => sim.setVolumeScale('LTC/BTC', factor);

      // Assess
      expect(refused).toThrow(RangeError);
      expect(refused).toThrow(`factor must be a finite number >= 0, got ${factor}`);
    },
  );

  it('scales a market to no volume with a factor of 0', async () => {
    // Prepare
    const { sim } = await onExchange('binance');

    // Act
    sim.setVolumeScale('LTC/BTC', 0);

    // Assess
    const ticker = sim.tickers().find((t) => t.symbol === 'LTC/BTC');
    expect(ticker).toMatchObject({ baseVolume: 0, quoteVolume: 0 });
    expect(ticker?.last).toBe(fromCandles(sim, 'LTC/BTC').last);
  });
});
