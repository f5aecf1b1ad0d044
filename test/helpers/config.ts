import { type BotConfig, parseConfig } from '../../lib/config/schema.js';

/** A valid config for tests, with overrides merged at the top level. */
export function testConfig(overrides: Record<string, unknown> = {}): BotConfig {
  return parseConfig({
    schedule: { expression: 'rate(5 minutes)' },
    symbols: [
      { symbol: 'LTC/BTC', timeframe: '5m', strategy: 'sma-cross', params: { fast: 2, slow: 4 } },
      { symbol: 'ETC/BTC', timeframe: '5m', strategy: 'sma-cross', params: { fast: 2, slow: 4 } },
    ],
    ...overrides,
  });
}
