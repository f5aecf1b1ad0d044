import { type BotConfig, staleLimitMs } from '../config/schema.js';

/** Local runs compress the configured function timeouts tenfold unless told otherwise. */
export const defaultTimeScale = 0.1;

/**
 * The config with every duration of a tick's life multiplied by `scale`: the trade function's
 * timeout and safety margin, and with them the visibility timeout (six function timeouts), the retry
 * delay and the stale limit. A local run then sees timeouts, retries and dead-lettering within a
 * minute instead of a quarter of an hour, in the same ratio as deployed: a retry that would be
 * stale in AWS is stale locally too. The stale limit's default (half the timeframe) is fixed
 * from the shortest timeframe among the symbols. Exchange calls stay bounded by the (scaled)
 * invocation budget. Lambda's minimum useful timeout, 3 s, is the floor of a function timeout.
 *
 * The fan-out function's timeout stays as configured: its work (reading every symbol's health,
 * sending ten messages per batch) grows with the symbols, not with a tick's durations, and
 * nothing else is derived from it. Scaled tenfold, a thousand symbols' fan-out would not fit in
 * its 3 s on this machine, where it fits in the 30 s it has deployed.
 */
export function scaleTimeouts(config: BotConfig, scale: number): BotConfig {
  if (!(scale > 0 && scale <= 1)) {
    throw new RangeError(`time scale must be within (0, 1], got ${scale}`);
  }
  const seconds = (s: number) => Math.max(3, Math.round(s * scale));
  const { timeouts, guards } = config;
  const staleMs = Math.min(...config.symbols.map((s) => staleLimitMs(guards, s.timeframe)));
  return {
    ...config,
    timeouts: {
      ...timeouts,
      tradeFunctionSeconds: seconds(timeouts.tradeFunctionSeconds),
      safetyMarginMs: Math.round(timeouts.safetyMarginMs * scale),
    },
    guards: {
      ...guards,
      retryDelayMs: Math.round(guards.retryDelayMs * scale),
      maxTickLagMs: Math.round(staleMs * scale),
    },
  };
}
