import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../lib/config/load.js';
import { ConfigError, concurrencyWarning, parseConfig } from '../../../lib/config/schema.js';

const base = { symbols: [{ symbol: 'LTC/BTC', timeframe: '5m' }] };

describe('parseConfig', () => {
  it('is safe by default: paper mode, sma-cross 10/30', () => {
    const config = parseConfig(base);
    expect(config.exchange.mode).toBe('paper');
    expect(config.symbols[0]?.strategy).toBe('sma-cross');
    expect(config.timeouts.tradeFunctionSeconds).toBe(30);
  });

  it('accepts the shipped cdk.json', () => {
    expect(loadConfigFile('cdk.json').symbols.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    [{ symbols: [{ symbol: 'LTC/BTC', timeframe: '7m' }] }, 'symbols[0].timeframe', '"7m"'],
    [{ symbols: [{ symbol: 'ltcbtc', timeframe: '5m' }] }, 'symbols[0].symbol', '"ltcbtc"'],
    [
      { symbols: [{ symbol: 'LTC/BTC', timeframe: '5m', params: { fast: 40, slow: 30 } }] },
      'symbols[0].params.fast',
      'fast must be less than slow',
    ],
    [{ ...base, exchange: { mode: 'yolo' } }, 'exchange.mode', '"yolo"'],
    [{ ...base, exchange: { mode: 'live' } }, 'exchange.secretName', 'required in live mode'],
    [{ ...base, risk: { stakePerTrade: -1 } }, 'risk.stakePerTrade', '-1'],
    [
      { ...base, schedule: { expression: 'every minute' } },
      'schedule.expression',
      '"every minute"',
    ],
    [
      {
        symbols: [{ symbol: 'LTC/BTC', timeframe: '1m' }],
        schedule: { expression: 'rate(5 minutes)' },
      },
      'symbols[0].timeframe',
      'not a multiple of the schedule',
    ],
    [{ symbols: [base.symbols[0], base.symbols[0]] }, 'symbols[1].symbol', 'listed twice'],
    [{ ...base, surprise: 1 }, '(root)', 'surprise'],
  ])('names the bad field and value: %#', (raw, field, text) => {
    let error: unknown;
    try {
      parseConfig(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${field}:`);
    expect((error as Error).message).toContain(text);
  });
});

describe('concurrencyWarning', () => {
  const symbols = (n: number, disabled = 0) =>
    Array.from({ length: n }, (_, i) => ({
      symbol: `C${i}/BTC`,
      timeframe: '5m',
      enabled: i >= disabled,
    }));

  it('warns when fewer concurrency slots than enabled symbols, naming both and the fix', () => {
    const config = parseConfig({ symbols: symbols(12), queue: { maxConcurrency: 10 } });

    expect(concurrencyWarning(config)).toMatch(
      /^queue\.maxConcurrency is 10 for 12 enabled symbols: .* at least 12 /,
    );
  });

  it('is quiet with a slot per enabled symbol, disabled symbols not counted', () => {
    expect(concurrencyWarning(parseConfig({ symbols: symbols(10) }))).toBeUndefined();
    const someOff = parseConfig({ symbols: symbols(12, 2), queue: { maxConcurrency: 10 } });
    expect(concurrencyWarning(someOff)).toBeUndefined();
  });
});
