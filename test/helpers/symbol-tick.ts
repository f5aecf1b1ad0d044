import type { BotConfig } from '../../lib/config/schema.js';
import { testConfig } from './config.js';
import {
  candleSeries,
  FakeBroker,
  FakeClock,
  FakeMarketData,
  InMemoryStore,
  RecordingMetrics,
} from './fakes.js';

/** A 5m tick's timing: scheduled at noon, deciding on the candle that just closed. */
export const tf = 300_000;
export const scheduledAt = Date.UTC(2018, 0, 20, 12, 0);
/** The candle a tick at `scheduledAt` decides on: the one that just closed. */
export const lastClosed = scheduledAt - tf;
/** sma-cross fast 2 / slow 4: the last candle is a cross up (an entry) ... */
export const crossUp = [5, 5, 5, 5, 5, 6];
/** ... or, with two more, a cross down (an exit). */
export const crossDown = [5, 5, 5, 5, 5, 6, 4, 3];

/**
 * The ports of one LTC/BTC symbol tick on in-memory fakes, the candles ending in `closes`, and
 * its input: started 2 s after its scheduled time, with 25 s of invocation left.
 */
export function symbolTickSetup(
  closes: number[] = crossUp,
  options: { startsAt?: number; config?: BotConfig } = {},
) {
  const clock = new FakeClock(options.startsAt ?? scheduledAt + 2_000);
  const deps = {
    market: new FakeMarketData(candleSeries(closes, lastClosed)),
    broker: new FakeBroker(),
    store: new InMemoryStore(),
    clock,
    sleep: clock.sleep,
    metrics: new RecordingMetrics(),
    config: options.config ?? testConfig(),
  };
  const input = { tick: { symbol: 'LTC/BTC', scheduledAt }, remainingMs: () => 25_000 };
  return { deps, input, clock };
}
