import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange, type MarketRulesFallback } from '../../lib/adapters/ccxt-exchange.js';
import { DynamoMarketStore } from '../../lib/adapters/dynamo-market-store.js';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { exchangeClients } from '../../lib/adapters/exchanges/clients.js';
import { type ExchangeId, exchangeIds } from '../../lib/config/schema.js';
import { Signal } from '../../lib/domain/signal.js';
import type { Strategy } from '../../lib/domain/strategies/strategy.js';
import { createStateTable } from '../../lib/local/create-tables.js';
import {
  type LocalService,
  localAwsClientConfig,
  startDynalite,
} from '../../lib/local/services.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { type ExchangeSimulator, startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { wireOf } from '../../lib/simulator/wires.js';
import { processSymbolTick } from '../../lib/use-cases/process-symbol-tick.js';
import { refreshMarkets } from '../../lib/use-cases/refresh-markets.js';
import { testConfig } from '../helpers/config.js';
import { RecordingMetrics } from '../helpers/fakes.js';

// The LTC/BTC 5m tick at 12:05 decides on the 12:00 candle; the clock stands 30 s after the tick.
const scheduledAt = Date.UTC(2018, 0, 20, 12, 5);
const now = scheduledAt + 30_000;
const hourMs = 3_600_000;

/** The requests that load a market list, on each exchange's wire. */
const marketsRequest = /exchangeInfo|\/api\/v5\/public\/instruments|\/0\/public\/Asset/;

/** A loopback proxy in front of the simulator that records the path of every request. */
interface CountingProxy {
  readonly url: string;
  readonly paths: string[];
  close(): Promise<void>;
}

async function countingProxy(target: string): Promise<CountingProxy> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A strategy that wants in on every candle: every flat tick is an entry. */
const alwaysEnter: Strategy = {
  name: 'always-enter',
  warmup: 2,
  start: () => ({ next: () => Signal.Enter }),
};

const services: LocalService[] = [];
let dynamo: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  const dynalite = await startDynalite();
  services.push(dynalite);
  dynamo = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
});

afterAll(async () => {
  dynamo?.destroy();
  for (const s of services.reverse()) await s.close();
});

/** A fresh state table, with the trading state and the market rules stores on it. */
async function freshTable() {
  tables += 1;
  const tableName = `market-rules-${tables}`;
  await createStateTable(dynamo, tableName);
  const client = DynamoDBDocumentClient.from(dynamo);
  return {
    markets: new DynamoMarketStore({ tableName, client }),
    state: new DynamoStateStore({ tableName, client }),
  };
}

