import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { DynamoMarketStore } from '../adapters/dynamo-market-store.js';
import type { FunctionEnv } from '../config/env.js';
import { createRedactor } from '../domain/redact.js';
import { marketsServiceName } from '../metrics/catalogue.js';
import type { Clock } from '../ports/clock.js';
import type { MarketCatalogue, MarketStore } from '../ports/market-store.js';
import { type RefreshMarketsResult, refreshMarkets } from '../use-cases/refresh-markets.js';

/** The adapters a markets handler runs on. */
export interface MarketsHandlerParts {
  readonly env: FunctionEnv;
  readonly clock: Clock;
  /** The exchange's market list (the ccxt adapter, without keys: markets are public). */
  readonly catalogue: MarketCatalogue;
  /** Where the rules go; default the state table named in the environment. */
  readonly store?: MarketStore;
}

/**
 * Builds the markets function's handler: each scheduled invocation (every
 * `markets.refreshMinutes`) fetches the exchange's markets once and stores one item per configured
 * symbol, disabled ones included (a disabled symbol may still hold a position to protect). The
 * fetch gets half of the invocation's time, the writes the rest. A failure is thrown, so that
 * Lambda counts it; the stored items stay as the last refresh left them.
 */
export function createMarketsHandler(parts: MarketsHandlerParts) {
  const { env, clock } = parts;
  const logger = new Logger({
    serviceName: marketsServiceName,
    jsonReplacerFn: createRedactor().jsonReplacer,
  });
  const store = parts.store ?? new DynamoMarketStore({ tableName: env.tableName });
  const symbols = env.config.symbols.map((s) => s.symbol);
  return middy<unknown, RefreshMarketsResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (_event, context) => {
      const left = context.getRemainingTimeInMillis() - env.config.timeouts.safetyMarginMs;
      const result = await refreshMarkets(
        { catalogue: parts.catalogue, store, clock },
        { symbols, timeoutMs: Math.floor(left / 2) },
      );
      if (result.delisted.length > 0) {
        logger.warn('configured symbols the exchange does not trade', {
          delisted: result.delisted,
        });
      }
      logger.info('markets refreshed', { result });
      return result;
    });
}
