import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../lib/config/load.js';
import {
  ConfigError,
  concurrencyWarning,
  fixedSymbols,
  parseConfig,
  rateBudgetWarning,
  retryTimingWarning,
  tradedPairCount,
} from '../../../lib/config/schema.js';

const base = { symbols: [{ symbol: 'LTC/BTC', timeframe: '5m' }] };

describe('parseConfig', () => {
  it('is safe by default: paper mode, sma-cross 10/30', () => {
    const config = parseConfig(base);
    expect(config.exchange.mode).toBe('paper');
    expect(config.symbols[0]?.strategy).toBe('sma-cross');
    expect(config.timeouts.tradeFunctionSeconds).toBe(30);
  });

  it('takes a trailing stop and a roi table, both off by default', () => {
    expect(parseConfig(base).risk).toMatchObject({ stoplossPct: 0.1 });
    expect(parseConfig(base).risk.trailingStopPct).toBeUndefined();
    expect(parseConfig(base).risk.roi).toBeUndefined();
    const risk = { trailingStopPct: 0.03, roi: { '0': 0.05, '60': 0.02, '240': 0 } };
    expect(parseConfig({ ...base, risk }).risk).toMatchObject(risk);
  });

  it('names every symbol that shares the same bad params, and every window too long', () => {
    const bad = { fast: 30, slow: 10 };
    const long = { fast: 10, slow: 1200 };
    const symbols = ['LTC/BTC', 'ETC/BTC', 'XLM/BTC'].map((symbol, i) => ({
      symbol,
      timeframe: '5m',
      params: i < 2 ? bad : long,
    }));
    const fourth = { symbol: 'ZEC/BTC', timeframe: '5m', params: long };
    let issues: readonly { path: string }[] = [];
    try {
      parseConfig({ symbols: [...symbols, fourth] });
    } catch (error) {
      issues = (error as ConfigError).issues;
    }

    const paths = issues.map((i) => i.path);
    expect(paths.filter((p) => /^symbols\[[01]\]\.params/.test(p))).toHaveLength(2);
    expect(paths).toEqual(expect.arrayContaining(['symbols[2].params', 'symbols[3].params']));
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
    [{ ...base, risk: { trailingStopPct: 1.5 } }, 'risk.trailingStopPct', '1.5'],
    [{ ...base, risk: { roi: { '1h': 0.02 } } }, 'risk.roi.1h', 'whole minutes held'],
    [{ ...base, risk: { roi: { '60': 'a lot' } } }, 'risk.roi.60', 'a lot'],
    [{ ...base, risk: { roi: {} } }, 'risk.roi', 'at least one'],
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

describe('parseConfig refuses a config under which no tick could trade', () => {
  const fiveMinutes = (expression: string, timezone = 'UTC') => ({
    ...base,
    schedule: { expression, timezone },
  });
  const hourly = (expression: string, timezone: string) => ({
    symbols: [{ symbol: 'LTC/BTC', timeframe: '1h' }],
    schedule: { expression, timezone },
  });

  describe.each([
    [
      'a cron minute out of range',
      fiveMinutes('cron(99 99 99 99 99 99)'),
      'schedule.expression',
      'minutes field "99"',
    ],
    [
      'a cron hour out of range',
      fiveMinutes('cron(0/5 24 * * ? *)'),
      'schedule.expression',
      'hours field "24"',
    ],
    [
      'a cron day of month out of range',
      fiveMinutes('cron(0/5 * 32 * ? *)'),
      'schedule.expression',
      'day-of-month field "32"',
    ],
    [
      'an unknown month name',
      fiveMinutes('cron(0/5 * ? FOO MON *)'),
      'schedule.expression',
      'month field "FOO"',
    ],
    [
      'a day of week 0',
      fiveMinutes('cron(0/5 * ? * 0 *)'),
      'schedule.expression',
      'day-of-week field "0"',
    ],
    [
      'a year before 1970',
      fiveMinutes('cron(0/5 * * * ? 1969)'),
      'schedule.expression',
      'year field "1969"',
    ],
    [
      'five cron fields',
      fiveMinutes('cron(*/5 * * * ?)'),
      'schedule.expression',
      'six cron fields',
    ],
    [
      '* in both day fields',
      fiveMinutes('cron(*/5 * * * * *)'),
      'schedule.expression',
      'exactly one of day-of-month and day-of-week',
    ],
    [
      '? in both day fields',
      fiveMinutes('cron(*/5 * ? * ? *)'),
      'schedule.expression',
      'exactly one of day-of-month and day-of-week',
    ],
    ['? in the minutes', fiveMinutes('cron(? * * * ? *)'), 'schedule.expression', 'cannot be ?'],
    [
      'an increment in the day of week',
      fiveMinutes('cron(0/5 * ? * 1/2 *)'),
      'schedule.expression',
      'cannot use / increments',
    ],
    [
      'an increment of 0',
      fiveMinutes('cron(*/0 * * * ? *)'),
      'schedule.expression',
      'increment "0"',
    ],
    [
      'a backwards range',
      fiveMinutes('cron(0/5 9-5 * * ? *)'),
      'schedule.expression',
      'backwards range 9-5',
    ],
    ['# in a list', fiveMinutes('cron(0/5 * ? * 3#1,6#3 *)'), 'schedule.expression', 'one day#n'],
    [
      'a 6th weekday of the month',
      fiveMinutes('cron(0/5 * ? * 3#6 *)'),
      'schedule.expression',
      '# 6',
    ],
    ['rate(0 minutes)', fiveMinutes('rate(0 minutes)'), 'schedule.expression', 'at least 1'],
    ['rate(1 minutes)', fiveMinutes('rate(1 minutes)'), 'schedule.expression', 'rate(1 minute)'],
    ['rate(5 minute)', fiveMinutes('rate(5 minute)'), 'schedule.expression', 'rate(5 minutes)'],
    [
      'rate in seconds',
      fiveMinutes('rate(30 seconds)'),
      'schedule.expression',
      '"rate(30 seconds)"',
    ],
    [
      'a cron that skips 5m closes',
      fiveMinutes('cron(*/7 * * * ? *)'),
      'symbols[0].timeframe',
      'closes at 2026-01-14 00:05 UTC',
    ],
    [
      'a cron on the hour in a half-hour zone',
      hourly('cron(0 * * * ? *)', 'Asia/Kolkata'),
      'symbols[0].timeframe',
      '(Asia/Kolkata) does not fire',
    ],
    [
      'a daily cron that summer time moves',
      {
        symbols: [{ symbol: 'LTC/BTC', timeframe: '1d' }],
        schedule: { expression: 'cron(0 0 * * ? *)', timezone: 'Europe/London' },
      },
      'symbols[0].timeframe',
      'closes at 2026-07-15 00:00 UTC',
    ],
    [
      'a made-up time zone',
      fiveMinutes('rate(5 minutes)', 'Mars/Olympus_Mons'),
      'schedule.timezone',
      '"Mars/Olympus_Mons"',
    ],
    [
      'a misspelt time zone',
      fiveMinutes('rate(5 minutes)', 'Europe/Londn'),
      'schedule.timezone',
      'not an IANA time zone name',
    ],
    [
      'a time zone in the wrong case',
      fiveMinutes('rate(5 minutes)', 'europe/london'),
      'schedule.timezone',
      'is spelt Europe/London',
    ],
    [
      'an offset for a time zone',
      fiveMinutes('rate(5 minutes)', '+05:00'),
      'schedule.timezone',
      '"+05:00"',
    ],
    [
      'a safety margin as long as the timeout',
      { ...base, timeouts: { safetyMarginMs: 30_000 } },
      'timeouts.safetyMarginMs',
      'skipped: deadline (got 30000)',
    ],
    [
      'a safety margin leaving less than a call',
      { ...base, timeouts: { tradeFunctionSeconds: 3, safetyMarginMs: 2_800 } },
      'timeouts.safetyMarginMs',
      '3000 ms trade function timeout',
    ],
    [
      'an exchange call shorter than a call can be',
      { ...base, timeouts: { exchangeCallMs: 200 }, guards: { refetchDelayMs: 0 } },
      'timeouts.exchangeCallMs',
      'skipped: deadline (got 200)',
    ],
    [
      'a stale limit of 100 ms',
      { ...base, guards: { maxTickLagMs: 100 } },
      'guards.maxTickLagMs',
      'every tick would start stale and be skipped (got 100)',
    ],
    [
      'a stale limit of 0',
      { ...base, guards: { maxTickLagMs: 0 } },
      'guards.maxTickLagMs',
      '(got 0)',
    ],
    [
      "a retry delay past a 5m symbol's stale limit",
      { ...base, guards: { retryDelayMs: 150_000 } },
      'guards.retryDelayMs',
      "150000 ms stale limit (half the timeframe of LTC/BTC), so a failed tick's retry would always be skipped as stale (got 150000)",
    ],
    [
      'a retry delay that leaves a retry no time for a call inside the stale limit',
      { ...base, guards: { maxTickLagMs: 20_000, retryDelayMs: 19_900 } },
      'guards.retryDelayMs',
      '20000 ms stale limit (guards.maxTickLagMs)',
    ],
    [
      'a re-fetch delay longer than a call',
      { ...base, guards: { refetchDelayMs: 20_000 } },
      'guards.refetchDelayMs',
      'could never start (got 20000)',
    ],
    [
      "an sma window past binance's 1000 klines",
      { symbols: [{ symbol: 'LTC/BTC', timeframe: '5m', params: { slow: 999 } }] },
      'symbols[0].params',
      'window of 1000 candles',
    ],
    [
      'a quote currency the paper account lacks',
      { symbols: [{ symbol: 'LTC/EUR', timeframe: '5m' }] },
      'paper.balances',
      'holds no EUR for LTC/EUR',
    ],
    [
      'an empty quote balance',
      { ...base, paper: { balances: { BTC: 0 } } },
      'paper.balances',
      'holds no BTC',
    ],
    [
      'an exchange tickfan does not trade on',
      { ...base, exchange: { id: 'bybit' } },
      'exchange.id',
      '"bybit"',
    ],
  ])('%s', (_name, raw, field, text) => {
    it(`is refused at ${field}, with the value`, () => {
      let error: unknown;
      try {
        parseConfig(raw, 'cdk.json context.tickfan');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const line = (error as Error).message.split('\n').find((l) => l.startsWith(`  ${field}:`));
      expect(line).toContain(text);
      expect(line).toMatch(/\(got .+\)$/);
    });
  });

  it.each([
    ['cron(0/5 * ? * MON-FRI *)', 'UTC'],
    ['cron(*/5 * * * ? *)', 'UTC'],
    ['cron(0,5,10,15,20,25,30,35,40,45,50,55 * L * ? 2026-2199)', 'UTC'],
    ['cron(0/5 * ? * 2#1 *)', 'UTC'],
    ['cron(0/5 * 15W JAN,JUL ? *)', 'UTC'],
    ['cron(0/5 * ? * 6L *)', 'UTC'],
    ['cron(0/5 * ? * FRI-MON *)', 'Asia/Kolkata'],
    ['rate(1 minute)', 'US/Eastern'],
    ['rate(5 minutes)', 'America/Argentina/Buenos_Aires'],
  ])('accepts %s in %s', (expression, timezone) => {
    const config = parseConfig(fiveMinutes(expression, timezone));
    expect(config.schedule).toEqual({ expression, timezone });
  });

  it('accepts a quote currency without paper funds for a disabled symbol, or in live mode', () => {
    const euro = { symbol: 'LTC/EUR', timeframe: '5m' };
    expect(parseConfig({ symbols: [...base.symbols, { ...euro, enabled: false }] })).toBeDefined();
    const live = { mode: 'live', secretName: 'tickfan/keys' };
    const network = { staticEgressIp: true };
    expect(parseConfig({ symbols: [euro], exchange: live, network }).exchange.mode).toBe('live');
  });

  it('refuses live binance without a static egress IP, naming why', () => {
    const exchange = { id: 'binance', mode: 'live', secretName: 'tickfan/keys' };
    expect(() => parseConfig({ ...base, exchange })).toThrow(
      /network\.staticEgressIp: must be true for live trading on binance: it deletes an API key that can trade without an IP whitelist/,
    );
  });

  it.each(['okx', 'kraken'])('accepts live %s without a static egress IP', (id) => {
    const exchange = { id, mode: 'live', secretName: 'tickfan/keys' };
    expect(parseConfig({ ...base, exchange }).network).toEqual({ staticEgressIp: false, azs: 1 });
  });

  it.each([
    ['binance', 999],
    ['okx', 299],
    ['kraken', 719],
  ])('accepts the window %s can serve (%i closed candles) and refuses one more', (id, most) => {
    const raw = (slow: number) => ({
      exchange: { id },
      symbols: [{ symbol: 'LTC/BTC', timeframe: '5m', params: { slow } }],
    });
    expect(parseConfig(raw(most - 1)).symbols[0]?.params).toEqual({ slow: most - 1 });
    expect(() => parseConfig(raw(most))).toThrow(
      new RegExp(`more than the ${most} closed candles ${id} serves in one request`),
    );
  });

  it('accepts the window binance can serve: 999 closed candles', () => {
    const raw = { symbols: [{ symbol: 'LTC/BTC', timeframe: '5m', params: { slow: 998 } }] };
    expect(parseConfig(raw).symbols[0]?.params).toEqual({ slow: 998 });
  });

  it('sizes the rate budget at 80% of the exchange limits by default, on', () => {
    expect(parseConfig(base).rateBudget).toEqual({ enabled: true, share: 0.8 });
  });

  it.each([
    [{ share: 0 }, /rateBudget\.share: must be above 0 \(got 0\)/],
    [{ share: 1.5 }, /rateBudget\.share: must be at most 1 \(got 1\.5\)/],
    [{ requestLimit: -5 }, /rateBudget\.requestLimit: .* \(got -5\)/],
  ])('refuses a rate budget of %o, naming the field and the value', (rateBudget, message) => {
    expect(() => parseConfig({ ...base, rateBudget })).toThrow(message);
  });

  it("refuses a share that leaves entries less than one entry's draw, naming what one needs", () => {
    // okx: 10% of 300 units per 2 s is 30, a buy with its stop draws 6 + 30.
    const raw = { ...base, exchange: { id: 'okx' }, rateBudget: { share: 0.1 } };
    expect(() => parseConfig(raw)).toThrow(
      /rateBudget\.share: leaves entries 30 of okx's 300 request weight per 2 s, less than the 36 one entry draws, so every entry would be skipped: ratelimit \(got 0\.1\)/,
    );
  });

  it('refuses an order limit whose share cannot send a buy and its stop', () => {
    const raw = { ...base, rateBudget: { orderLimit: 2 } };
    expect(() => parseConfig(raw)).toThrow(
      /rateBudget\.orderLimit: leaves entries 1 of binance's 2 orders per 10 s, less than the 2 \(a buy and its stop\) one entry sends/,
    );
  });

  it('accepts any share with the budget off', () => {
    const raw = { ...base, exchange: { id: 'okx' }, rateBudget: { share: 0.01, enabled: false } };
    expect(parseConfig(raw).rateBudget.enabled).toBe(false);
  });

  it('names the config source it was given', () => {
    const raw = { ...base, schedule: { timezone: 'Mars/Olympus_Mons' } };
    expect(() => parseConfig(raw, '-c tickfan=...')).toThrow(/^-c tickfan=\.\.\. is invalid:/);
  });
});

describe('parseConfig with pairs picked by volume', () => {
  const selector = {
    select: { quote: 'BTC', top: 20, minPrice: 0.0001, exclude: ['WBTC/BTC'] },
    timeframe: '5m',
    strategy: 'sma-cross',
  };

  it('takes a selector entry beside fixed symbols, with its defaults', () => {
    const config = parseConfig({ symbols: [{ symbol: 'LTC/BTC', timeframe: '5m' }, selector] });

    expect(config.symbols[1]).toEqual({
      select: { quote: 'BTC', top: 20, by: 'quoteVolume', minPrice: 0.0001, exclude: ['WBTC/BTC'] },
      timeframe: '5m',
      strategy: 'sma-cross',
      params: {},
      enabled: true,
    });
    expect(fixedSymbols(config).map((s) => s.symbol)).toEqual(['LTC/BTC']);
    expect(tradedPairCount(config)).toBe(21);
  });

  it('parses its own output again, as the config layer holds it', () => {
    const config = parseConfig({ symbols: [selector] });
    expect(parseConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it.each([
    [{ ...selector, select: { ...selector.select, top: 0 } }, 'symbols[0].select.top', 0],
    [
      { ...selector, select: { ...selector.select, quote: 'btc' } },
      'symbols[0].select.quote',
      'btc',
    ],
    [
      { ...selector, select: { ...selector.select, by: 'trades' } },
      'symbols[0].select.by',
      'trades',
    ],
    [
      { ...selector, select: { ...selector.select, exclude: ['WBTC'] } },
      'symbols[0].select.exclude[0]',
      'WBTC',
    ],
    [{ ...selector, params: { fast: 'x' } }, 'symbols[0].params.fast', 'x'],
  ])('refuses a bad selector, naming the field and value (%#)', (entry, path, value) => {
    let issues: readonly { path: string; value: unknown }[] = [];
    try {
      parseConfig({ symbols: [entry] });
    } catch (error) {
      issues = (error as ConfigError).issues;
    }
    expect(issues.find((i) => i.path.startsWith(path))).toMatchObject({ value });
  });

  it('refuses an entry with neither a symbol nor a select, saying what it needs', () => {
    expect(() => parseConfig({ symbols: [{ timeframe: '5m' }] })).toThrow(
      /symbols\[0\]\.symbol: is required: a pair such as LTC\/BTC, or a "select" to pick pairs by volume/,
    );
  });

  it('refuses the same selection twice', () => {
    expect(() => parseConfig({ symbols: [selector, { ...selector, timeframe: '15m' }] })).toThrow(
      /symbols\[1\]\.select: is listed twice/,
    );
  });

  it('refuses a selector whose quote the paper account holds none of, naming the selection', () => {
    expect(() =>
      parseConfig({ symbols: [{ ...selector, select: { quote: 'EUR', top: 5 } }] }),
    ).toThrow(/holds no EUR for the top 5 EUR pairs by volume/);
  });

  it("counts each selector's top in the concurrency warning", () => {
    const config = parseConfig({ symbols: [selector], queue: { maxConcurrency: 10 } });
    expect(concurrencyWarning(config)).toMatch(/is 10 for 20 enabled symbols/);
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

describe('rateBudgetWarning', () => {
  const many = (exchange: string, count: number, rateBudget = {}) =>
    parseConfig({
      exchange: { id: exchange },
      symbols: Array.from({ length: count }, (_, i) => ({ symbol: `S${i}/BTC`, timeframe: '5m' })),
      rateBudget,
    });

  it("is quiet while one window's entry share holds every symbol's candles: 1,000 on binance", () => {
    // 1,000 * 2 weight against 80% of 6,000.
    expect(rateBudgetWarning(many('binance', 1_000))).toBeUndefined();
  });

  it('warns how many ticks would be skipped when the symbols due together outgrow it', () => {
    // okx: 15 units each; 240 per 2-s window, 15 windows within a 30 s function: 3,600.
    expect(rateBudgetWarning(many('okx', 1_000))).toMatch(
      /^rateBudget: the 1000 enabled symbols draw 15000 okx request weight \(15 each for candles\) when their ticks fall due together, more than the 3600 that 15 window\(s\) of 2 s hold at the entry share 0\.8 within a tick's timeout: about 760 flat symbols' ticks would be skipped as ratelimit each time/,
    );
  });

  it('counts one kraken window (30 s, past a tick that can wait 29 s) and is quiet with the budget off', () => {
    // kraken: 6 units each, 120 per 30 s window at 0.8: 20 symbols fit, 21 do not.
    expect(rateBudgetWarning(many('kraken', 20))).toBeUndefined();
    expect(rateBudgetWarning(many('kraken', 21))).toMatch(/about 1 flat symbols' ticks/);
    expect(rateBudgetWarning(many('kraken', 21, { enabled: false }))).toBeUndefined();
  });
});

describe('retryTimingWarning', () => {
  it("warns when a retry after an attempt that ran to its timeout would arrive past a symbol's stale limit", () => {
    const config = parseConfig({
      schedule: { expression: 'rate(1 minute)' },
      symbols: [
        { symbol: 'LTC/BTC', timeframe: '5m' },
        { symbol: 'ETH/BTC', timeframe: '1m' },
      ],
    });

    expect(retryTimingWarning(config)).toMatch(
      /^a retry of a ETH\/BTC tick whose attempt ran until the 30000 ms trade function timeout arrives 35000 ms after it started, past its 30000 ms stale limit/,
    );
  });

  it('is quiet when the function timeout plus the retry delay fits in every stale limit', () => {
    expect(retryTimingWarning(parseConfig(base))).toBeUndefined();
    const short = parseConfig({
      schedule: { expression: 'rate(1 minute)' },
      symbols: [{ symbol: 'ETH/BTC', timeframe: '1m' }],
      timeouts: { tradeFunctionSeconds: 20 },
      guards: { retryDelayMs: 5_000 },
    });
    expect(retryTimingWarning(short)).toBeUndefined();
  });

  it('accepts, with the warning, a config whose fast failures can still be retried in time', () => {
    const config = parseConfig({
      schedule: { expression: 'rate(1 minute)' },
      symbols: [{ symbol: 'ETH/BTC', timeframe: '1m' }],
    });
    expect(config.guards.retryDelayMs).toBe(5_000);
    expect(retryTimingWarning(config)).toBeDefined();
  });
});
