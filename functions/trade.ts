import { CcxtExchange, createBinanceClient } from '../lib/adapters/ccxt-exchange.js';
import { PaperBroker, stopCandlesFrom } from '../lib/adapters/paper-broker.js';
import { readExchangeKeys } from '../lib/adapters/secrets-manager-keys.js';
import { SystemClock } from '../lib/adapters/system-clock.js';
import { readFunctionEnv } from '../lib/config/env.js';
import { createTradeHandler } from '../lib/handlers/trade-handler.js';

const env = readFunctionEnv();
const clock = new SystemClock();
const live = env.config.exchange.mode === 'live';
const secretName = env.secretName ?? env.config.exchange.secretName;
if (live && secretName === undefined) throw new Error('live mode needs exchange.secretName');
// Live keys come from Secrets Manager at cold start, straight into the client: never into
// the environment, a log line or an error message.
const keys = live && secretName ? await readExchangeKeys(secretName) : undefined;
const exchange = new CcxtExchange({ exchange: createBinanceClient(keys ?? {}), clock });

/**
 * The trade function: an SQS batch of symbol ticks, or a direct `{ symbol, at?, rerun? }`
 * invocation. Orders go to the exchange only in live mode, and to the paper broker otherwise.
 */
export const handler = await createTradeHandler({
  env,
  clock,
  market: exchange,
  secrets: keys ? [keys.apiKey, keys.secret] : [],
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
