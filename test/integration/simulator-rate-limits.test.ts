import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createBinanceClient } from '../../lib/adapters/exchanges/binance-client.js';
import { createKrakenClient } from '../../lib/adapters/exchanges/kraken-client.js';
import { createOkxClient } from '../../lib/adapters/exchanges/okx-client.js';
import { type ExchangeId, exchangeIds } from '../../lib/config/schema.js';
import { roundToWire } from '../../lib/market-data/market-rules.js';
import {
  type ExchangeSimulator,
  fetchRequestStats,
  type SimulatorOptions,
  startSimulator,
} from '../../lib/simulator/exchange-simulator.js';
import { syntheticSymbols } from '../../lib/simulator/synthetic-markets.js';
import { wireOf } from '../../lib/simulator/wires.js';

/** 12:00:15 on a day of the shipped data: 45 s before the minute's window ends. */
const start = Date.UTC(2018, 0, 25, 12, 0, 15);

/** A clock that moves only when a test moves it, so windows end exactly where a test says. */
class StillClock {
  at = start;
  now(): number {
    return this.at;
  }
}

let sim: ExchangeSimulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const clients = {
  binance: createBinanceClient,
  okx: createOkxClient,
  kraken: createKrakenClient,
} as const;

/** The simulator speaking `id`'s API on a still clock, and that exchange's real ccxt class on it. */
async function simulator<Id extends ExchangeId>(id: Id, options: Partial<SimulatorOptions> = {}) {
  const clock = new StillClock();
  const started = await startSimulator({
    clock,
    symbols: ['ADA/BTC', 'LTC/BTC'],
    wire: wireOf(id),
    ...options,
  });
  sim = started;
  const client = clients[id]({ url: started.url }) as ReturnType<(typeof clients)[Id]>;
  return { sim: started, clock, client };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A GET from `localAddress` (any 127.x.y.z reaches the loopback server from its own IP). */
function get(url: string, localAddress = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The headers of the last answer ccxt read, by lower-case name (ccxt capitalizes them). */
function lastHeaders(client: { last_response_headers: unknown }): Record<string, string> {
  const headers = (client.last_response_headers ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** What a call made through ccxt threw: its class name and message. */
async function failure(call: () => Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call();
  } catch (error) {
    const e = error as Error;
    return { name: e.constructor.name, message: e.message };
  }
  throw new Error('the call did not fail');
}

describe('binance request weight', () => {
  it('reports the weight used this minute on every answer, in X-MBX-USED-WEIGHT-1M', async () => {
    // Prepare
    const { sim } = await simulator('binance');

    // Act
    const info = await get(`${sim.url}/api/v3/exchangeInfo`);
    const klines = await get(`${sim.url}/api/v3/klines?symbol=LTCBTC&interval=5m&limit=2`);
    const unknown = await get(`${sim.url}/api/v3/klines?symbol=NOPE&interval=5m`);

    // Assess
    expect(info.headers['x-mbx-used-weight-1m']).toBe('20');
    expect(klines.headers['x-mbx-used-weight-1m']).toBe('22');
    expect(unknown.status).toBe(400);
    expect(unknown.headers['x-mbx-used-weight-1m']).toBe('24');
  });

  it('publishes the limits it enforces in exchangeInfo', async () => {
    // Prepare
    const { sim } = await simulator('binance');

    // Act
    const info = JSON.parse((await get(`${sim.url}/api/v3/exchangeInfo`)).body) as {
      rateLimits: unknown[];
    };

    // Assess
    expect(info.rateLimits).toEqual([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 160_000 },
    ]);
  });

  it('answers 429 -1003 with Retry-After to the end of the minute over the limit, which ccxt raises as DDoSProtection', async () => {
    // Prepare: loadMarkets weighs 20, each klines 2.
    const { sim, client } = await simulator('binance', { rateLimits: { REQUEST_WEIGHT: 24 } });
    await client.loadMarkets();
    await client.fetchOHLCV('LTC/BTC', '5m', undefined, 2);
    await client.fetchOHLCV('LTC/BTC', '5m', undefined, 2);

    // Act
    const error = await failure(() => client.fetchOHLCV('LTC/BTC', '5m', undefined, 2));
    const headers = lastHeaders(client);

    // Assess
    expect(error.name).toBe('DDoSProtection');
    expect(error.message).toContain('429');
    expect(error.message).toContain('"code":-1003');
    expect(error.message).toContain('current limit is 24 request weight per 1 MINUTE');
    expect(headers['retry-after']).toBe('45');
    expect(headers['x-mbx-used-weight-1m']).toBe('24');
    expect(sim.requestStats()).toEqual({
      requests: 4,
      weight: 24,
      http429: 1,
      http418: 0,
      marketsRequests: 1,
    });
  });

  it('bans an IP with 418 that sends again before Retry-After has passed, 2 minutes the first time', async () => {
    // Prepare
    const { sim, clock, client } = await simulator('binance', {
      rateLimits: { REQUEST_WEIGHT: 20 },
    });
    await client.loadMarkets();
    await failure(() => client.fetchOHLCV('LTC/BTC', '5m', undefined, 2)); // 429, Retry-After 45
    clock.at += 10_000;

    // Act
    const banned = await failure(() => client.fetchOHLCV('LTC/BTC', '5m', undefined, 2));
    const retryAfter = lastHeaders(client)['retry-after'];
    clock.at += 60_000; // a new minute, but still banned
    const stillBanned = await get(`${sim.url}/api/v3/time`);
    clock.at += 60_000;
    const after = await get(`${sim.url}/api/v3/time`);

    // Assess
    expect(banned.name).toBe('DDoSProtection');
    expect(banned.message).toContain('418');
    expect(banned.message).toContain(
      `Way too much request weight used; IP banned until ${start + 10_000 + 120_000}`,
    );
    expect(retryAfter).toBe('120');
    expect(stillBanned.status).toBe(418);
    expect(stillBanned.headers['retry-after']).toBe('60');
    expect(after.status).toBe(200);
    expect(sim.requestStats()).toMatchObject({ http429: 1, http418: 2 });
  });

  it('counts each client IP on its own', async () => {
    // Prepare
    const { sim } = await simulator('binance', { rateLimits: { REQUEST_WEIGHT: 20 } });
    await get(`${sim.url}/api/v3/exchangeInfo`, '127.0.0.1');

    // Act
    const same = await get(`${sim.url}/api/v3/time`, '127.0.0.1');
    const other = await get(`${sim.url}/api/v3/time`, '127.0.0.2');

    // Assess
    expect(same.status).toBe(429);
    expect(other.status).toBe(200);
    expect(other.headers['x-mbx-used-weight-1m']).toBe('1');
  });

  it('refuses the account a new order over 50 per 10 s with 429 -1015, counting orders in X-MBX-ORDER-COUNT-10S', async () => {
    // Prepare
    const { client } = await simulator('binance', { rateLimits: { ORDERS_10S: 2 } });
    await client.loadMarkets();
    await client.createOrder('LTC/BTC', 'market', 'buy', 0.1);
    await client.createOrder('LTC/BTC', 'market', 'buy', 0.1);
    const counted = lastHeaders(client)['x-mbx-order-count-10s'];

    // Act
    const error = await failure(() => client.createOrder('LTC/BTC', 'market', 'buy', 0.1));
    const headers = lastHeaders(client);

    // Assess
    expect(counted).toBe('2');
    expect(error.name).toBe('DDoSProtection');
    expect(error.message).toContain('"code":-1015');
    expect(error.message).toContain(
      'Too many new orders; current limit is 2 orders per 10 SECOND.',
    );
    // 12:00:15 is 5 s into its 10 s window.
    expect(headers['retry-after']).toBe('5');
  });

  it('enforces no limit when told not to', async () => {
    // Prepare
    const { sim } = await simulator('binance', { rateLimits: false });

    // Act
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => get(`${sim.url}/api/v3/exchangeInfo`)),
    );

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers[0]?.headers['x-mbx-used-weight-1m']).toBeUndefined();
    expect(sim.requestStats().weight).toBe(80);
  });
});

