import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange, createBinanceClient } from '../../lib/adapters/ccxt-exchange.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import {
  type ExchangeSimulator,
  startSimulator,
  tradingOnlyKey,
} from '../../lib/simulator/exchange-simulator.js';
import { preflight } from '../../lib/use-cases/preflight.js';
import { testConfig } from '../helpers/config.js';

let sim: ExchangeSimulator;
const clock = new SimClock(Date.UTC(2018, 0, 20, 12, 0));

beforeAll(async () => {
  sim = await startSimulator({ clock, symbols: ['LTC/BTC', 'ETC/BTC'] });
});

afterAll(async () => {
  await sim.close();
});

function check(config = testConfig()) {
  const exchange = new CcxtExchange({ exchange: createBinanceClient({ url: sim.url }), clock });
  return preflight({ config, market: exchange, keys: exchange, timeoutMs: 2_000 });
}

describe('preflight against the exchange simulator', () => {
  it('passes a reachable exchange, listed markets and a trading-only key', async () => {
    sim.restrictions = tradingOnlyKey;
    const result = await check();
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

  it.each([
    ['withdraw', { enableWithdrawals: true }],
    ['make internal transfers', { enableInternalTransfer: true }],
    ['make universal transfers', { permitsUniversalTransfer: true }],
  ])('refuses a key that can %s', async (_what, permission) => {
    sim.restrictions = { ...tradingOnlyKey, ...permission };
    const result = await check();
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.check === 'key cannot withdraw')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('REFUSED'),
    });
    sim.restrictions = tradingOnlyKey;
  });

  it('refuses a key that cannot trade spot', async () => {
    sim.restrictions = { ...tradingOnlyKey, enableSpotAndMarginTrading: false };
    expect((await check()).checks.find((c) => c.check === 'key can trade spot')?.ok).toBe(false);
    sim.restrictions = tradingOnlyKey;
  });

  it('names a configured market the exchange does not list', async () => {
    const config = testConfig({ symbols: [{ symbol: 'DOGE/BTC', timeframe: '5m' }] });
    const result = await check(config);
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.check === 'market DOGE/BTC')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('DOGE/BTC'),
    });
  });

  it('fails when the exchange does not answer', async () => {
    sim.setFault('*', { kind: 'http5xx', rate: 1 });
    const result = await check();
    sim.setFault('*', undefined);
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.check === 'market LTC/BTC')?.detail).toMatch(/Unavailable/);
  });
});
