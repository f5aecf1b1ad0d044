import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { exchangeClients } from '../../lib/adapters/exchanges/clients.js';
import { type ExchangeId, exchangeIds } from '../../lib/config/schema.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import {
  type ApiRestrictions,
  type ExchangeSimulator,
  startSimulator,
  tradingOnlyKey,
} from '../../lib/simulator/exchange-simulator.js';
import { wireOf } from '../../lib/simulator/wires.js';
import { preflight } from '../../lib/use-cases/preflight.js';
import { testConfig } from '../helpers/config.js';

const clock = new SimClock(Date.UTC(2018, 0, 20, 12, 0));

/** The exchange simulator speaking `id`'s API, and a preflight through ccxt's real `id` class. */
function simulatorOf(id: ExchangeId) {
  let sim: ExchangeSimulator;
  beforeAll(async () => {
    // Preflights follow each other within moments, above OKX's 5 account/config calls per 2 s;
    // the limits have tests of their own.
    sim = await startSimulator({
      clock,
      symbols: ['LTC/BTC', 'ETC/BTC'],
      wire: wireOf(id),
      rateLimits: false,
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  return {
    get sim() {
      return sim;
    },
    check(config = testConfig({ exchange: { id } }), egressIps?: readonly string[]) {
      const client = exchangeClients[id]({ url: sim.url });
      const exchange = new CcxtExchange({ exchange: client, clock });
      return preflight({
        config,
        market: exchange,
        keys: exchange,
        timeoutMs: 2_000,
        ...(egressIps === undefined ? {} : { egressIps }),
      });
    },
  };
}

const named = (result: Awaited<ReturnType<ReturnType<typeof simulatorOf>['check']>>, n: string) =>
  result.checks.find((c) => c.check === n);

/** What each exchange's key report can say a key may move funds by. */
const fundMoves: Record<ExchangeId, [string, Partial<ApiRestrictions>][]> = {
  binance: [
    ['withdraw', { enableWithdrawals: true }],
    ['make internal transfers', { enableInternalTransfer: true }],
    ['make universal transfers', { permitsUniversalTransfer: true }],
  ],
  okx: [['withdraw', { enableWithdrawals: true }]],
  kraken: [['withdraw', { enableWithdrawals: true }]],
};

describe.each(exchangeIds)(
  'preflight against the %s simulator, through its key permissions',
  (id) => {
    const env = simulatorOf(id);

    it('passes a reachable exchange, listed markets and a trading-only key', async () => {
      env.sim.restrictions = tradingOnlyKey;
      const result = await env.check();
      expect(result.ok).toBe(true);
      expect(result.checks.map((c) => c.check)).toEqual([
        'config',
        'market LTC/BTC',
        'market ETC/BTC',
        'key can read',
        'key can trade spot',
        'key cannot withdraw',
        'key restricted to IPs',
      ]);
    });

    it.each(fundMoves[id])('refuses a key that can %s', async (_what, permission) => {
      env.sim.restrictions = { ...tradingOnlyKey, ...permission };
      const result = await env.check();
      env.sim.restrictions = tradingOnlyKey;
      expect(result.ok).toBe(false);
      expect(named(result, 'key cannot withdraw')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('REFUSED'),
      });
    });

    it('refuses a key that cannot trade spot', async () => {
      env.sim.restrictions = { ...tradingOnlyKey, enableSpotAndMarginTrading: false };
      const result = await env.check();
      env.sim.restrictions = tradingOnlyKey;
      expect(named(result, 'key can trade spot')?.ok).toBe(false);
    });

    it('passes a whitelist that holds every egress IP, and names the IP a whitelist lacks', async () => {
      env.sim.restrictions = { ...tradingOnlyKey, ipList: ['203.0.113.7', '198.51.100.9'] };
      const held = await env.check(undefined, ['203.0.113.7', '198.51.100.9']);
      const lacking = await env.check(undefined, ['203.0.113.7', '192.0.2.44']);
      env.sim.restrictions = tradingOnlyKey;

      expect(held.ok).toBe(true);
      expect(lacking.ok).toBe(false);
      expect(named(lacking, 'key restricted to IPs')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/REFUSED: .*lacks the egress IP 192\.0\.2\.44/),
      });
    });

    it('refuses a key without a whitelist when egress IPs are given', async () => {
      env.sim.restrictions = { ...tradingOnlyKey, ipRestrict: false, ipList: [] };
      const result = await env.check(undefined, ['203.0.113.7']);
      env.sim.restrictions = tradingOnlyKey;
      expect(named(result, 'key restricted to IPs')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('no IP whitelist'),
      });
    });

    it('names a configured market the exchange does not list', async () => {
      const config = testConfig({
        exchange: { id },
        symbols: [{ symbol: 'DOGE/BTC', timeframe: '5m' }],
      });
      const result = await env.check(config);
      expect(result.ok).toBe(false);
      expect(named(result, 'market DOGE/BTC')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('DOGE/BTC'),
      });
    });

    it('fails when the exchange does not answer', async () => {
      env.sim.setFault('*', { kind: 'http5xx', rate: 1 });
      const result = await env.check();
      env.sim.setFault('*', undefined);
      expect(result.ok).toBe(false);
      expect(named(result, 'market LTC/BTC')?.detail).toMatch(/Unavailable/);
    });
  },
);

describe('preflight against the binance simulator, on the whitelist binance requires', () => {
  const env = simulatorOf('binance');

  it('refuses a key without a whitelist even when no egress IP is given', async () => {
    env.sim.restrictions = { ...tradingOnlyKey, ipRestrict: false, ipList: [] };
    const result = await env.check();
    env.sim.restrictions = tradingOnlyKey;
    expect(named(result, 'key restricted to IPs')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('binance deletes a trading key without an IP whitelist'),
    });
  });
});

describe('preflight against the okx simulator, where the whitelist is advised', () => {
  const env = simulatorOf('okx');

  it('passes a key without a whitelist when no egress IP is given, recommending one', async () => {
    env.sim.restrictions = { ...tradingOnlyKey, ipRestrict: false, ipList: [] };
    const result = await env.check();
    env.sim.restrictions = tradingOnlyKey;
    expect(result.ok).toBe(true);
    expect(named(result, 'key restricted to IPs')?.detail).toMatch(/^no \(recommended/);
  });
});

describe('preflight against the kraken simulator, whose allowlist may hold ranges', () => {
  const env = simulatorOf('kraken');

  it('passes an egress IP inside a listed range and refuses one outside it', async () => {
    env.sim.restrictions = { ...tradingOnlyKey, ipList: ['203.0.113.0/28'] };
    const inside = await env.check(undefined, ['203.0.113.7']);
    const outside = await env.check(undefined, ['203.0.113.17']);
    env.sim.restrictions = tradingOnlyKey;

    expect(named(inside, 'key restricted to IPs')?.ok).toBe(true);
    expect(named(outside, 'key restricted to IPs')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('lacks the egress IP 203.0.113.17'),
    });
  });
});