describe('okx request limits', () => {
  it('answers 429 code 50011 over an endpoint limit, which ccxt raises as RateLimitExceeded, and never bans', async () => {
    // Prepare
    const { sim, client } = await simulator('okx', {
      rateLimits: { 'GET /api/v5/public/time': 1 },
    });
    await client.fetchTime();

    // Act
    const errors = [
      await failure(() => client.fetchTime()),
      await failure(() => client.fetchTime()),
      await failure(() => client.fetchTime()),
    ];

    // Assess
    expect(errors.map((e) => e.name)).toEqual([
      'RateLimitExceeded',
      'RateLimitExceeded',
      'RateLimitExceeded',
    ]);
    expect(errors[0]?.message).toContain('"code":"50011"');
    expect(sim.requestStats()).toMatchObject({ requests: 4, http429: 3, http418: 0 });
  });

  it('counts its 2 s windows on the simulated clock', async () => {
    // Prepare
    const { clock, client } = await simulator('okx', {
      rateLimits: { 'GET /api/v5/public/time': 1 },
    });
    await client.fetchTime();

    // Act
    clock.at += 2000;
    const next = await client.fetchTime();

    // Assess
    expect(next).toBe(clock.at);
  });
});

describe('kraken request limits', () => {
  it('answers EAPI:Rate limit exceeded over the public limit, which ccxt raises as DDoSProtection', async () => {
    // Prepare
    const { sim, client } = await simulator('kraken', { rateLimits: { public: 1 } });
    await client.fetchTime();

    // Act
    const error = await failure(() => client.fetchTime());

    // Assess
    expect(error.name).toBe('DDoSProtection');
    expect(error.message).toContain('EAPI:Rate limit exceeded');
    expect(sim.requestStats()).toMatchObject({ requests: 2, http429: 1 });
  });

  it('counts private calls per key on a counter falling by 0.33 a second', async () => {
    // Prepare
    const { clock, client } = await simulator('kraken', { rateLimits: { private: 2 } });
    await client.fetchBalance();
    await client.fetchBalance();

    // Act
    const over = await failure(() => client.fetchBalance());
    clock.at += 3100; // one call's worth has decayed
    const later = await client.fetchBalance();

    // Assess
    expect(over.name).toBe('DDoSProtection');
    expect(over.message).toContain('EAPI:Rate limit exceeded');
    expect(later).toHaveProperty('BTC');
  });
});

