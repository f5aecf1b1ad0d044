/**
 * The trade function as the local runtime runs it: the deployed handler (`createTradeHandler`)
 * wired to the exchange simulator instead of the real exchange, with the simulator as the broker
 * (it holds no money), on the simulated clock the worker sets per invocation, and with
 * `--fault block` applied. One entry per exchange (`trade-<exchange>.ts`) calls it with its
 * client factory, and `lib/local/build.ts` bundles that entry with the deployed bundle options.
 */
import { CcxtExchange } from '../../adapters/ccxt-exchange.js';
import { DynamoMarketStore } from '../../adapters/dynamo-market-store.js';
import { createRateBudget } from '../../adapters/dynamo-rate-budget.js';
import type { ExchangeClientFactory } from '../../adapters/exchanges/client-options.js';
import { SystemClock } from '../../adapters/system-clock.js';
import { type FunctionEnv, readFunctionEnv } from '../../config/env.js';
import { exportNameOf, lazyHandler } from '../../handlers/lazy-handler.js';
import { createMarketsHandler } from '../../handlers/markets-handler.js';
import { createTradeHandler, pauseOnThrottle } from '../../handlers/trade-handler.js';
import { blockingMarket } from '../faults/blocking-market.js';
import { localEnvNames } from '../lambda-protocol.js';
import { LoopbackNotifier } from '../notifier-client.js';

/**
 * The local bundle's two functions, as the deployed bundle has them: `handler` (trade) and
 * `refresh` (markets), the one the container runs (its `_HANDLER`, set by the worker shim) built
 * at the cold start.
 */
export async function createLocalTradeBundle(createClient: ExchangeClientFactory) {
  const env = readFunctionEnv();
  const trade = () => createLocalTradeHandler(createClient, env);
  const refresh = async () => createLocalMarketsHandler(createClient, env);
  const runsRefresh = exportNameOf(env.handler) === 'refresh';
  return {
    handler: runsRefresh ? lazyHandler(trade) : await trade(),
    refresh: runsRefresh ? await refresh() : lazyHandler(refresh),
  };
}

/** The simulator's URL; without it the client would reach the real exchange. */
function simulatorUrl(): string {
  const exchangeUrl = process.env[localEnvNames.exchangeUrl];
  if (!exchangeUrl) {
    throw new Error(
      `${localEnvNames.exchangeUrl} is not set: the local trade function needs the simulator`,
    );
  }
  return exchangeUrl;
}

/** The clock the worker moves to the simulated time of each invocation. */
function simulatedClock(): SystemClock {
  return new SystemClock(() => {
    const offset = Number(process.env[localEnvNames.clockOffsetMs] ?? 0);
    return Number.isFinite(offset) ? offset : 0;
  });
}

/** The local markets function: the simulator's markets, stored in the local state table. */
function createLocalMarketsHandler(createClient: ExchangeClientFactory, env: FunctionEnv) {
  const clock = simulatedClock();
  const exchange = new CcxtExchange({ exchange: createClient({ url: simulatorUrl() }), clock });
  return createMarketsHandler({ env, clock, catalogue: exchange });
}

/** The local trade handler on the simulator, through the client `createClient` makes. */
export async function createLocalTradeHandler(
  createClient: ExchangeClientFactory,
  env: FunctionEnv = readFunctionEnv(),
) {
  const exchangeUrl = simulatorUrl();
  const blocked = (process.env[localEnvNames.blockSymbols] ?? '').split(',').filter(Boolean);
  const clock = simulatedClock();
  const budget = createRateBudget({ tableName: env.tableName, config: env.config, clock });
  const exchange = new CcxtExchange({
    exchange: createClient({ url: exchangeUrl }),
    clock,
    ...(budget === undefined ? {} : { onThrottle: pauseOnThrottle(budget, clock) }),
    storedMarkets: {
      store: new DynamoMarketStore({ tableName: env.tableName }),
      maxAgeMs: env.config.markets.refreshMinutes * 60_000,
    },
  });
  // Trade events go to the run's loopback stand-in for the SNS topic, when it has one.
  const notifyUrl = process.env[localEnvNames.notifyUrl];

  return createTradeHandler({
    env,
    clock,
    market: blocked.length > 0 ? blockingMarket(exchange, blocked) : exchange,
    broker: exchange,
    ...(budget === undefined ? {} : { budget }),
    ...(notifyUrl ? { notifier: new LoopbackNotifier(notifyUrl) } : {}),
  });
}
