/**
 * The trade function as the local runtime runs it: the deployed handler (`createTradeHandler`)
 * wired to the exchange simulator instead of Binance, with the simulator as the broker (it holds
 * no money), on the simulated clock the worker sets per invocation, and with `--fault block`
 * applied. `lib/local/build.ts` bundles it with the deployed bundle options.
 */
import { CcxtExchange, createBinanceClient } from '../../adapters/ccxt-exchange.js';
import { SystemClock } from '../../adapters/system-clock.js';
import { readFunctionEnv } from '../../config/env.js';
import { createTradeHandler } from '../../handlers/trade-handler.js';
import { blockingMarket } from '../faults/blocking-market.js';
import { localEnvNames } from '../lambda-protocol.js';
import { LoopbackNotifier } from '../notifier-client.js';

const env = readFunctionEnv();
const exchangeUrl = process.env[localEnvNames.exchangeUrl];
if (!exchangeUrl) {
  // Without it the client would reach the real Binance; a local run never does.
  throw new Error(
    `${localEnvNames.exchangeUrl} is not set: the local trade function needs the simulator`,
  );
}
const blocked = (process.env[localEnvNames.blockSymbols] ?? '').split(',').filter(Boolean);
const clock = new SystemClock(() => {
  const offset = Number(process.env[localEnvNames.clockOffsetMs] ?? 0);
  return Number.isFinite(offset) ? offset : 0;
});
const exchange = new CcxtExchange({ exchange: createBinanceClient({ url: exchangeUrl }), clock });
// Trade events go to the run's loopback stand-in for the SNS topic, when it has one.
const notifyUrl = process.env[localEnvNames.notifyUrl];

export const handler = await createTradeHandler({
  env,
  clock,
  market: blocked.length > 0 ? blockingMarket(exchange, blocked) : exchange,
  broker: exchange,
  ...(notifyUrl ? { notifier: new LoopbackNotifier(notifyUrl) } : {}),
});
