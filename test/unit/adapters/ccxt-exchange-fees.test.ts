import { describe, expect, it } from 'vitest';
import { CcxtExchange, type ExchangeClient } from '../../../lib/adapters/ccxt-exchange.js';
import { TICK_SIZE } from '../../../node_modules/ccxt/js/src/base/functions/number.js';
import type { Order } from '../../../node_modules/ccxt/js/src/base/types.js';

const clock = { now: () => Date.UTC(2018, 0, 20, 12, 7, 30) };
const market = { symbol: 'LTC/BTC', base: 'LTC', quote: 'BTC', id: 'LTCBTC' };

/** A client whose market buy fills as ccxt's binance parses a FULL reply, fees as given. */
function clientFilling(fees: { cost: number; currency: string }[]): ExchangeClient {
  const order = {
    id: '7',
    clientOrderId: 'tf-b-1',
    status: 'closed',
    amount: 2,
    filled: 2,
    average: 0.01,
    price: 0.01,
    lastTradeTimestamp: clock.now(),
    fees,
    trades: [],
  } as unknown as Order;
  const client: Partial<ExchangeClient> = {
    timeout: 0,
    precisionMode: TICK_SIZE,
    loadMarkets: async () => ({}),
    market: (() => market) as unknown as ExchangeClient['market'],
    createOrder: (async () => order) as unknown as ExchangeClient['createOrder'],
  };
  return client as ExchangeClient;
}

async function buy(fees: { cost: number; currency: string }[]) {
  const exchange = new CcxtExchange({ exchange: clientFilling(fees), clock });
  return exchange.placeMarketOrder({
    symbol: 'LTC/BTC',
    side: 'buy',
    amount: 2,
    clientOrderId: 'tf-b-1',
    referencePrice: 0.01,
    timeoutMs: 1_000,
  });
}

describe('CcxtExchange fees', () => {
  it('values a fee taken in the base at the fill price, and reports the base part apart', async () => {
    // Act: Binance keeps 0.002 LTC of a buy when BNB does not pay the fee
    const report = await buy([{ cost: 0.002, currency: 'LTC' }]);

    // Assess
    expect(report.fee).toBeCloseTo(0.00002, 12);
    expect(report.feeInBase).toBe(0.002);
  });

  it('reports no base part for a fee taken in the quote', async () => {
    // Act
    const report = await buy([{ cost: 0.00002, currency: 'BTC' }]);

    // Assess
    expect(report.fee).toBe(0.00002);
    expect(report.feeInBase).toBeUndefined();
  });
});
