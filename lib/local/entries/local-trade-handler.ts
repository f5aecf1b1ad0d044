/**
 * The trade function as the local runtime runs it: the deployed handler (`createTradeHandler`)
 * wired to the exchange simulator instead of the real exchange, with the simulator as the broker
 * (it holds no money), on the simulated clock the worker sets per invocation, and with
 * `--fault block` applied. One entry per exchange (`trade-<exchange>.ts`) calls it with its
 * client factory, and `lib/local/build.ts` bundles that entry with the deployed bundle options.
 */
import { CcxtExchange } from '../../adapters/ccxt-exchange.js';
import { createRateBudget } from '../../adapters/dynamo-rate-budget.js';
import type { ExchangeClientFactory } from '../../adapters/exchanges/client-options.js';
import { SystemClock } from '../../adapters/system-clock.js';
import { readFunctionEnv } from '../../config/env.js';
import { createTradeHandler, pauseOnThrottle } from '../../handlers/trade-handler.js';
import { blockingMarket } from '../faults/blocking-market.js';
import { localEnvNames } from '../lambda-protocol.js';
import { LoopbackNotifier } from '../notifier-client.js';

/** The local trade handler on the simulator, through the client `createClient` makes. */
export async function createLocalTradeHandler(createClient: ExchangeClientFactory) {
  const env = readFunctionEnv();
  const exchangeUrl = process.env[localEnvNames.exchangeUrl];
  if (!exchangeUrl) {
    // Without it the client would reach the real exchange; a local run never does.
    throw new Error(
      `${localEnvNames.exchangeUrl} is not set: the local trade function needs the simulator`,
    );
  }
  const blocked = (process.env[localEnvNames.blockSymbols] ?? '').split(',').filter(Boolean);
  const clock = new SystemClock(() => {
    const offset = Number(process.env[localEnvNames.clockOffsetMs] ?? 0);
    return Number.isFinite(offset) ? offset : 0;
  });
  const budget = createRateBudget({ tableName: env.tableName, config: env.config, clock });
  const exchange = new CcxtExchange({
    exchange: createClient({ url: exchangeUrl }),
    clock,
    ...(budget === undefined ? {} : { onThrottle: pauseOnThrottle(budget, clock) }),
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
