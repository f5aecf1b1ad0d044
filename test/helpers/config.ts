import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

let configDir: string | undefined;

/**
 * Writes `config` to a file of its own, as the stack's config layer holds it, and returns the
 * path for `TICKFAN_CONFIG_FILE`. The files live in one temporary directory per test process.
 */
export function writeConfigFile(config: unknown, name = 'config'): string {
  configDir ??= mkdtempSync(join(tmpdir(), 'tickfan-test-config-'));
  const file = join(configDir, `${name}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}
