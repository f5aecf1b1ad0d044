import { CcxtExchange } from '../adapters/ccxt-exchange.js';
import { createRateBudget } from '../adapters/dynamo-rate-budget.js';
import type { ExchangeClientFactory } from '../adapters/exchanges/client-options.js';
import { PaperBroker, stopCandlesFrom } from '../adapters/paper-broker.js';
import { readExchangeKeys } from '../adapters/secrets-manager-keys.js';
import { SystemClock } from '../adapters/system-clock.js';
import { readFunctionEnv } from '../config/env.js';
import type { ExchangeId } from '../config/schema.js';
import { createTradeHandler, pauseOnThrottle } from './trade-handler.js';

/**
 * The deployed trade function on exchange `exchangeId`, whose ccxt client `createClient` makes:
 * each `functions/trade-<exchange>.ts` entry calls this with its own exchange's factory, so its
 * bundle holds that exchange's ccxt class and no other.
 *
 * 1. Read the environment and refuse a config for another exchange than the bundle's.
 * 2. In live mode, read the keys from Secrets Manager straight into the client: never into the
 *    environment, a log line or an error message.
 * 3. Build the handler: orders to the exchange in live mode, to the paper broker otherwise, all
 *    of its exchange calls drawn from the rate budget the exchange's 429s pause.
 */
export async function createDeployedTradeHandler(
  exchangeId: ExchangeId,
  createClient: ExchangeClientFactory,
) {
  const env = readFunctionEnv();
  if (env.config.exchange.id !== exchangeId) {
    throw new Error(
      `this trade function is built for ${exchangeId}, but exchange.id is ${env.config.exchange.id}: deploy the stack again`,
    );
  }
  const clock = new SystemClock();
  const live = env.config.exchange.mode === 'live';
  const secretName = env.secretName ?? env.config.exchange.secretName;
  if (live && secretName === undefined) throw new Error('live mode needs exchange.secretName');
  const keys =
    live && secretName
      ? await readExchangeKeys(secretName, undefined, { requirePassword: exchangeId === 'okx' })
      : undefined;
  const budget = createRateBudget({ tableName: env.tableName, config: env.config, clock });
  const exchange = new CcxtExchange({
    exchange: createClient(keys ?? {}),
    clock,
    ...(budget === undefined ? {} : { onThrottle: pauseOnThrottle(budget, clock) }),
  });
  return createTradeHandler({
    env,
    clock,
    ...(budget === undefined ? {} : { budget }),
    market: exchange,
    secrets: keys ? [keys.apiKey, keys.secret, ...(keys.password ? [keys.password] : [])] : [],
    broker: live
      ? exchange
      : new PaperBroker({
          tableName: env.tableName,
          feeRate: env.config.paper.feeRate,
          balances: env.config.paper.balances,
          // Paper stops trigger on the exchange's own candles of each symbol's timeframe.
          stopCandles: stopCandlesFrom(exchange, (symbol) => {
            const found = env.config.symbols.find((s) => s.symbol === symbol);
            return found?.timeframe ?? '1m';
          }),
        }),
  });
}
