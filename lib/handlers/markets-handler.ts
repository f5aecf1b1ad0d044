import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { DynamoMarketStore } from '../adapters/dynamo-market-store.js';
import { DynamoStateStore } from '../adapters/dynamo-state-store.js';
import type { FunctionEnv } from '../config/env.js';
import { enabledSelectors, fixedSymbols, staleLimitMs } from '../config/schema.js';
import type { PairSettings } from '../domain/pair-selection.js';
import { createRedactor } from '../domain/redact.js';
import { marketsServiceName } from '../metrics/catalogue.js';
import type { Clock } from '../ports/clock.js';
import type { MarketCatalogue, MarketStore } from '../ports/market-store.js';
import type { TickerSource } from '../ports/ticker-source.js';
import { type RefreshMarketsResult, refreshMarkets } from '../use-cases/refresh-markets.js';

/** The adapters a markets handler runs on. */
export interface MarketsHandlerParts {
  readonly env: FunctionEnv;
  readonly clock: Clock;
  /**
   * The exchange's market list and tickers (the ccxt adapter, without keys: both are public).
   */
  readonly catalogue: MarketCatalogue & TickerSource;
  /** Where the rules go; default the state table named in the environment. */
  readonly store?: MarketStore;
}

/**
 * Builds the markets function's handler: each scheduled invocation (every
 * `markets.refreshMinutes`) picks the pairs of the volume selectors from one tickers request and
 * fetches the exchange's markets once, then stores one item per traded symbol, disabled ones
 * included (a disabled symbol may still hold a position to protect). The fetches get half of the
 * invocation's time, the writes the rest. A failure is thrown, so that Lambda counts it; the
 * stored items and selection stay as the last refresh left them.
 */
export function createMarketsHandler(parts: MarketsHandlerParts) {
  const { env, clock } = parts;
  const logger = new Logger({
    serviceName: marketsServiceName,
    jsonReplacerFn: createRedactor().jsonReplacer,
  });
  const store = parts.store ?? new DynamoMarketStore({ tableName: env.tableName });
  const state = new DynamoStateStore({ tableName: env.tableName, clock });
  const symbols = fixedSymbols(env.config).map((s) => s.symbol);
  const { guards, timeouts } = env.config;
  const exitGraceMs = (pair: PairSettings) =>
    staleLimitMs(guards, pair.timeframe) + timeouts.tradeFunctionSeconds * 1000;
  const selectors = enabledSelectors(env.config);
  return middy<unknown, RefreshMarketsResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (_event, context) => {
      const left = context.getRemainingTimeInMillis() - env.config.timeouts.safetyMarginMs;
      const result = await refreshMarkets(
        { catalogue: parts.catalogue, tickers: parts.catalogue, store, state, clock },
        { symbols, selectors, timeoutMs: Math.floor(left / 2), exitGraceMs },
      );
      if (result.delisted.length > 0) {
        logger.warn('configured symbols the exchange does not trade', {
          delisted: result.delisted,
        });
      }
      for (const s of result.selection?.short ?? []) {
        logger.warn(
          `a volume selector found ${s.picked} of its top ${s.top} ${s.quote} pairs on the exchange`,
          { selector: s },
        );
      }
      if ((result.selection?.exitOnly.length ?? 0) > 0) {
        logger.info('pairs that left their volume list, managed until flat', {
          exitOnly: result.selection?.exitOnly,
        });
      }
      logger.info('markets refreshed', { result });
      return result;
    });
}