describe('kraken trading limits', () => {
  it('answers EOrder:Rate limit exceeded over the per-pair order counter, which ccxt raises as DDoSProtection', async () => {
    // Prepare
    const { client } = await simulator('kraken', { rateLimits: { trading: 1 } });
    await client.loadMarkets();
    await client.createOrder('LTC/BTC', 'market', 'buy', 0.1);

    // Act
    const over = await failure(() => client.createOrder('LTC/BTC', 'market', 'buy', 0.1));
    const otherPair = await client.createOrder('ADA/BTC', 'market', 'buy', 100);

    // Assess
    expect(over.name).toBe('DDoSProtection');
    expect(over.message).toContain('EOrder:Rate limit exceeded');
    expect(otherPair.id).toBeTruthy();
  });
});

describe('request stats over HTTP', () => {
  it('gives another process the same counts as the simulator holds, without counting the ask', async () => {
    // Prepare
    const { sim, client } = await simulator('okx');
    await client.loadMarkets();

    // Act
    const read = await fetchRequestStats(sim.url);

    // Assess
    expect(read).toEqual(sim.requestStats());
    expect(read.marketsRequests).toBe(1);
    expect(await fetchRequestStats(sim.url)).toEqual(read);
  });
});

describe.each(exchangeIds)('synthetic markets on %s', (id) => {
  it('lists S0001/BTC and S0002/BTC, and serves S0001 as ADA/BTC one candle later and 3.281 times the price', async () => {
    // Prepare
    const { sim, client } = await simulator(id, { synthetic: 2 });
    const source = sim
      .candles('ADA/BTC')
      .filter((c) => c.time >= start - 20 * 60_000)
      .slice(0, 5);
    const first = source[0];
    if (first === undefined) throw new Error('no ADA/BTC candles at the test time');

    // Act
    const markets = await client.loadMarkets();
    const candles = await client.fetchOHLCV('S0001/BTC', '1m', first.time + 60_000, 5);

    // Assess
    expect(Object.keys(markets)).toEqual(expect.arrayContaining(['S0001/BTC', 'S0002/BTC']));
    expect(sim.isSynthetic('S0001/BTC')).toBe(true);
    expect(sim.isSynthetic('ADA/BTC')).toBe(false);
    expect(candles.slice(0, 5)).toEqual(
      source.map((c) => [
        c.time + 60_000,
        roundToWire(c.open * 3.281),
        roundToWire(c.high * 3.281),
        roundToWire(c.low * 3.281),
        roundToWire(c.close * 3.281),
        c.volume,
      ]),
    );
  });
});

describe('syntheticSymbols', () => {
  it('names N markets S0001 ... with the timeframe and quote of the shipped file each replays, round robin', () => {
    // Act
    const symbols = syntheticSymbols(10);

    // Assess
    expect(symbols.slice(0, 3)).toEqual([
      { symbol: 'S0001/BTC', timeframe: '1m', quote: 'BTC' },
      { symbol: 'S0002/BTC', timeframe: '5m', quote: 'BTC' },
      { symbol: 'S0003/BTC', timeframe: '5m', quote: 'BTC' },
    ]);
    // Eight shipped files share a period; the ninth market replays the first again.
    expect(symbols[8]).toEqual({ symbol: 'S0009/BTC', timeframe: '1m', quote: 'BTC' });
    for (const s of symbols) expect(s.symbol).toMatch(/^[A-Z0-9]{2,12}\/[A-Z0-9]{2,12}$/);
  });

  it('refuses a count that is not a whole number from 0 to 9999', () => {
    expect(() => syntheticSymbols(-1)).toThrow(
      'synthetic markets: must be a whole number from 0 to 9999, got -1',
    );
    expect(() => syntheticSymbols(1.5)).toThrow('got 1.5');
  });

  it('lets a run name a synthetic market among the symbols to serve, and refuses one with another quote', async () => {
    // Act
    const own = await startSimulator({
      clock: new StillClock(),
      symbols: ['LTC/BTC', 'S0003/BTC'],
    });
    const served = own.symbols;
    await own.close();

    // Assess
    expect(served).toEqual(['LTC/BTC', 'S0003/BTC']);
    await expect(
      startSimulator({ clock: new StillClock(), symbols: ['S0003/ETH'] }),
    ).rejects.toThrow('no synthetic market S0003/ETH: market 3 is S0003/BTC');
  });
});