describe.each(exchangeIds)('market rules on %s', (id: ExchangeId) => {
  const clock = new SimClock(now);
  const config = testConfig({ exchange: { id } });
  let sim: ExchangeSimulator;
  let proxy: CountingProxy;

  beforeAll(async () => {
    sim = await startSimulator({ clock, symbols: ['LTC/BTC', 'ETH/BTC'], wire: wireOf(id) });
    proxy = await countingProxy(sim.url);
  });

  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  /** The markets function's refresh of `symbols`, on a client of the exchange at `url`. */
  function refresh(
    table: { markets: DynamoMarketStore; state: DynamoStateStore },
    symbols: string[],
    url = proxy.url,
  ) {
    const catalogue = new CcxtExchange({ exchange: exchangeClients[id]({ url }), clock });
    const deps = { catalogue, tickers: catalogue, store: table.markets, state: table.state, clock };
    return refreshMarkets(deps, { symbols, selectors: [], timeoutMs: 5_000, exitGraceMs: () => 0 });
  }

  /** A cold trade container: a new adapter on a new ccxt client, rules from the store. */
  function coldContainer(store: DynamoMarketStore) {
    const fallbacks: MarketRulesFallback[] = [];
    const exchange = new CcxtExchange({
      exchange: exchangeClients[id]({ url: proxy.url }),
      clock,
      storedMarkets: { store, maxAgeMs: hourMs },
    });
    exchange.onMarketRulesFallback((event) => fallbacks.push(event));
    return { exchange, fallbacks };
  }

  function tick(exchange: CcxtExchange, state: DynamoStateStore) {
    return processSymbolTick(
      {
        market: exchange,
        broker: exchange,
        store: state,
        clock,
        metrics: new RecordingMetrics(),
        config,
        strategyFor: () => alwaysEnter,
      },
      { tick: { symbol: 'LTC/BTC', scheduledAt }, remainingMs: () => 20_000 },
    );
  }

  it('after a refresh, a cold container trades a tick with no markets request to the exchange', async () => {
    // Prepare
    const { markets, state } = await freshTable();
    const refreshed = await refresh({ markets, state }, ['LTC/BTC', 'ETH/BTC']);
    const { exchange, fallbacks } = coldContainer(markets);
    proxy.paths.length = 0;

    // Act
    const result = await tick(exchange, state);

    // Assess: candles, the entry and its stop went out (amount and price put to precision by
    // ccxt from the stored market); the market list did not.
    expect(refreshed).toMatchObject({ listed: 2, written: 2, delisted: [] });
    expect(result).toMatchObject({ status: 'ok', order: { side: 'buy', status: 'filled' } });
    expect(sim.openOrders('LTC/BTC')).toHaveLength(1);
    expect(proxy.paths.length).toBeGreaterThan(0);
    expect(proxy.paths.filter((path) => marketsRequest.test(path))).toEqual([]);
    expect(fallbacks).toEqual([]);
  });

  it('a container reads its symbol once per refresh period, and takes changed rules from the next period on', async () => {
    // Prepare
    const { markets, state } = await freshTable();
    await refresh({ markets, state }, ['LTC/BTC']);
    let reads = 0;
    const counted = {
      getMarket: (symbol: string) => {
        reads += 1;
        return markets.getMarket(symbol);
      },
    };
    const exchange = new CcxtExchange({
      exchange: exchangeClients[id]({ url: proxy.url }),
      clock,
      storedMarkets: { store: counted, maxAgeMs: hourMs },
    });
    const first = await exchange.market('LTC/BTC', 5_000);
    const stored = await markets.getMarket('LTC/BTC');
    const rules = stored?.rules as { precision: Record<string, number> };
    await markets.putMarkets([
      {
        ...(stored ?? { symbol: 'LTC/BTC', active: true }),
        rules: { ...rules, precision: { ...rules.precision, amount: 0.1 } },
        fetchedAt: now + 1,
      },
    ]);

    // Act
    const sameHour = await exchange.market('LTC/BTC', 5_000);
    clock.set(clock.now() + hourMs);
    const nextHour = await exchange.market('LTC/BTC', 5_000).finally(() => clock.set(now));

    // Assess
    expect(sameHour).toEqual(first);
    expect(nextHour.amountStep).toBe(0.1);
    expect(reads).toBe(2);
  });

  it('a container finding no stored rules loads every market once, and says so', async () => {
    // Prepare
    const { markets } = await freshTable();
    const { exchange, fallbacks } = coldContainer(markets);
    proxy.paths.length = 0;

    // Act
    const first = await exchange.market('LTC/BTC', 5_000);
    const again = await exchange.market('LTC/BTC', 5_000);

    // Assess
    expect(first).toEqual(again);
    expect(first).toMatchObject({ symbol: 'LTC/BTC', active: true });
    expect(proxy.paths.filter((path) => marketsRequest.test(path)).length).toBeGreaterThan(0);
    const loads = proxy.paths.length;
    await exchange.market('ETH/BTC', 5_000);
    expect(proxy.paths).toHaveLength(loads);
    expect(fallbacks.map((f) => [f.symbol, f.reason])).toEqual([
      ['LTC/BTC', 'not-stored'],
      ['ETH/BTC', 'not-stored'],
    ]);
  });

  it('a symbol the exchange stopped listing refuses entries, on the rules stored before', async () => {
    // Prepare: listed at the first refresh, gone from the exchange's list at the second.
    const { markets, state } = await freshTable();
    await refresh({ markets, state }, ['LTC/BTC']);
    const delisting = await startSimulator({ clock, symbols: ['ETH/BTC'], wire: wireOf(id) });
    let second: Awaited<ReturnType<typeof refresh>>;
    try {
      second = await refresh({ markets, state }, ['LTC/BTC'], delisting.url);
    } finally {
      await delisting.close();
    }
    const { exchange } = coldContainer(markets);
    const ordersBefore = sim.orders.length;

    // Act
    const result = await tick(exchange, state);

    // Assess
    expect(second.delisted).toEqual(['LTC/BTC']);
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'delisted', signal: 'enter' });
    expect(sim.orders).toHaveLength(ordersBefore);
    expect(await exchange.market('LTC/BTC', 5_000)).toMatchObject({ active: false });
  });
});

describe('DynamoMarketStore', () => {
  it('writes and reads back more items than one batch call holds, rules unchanged', async () => {
    // Prepare: 130 symbols take six BatchWriteItem calls and two BatchGetItem calls.
    const { markets } = await freshTable();
    const stored = Array.from({ length: 130 }, (_, i) => ({
      symbol: `S${i}/BTC`,
      active: i % 7 !== 0,
      fetchedAt: now + i,
      rules: { id: `S${i}BTC`, precision: { amount: 1e-8, price: 0.000001 }, info: { n: null } },
    }));

    // Act
    await markets.putMarkets(stored);
    const read = await markets.getMarkets(stored.map((m) => m.symbol));

    // Assess
    expect(read.size).toBe(130);
    for (const market of stored) expect(read.get(market.symbol)).toEqual(market);
    expect(await markets.getMarket('S3/BTC')).toEqual(stored[3]);
    expect(await markets.getMarket('NONE/BTC')).toBeUndefined();
  });
});
