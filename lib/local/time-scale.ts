import type { BotConfig } from '../config/schema.js';

/** Local runs compress the configured function timeouts tenfold unless told otherwise. */
export const defaultTimeScale = 0.1;

/**
 * The config with its function timeouts and safety margin multiplied by `scale`, so that a
 * local run sees timeouts, retries (the visibility timeout is six function timeouts) and
 * dead-lettering within a minute instead of a quarter of an hour. Exchange calls stay bounded
 * by the (scaled) invocation budget. Lambda's minimum useful timeout, 3 s, is the floor.
 */
export function scaleTimeouts(config: BotConfig, scale: number): BotConfig {
  if (!(scale > 0 && scale <= 1)) {
    throw new RangeError(`time scale must be within (0, 1], got ${scale}`);
  }
  const seconds = (s: number) => Math.max(3, Math.round(s * scale));
  const { timeouts } = config;
  return {
    ...config,
    timeouts: {
      ...timeouts,
      tradeFunctionSeconds: seconds(timeouts.tradeFunctionSeconds),
      fanOutFunctionSeconds: seconds(timeouts.fanOutFunctionSeconds),
      safetyMarginMs: Math.round(timeouts.safetyMarginMs * scale),
    },
  };
}
