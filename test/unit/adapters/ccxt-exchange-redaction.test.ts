import { describe, expect, it } from 'vitest';
import { CcxtExchange, type ExchangeClient } from '../../../lib/adapters/ccxt-exchange.js';
import { maxLoggedBytes } from '../../../lib/domain/redact.js';
import { ExchangeUnavailableError } from '../../../lib/ports/market-data.js';
import {
  AuthenticationError,
  ExchangeNotAvailable,
} from '../../../node_modules/ccxt/js/src/base/errors.js';

const apiKey = 'kXr2Vb8Nq4Lm7Tz1Wc9Hs3Jd6Gp0Ue5Ko8Wi2Oa7Tl4Vn9Qs1Xf6Cz3Bm5Ah8E';
const secret = 'sYt6Lq3Nw8Zr1Tb5Mk9Vc2Hy7Jd4Gp0Ue6Ko1Wi3Oa8Tl5Vn2Qs9Xf4Cz7Bm1A';
const password = 'okx-passphrase-1';

/**
 * A client holding keys whose every candle request fails with `error`: what an exchange that
 * echoes a credential, or answers with a huge page, looks like to the adapter.
 */
function failingClient(error: Error): ExchangeClient {
  const client: Partial<ExchangeClient> = {
    apiKey,
    secret,
    password,
    timeout: 0,
    loadMarkets: async () => ({}),
    market: (() => ({})) as unknown as ExchangeClient['market'],
    fetchOHLCV: async () => {
      throw error;
    },
  };
  return client as ExchangeClient;
}

const clock = { now: () => Date.UTC(2018, 0, 20, 12, 7, 30) };

async function candleFailure(error: Error): Promise<Error> {
  const exchange = new CcxtExchange({ exchange: failingClient(error), clock });
  return exchange
    .fetchCandles({ symbol: 'LTC/BTC', timeframe: '5m', limit: 3, timeoutMs: 1_000 })
    .then(
      () => {
        throw new Error('expected the call to fail');
      },
      (thrown: unknown) => thrown as Error,
    );
}

describe('CcxtExchange error redaction', () => {
  it('replaces the key values the client holds wherever the exchange echoes them', async () => {
    // Prepare
    const echo = new ExchangeNotAvailable(
      `binance {"msg":"key ${apiKey} secret ${secret} passphrase ${password} not allowed"}`,
    );

    // Act
    const error = await candleFailure(echo);

    // Assess
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(error.message).toBe(
      'fetchCandles(LTC/BTC 5m): binance {"msg":"key *** secret *** passphrase *** not allowed"}',
    );
    for (const text of [error.stack, echo.message, echo.stack]) {
      for (const value of [apiKey, secret, password]) expect(text).not.toContain(value);
    }
  });

  it('redacts an error it passes on as ccxt threw it, such as bad credentials', async () => {
    // Prepare
    const refused = new AuthenticationError(
      `binance GET https://api.binance.com/api/v3/account?timestamp=1&signature=9f2c41 {"code":-2015,"msg":"Invalid API-key ${apiKey}"}`,
    );

    // Act
    const error = await candleFailure(refused);

    // Assess
    expect(error).toBe(refused);
    expect(error.message).toBe(
      'binance GET https://api.binance.com/api/v3/account?timestamp=1&signature=*** {"code":-2015,"msg":"Invalid API-key ***"}',
    );
  });

  it('cuts a huge response body in the error and its cause to 2 KB, saying what it left out', async () => {
    // Prepare
    const page = `<html>${'x'.repeat(100 * 1024)}</html>`;
    const broken = new ExchangeNotAvailable(
      `binance GET https://api.binance.com/api/v3/klines 502 ${page}`,
    );

    // Act
    const error = await candleFailure(broken);

    // Assess
    for (const text of [error.message, broken.message]) {
      expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(maxLoggedBytes + 20);
      expect(text).toMatch(/…\(\+\d+ bytes\)$/);
    }
    expect(broken.stack?.length).toBeLessThan(maxLoggedBytes + 2_000);
  });
});
