import { CcxtExchange } from '../adapters/ccxt-exchange.js';
import { DynamoMarketStore } from '../adapters/dynamo-market-store.js';
import { createRateBudget } from '../adapters/dynamo-rate-budget.js';
import type { ExchangeClientFactory } from '../adapters/exchanges/client-options.js';
import { PaperBroker, stopCandlesFrom } from '../adapters/paper-broker.js';
import { readExchangeKeys } from '../adapters/secrets-manager-keys.js';
import { SystemClock } from '../adapters/system-clock.js';
import { type FunctionEnv, readFunctionEnv } from '../config/env.js';
import { type ExchangeId, fixedSymbol } from '../config/schema.js';
import type { Timeframe } from '../domain/candle.js';
import { exportNameOf, lazyHandler } from './lazy-handler.js';
import { createMarketsHandler } from './markets-handler.js';
import { createTradeHandler, pauseOnThrottle } from './trade-handler.js';

/**
 * The two functions of one exchange's bundle (`functions/trade-<exchange>.ts`): `handler`, the
 * trade function, and `refresh`, the markets function, which share the bundle so that no second
 * bundle holds ccxt. The one this function runs (Lambda's `_HANDLER`) is built at the cold
 * start, the other only if it is ever called.
 */
export async function createDeployedTradeBundle(
  exchangeId: ExchangeId,
  createClient: ExchangeClientFactory,
) {
  const env = readFunctionEnv();
  const trade = () => createDeployedTradeHandler(exchangeId, createClient, env);
  const refresh = async () => createDeployedMarketsHandler(exchangeId, createClient, env);
  const runsRefresh = exportNameOf(env.handler) === 'refresh';
  return {
    handler: runsRefresh ? lazyHandler(trade) : await trade(),
    refresh: runsRefresh ? await refresh() : lazyHandler(refresh),
  };
}

/**
 * The deployed markets function on exchange `exchangeId`: the exchange's public market list,
 * fetched without keys (the function may not read the secret), stored for the trade function.
 */
export function createDeployedMarketsHandler(
  exchangeId: ExchangeId,
  createClient: ExchangeClientFactory,
  env: FunctionEnv = readFunctionEnv(),
) {
  refuseOtherExchange(exchangeId, env);
  const clock = new SystemClock();
  return createMarketsHandler({
    env,
    clock,
    catalogue: new CcxtExchange({ exchange: createClient({}), clock }),
  });
}

function refuseOtherExchange(exchangeId: ExchangeId, env: FunctionEnv): void {
  if (env.config.exchange.id !== exchangeId) {
    throw new Error(
      `this function is built for ${exchangeId}, but exchange.id is ${env.config.exchange.id}: deploy the stack again`,
    );
  }
}

/**
 * The deployed trade function on exchange `exchangeId`, whose ccxt client `createClient` makes:
 * each `functions/trade-<exchange>.ts` entry calls this with its own exchange's factory, so its
 * bundle holds that exchange's ccxt class and no other.
 *
 * 1. Refuse a config for another exchange than the bundle's.
 * 2. In live mode, read the keys from Secrets Manager straight into the client: never into the
 *    environment, a log line or an error message.
 * 3. Build the handler: market rules from the markets store, orders to the exchange in live
 *    mode, to the paper broker otherwise, all of its exchange calls drawn from the rate budget
 *    the exchange's 429s pause.
 */
export async function createDeployedTradeHandler(
  exchangeId: ExchangeId,
  createClient: ExchangeClientFactory,
  env: FunctionEnv = readFunctionEnv(),
) {
  refuseOtherExchange(exchangeId, env);
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
    // Each symbol's rules from the markets function's items: no markets request at cold start.
    storedMarkets: {
      store: new DynamoMarketStore({ tableName: env.tableName }),
      maxAgeMs: env.config.markets.refreshMinutes * 60_000,
    },
    ...(budget === undefined ? {} : { onThrottle: pauseOnThrottle(budget, clock) }),
  });
  // The timeframes of the selected pairs this container has ticked: their config is their tick's.
  const pairTimeframes = new Map<string, Timeframe>();
  return createTradeHandler({
    env,
    clock,
    onPairTick: (symbol, pair) => pairTimeframes.set(symbol, pair.timeframe),
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
          stopCandles: stopCandlesFrom(
            exchange,
            (symbol) =>
              fixedSymbol(env.config, symbol)?.timeframe ?? pairTimeframes.get(symbol) ?? '1m',
          ),
        }),
  });
}
