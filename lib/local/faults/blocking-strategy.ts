import type { Strategy } from '../../domain/strategies/strategy.js';

/**
 * The failure tickfan exists to contain: a strategy whose first candle busy-waits forever,
 * blocking its thread synchronously, as a blocking call inside a trading loop does. It exists
 * only for fault runs (`npm start -- --fault block:SYMBOL`); only the local runtime enables it.
 */
export function blockingStrategy(inner: Strategy): Strategy {
  return {
    name: inner.name,
    warmup: inner.warmup,
    start() {
      return {
        next() {
          const spin = Date.now;
          // Nothing in this thread runs again: no timer, no I/O, no await. Only a kill ends it.
          while (spin() > 0) {
            // busy
          }
          throw new Error('unreachable');
        },
      };
    },
  };
}
