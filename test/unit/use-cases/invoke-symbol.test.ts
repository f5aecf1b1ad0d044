import { describe, expect, it } from 'vitest';
import { InvalidInvocationError } from '../../../lib/domain/direct-invocation.js';
import { type PairSelection, selectorKey } from '../../../lib/domain/pair-selection.js';
import { Signal } from '../../../lib/domain/signal.js';
import { type TickResult, TickStatus } from '../../../lib/domain/tick.js';
import { invokeSymbol } from '../../../lib/use-cases/invoke-symbol.js';
import { processSymbolTick, TickFailedError } from '../../../lib/use-cases/process-symbol-tick.js';
import type { RecordedTickResult, TickRequest } from '../../../lib/use-cases/tick-runner.js';
import { testConfig } from '../../helpers/config.js';
import {
  candleSeries,
  FakeBroker,
  FakeClock,
  FakeMarketData,
  InMemoryStore,
  RecordingMetrics,
} from '../../helpers/fakes.js';

const at = Date.UTC(2018, 0, 11, 12, 0);
const config = testConfig();

function resultOf(request: TickRequest, status: TickResult['status'] = TickStatus.Ok): TickResult {
  return {
    tickId: request.tickId,
    symbol: request.symbol,
    scheduledAt: new Date(request.scheduledAt).toISOString(),
    status,
    signal: Signal.None,
    position: { amount: 0, entryPrice: 0, realisedPnl: 0 },
    startedAt: new Date(request.scheduledAt + 250).toISOString(),
    durationMs: 5,
  };
}

function setUp(
  once: (request: TickRequest) => Promise<RecordedTickResult> = async (r) => ({
    ...resultOf(r),
    replayed: true,
  }),
) {
  const calls: { runner: 'once' | 'afresh'; request: TickRequest }[] = [];
  const store = new InMemoryStore();
  const deps = {
    config,
    store,
    clock: new FakeClock(at + 90_000),
    runTickOnce: (request: TickRequest) => {
      calls.push({ runner: 'once', request });
      return once(request);
    },
    runTickAfresh: async (request: TickRequest) => {
      calls.push({ runner: 'afresh', request });
      return resultOf(request);
    },
  };
  return { deps, calls, store };
}

describe('invokeSymbol', () => {
  it('runs the tick of the newest closed candle once per tick id, keyed on its tick id', async () => {
    const { deps, calls } = setUp();

    await invokeSymbol(deps, { symbol: 'LTC/BTC' });

    expect(calls).toEqual([
      {
        runner: 'once',
        request: {
          tickId: 'LTC/BTC#2018-01-11T12:00:00.000Z',
          symbol: 'LTC/BTC',
          scheduledAt: at,
          attempt: 1,
        },
      },
    ]);
  });

  it('answers a tick that already ran with its recorded result, marked replayed', async () => {
    const { deps } = setUp();

    const result = await invokeSymbol(deps, { symbol: 'LTC/BTC', at: '2018-01-11T12:02:00Z' });

    expect(result).toMatchObject({ replayed: true, startedAt: '2018-01-11T12:00:00.250Z' });
  });

  it('makes a fresh decision past the recorded result when asked to rerun', async () => {
    const { deps, calls } = setUp();

    const result = await invokeSymbol(deps, { symbol: 'LTC/BTC', rerun: true });

    expect(calls.map((c) => c.runner)).toEqual(['afresh']);
    expect(result.replayed).toBeUndefined();
  });

  it('answers a failed tick with its result instead of throwing', async () => {
    const { deps } = setUp(async (r) => {
      throw new TickFailedError(resultOf(r, TickStatus.Failed), { cause: new Error('down') });
    });

    const result = await invokeSymbol(deps, { symbol: 'LTC/BTC' });

    expect(result.status).toBe('failed');
  });

  describe('of a disabled symbol', () => {
    const disabled = testConfig({
      symbols: [
        { symbol: 'LTC/BTC', timeframe: '5m', params: { fast: 2, slow: 4 }, enabled: false },
      ],
    });

    it('answers skipped: disabled, trades nothing, and says that the symbol is disabled', async () => {
      const clock = new FakeClock(at + 90_000);
      const broker = new FakeBroker();
      // The newest candles cross up: an enabled symbol would buy here.
      const market = new FakeMarketData(candleSeries([5, 5, 5, 5, 5, 6], at - 300_000));
      const trade = {
        market,
        broker,
        store: new InMemoryStore(),
        clock,
        sleep: clock.sleep,
        metrics: new RecordingMetrics(),
        config: disabled,
      };
      const run = (r: TickRequest) =>
        processSymbolTick(trade, {
          tick: { symbol: r.symbol, scheduledAt: r.scheduledAt },
          remainingMs: () => 25_000,
          attempt: r.attempt,
        });

      const result = await invokeSymbol(
        { config: disabled, store: trade.store, clock, runTickOnce: run, runTickAfresh: run },
        { symbol: 'LTC/BTC' },
      );

      expect(result).toMatchObject({ status: 'skipped', skipReason: 'disabled' });
      expect(result.note).toMatch(/^LTC\/BTC is disabled in the config \(enabled: false\)/);
      expect(broker.placed).toEqual([]);
      expect(market.calls).toEqual([]);
    });

    it('says so too when it replays a result recorded while the symbol was enabled', async () => {
      const { deps } = setUp();

      const result = await invokeSymbol({ ...deps, config: disabled }, { symbol: 'LTC/BTC' });

      expect(result).toMatchObject({ status: 'ok', replayed: true });
      expect(result.note).toMatch(/recorded while it was enabled, and no tick of it trades now$/);
    });

    it('adds no note for an enabled symbol', async () => {
      const { deps } = setUp();

      expect((await invokeSymbol(deps, { symbol: 'LTC/BTC' })).note).toBeUndefined();
    });
  });

  describe('of a pair a volume selector picked', () => {
    const selecting = testConfig({
      symbols: [
        { symbol: 'LTC/BTC', timeframe: '5m' },
        {
          select: { quote: 'BTC', top: 2 },
          timeframe: '15m',
          strategy: 'sma-cross',
          params: { fast: 3, slow: 9 },
        },
      ],
    });
    const key = selectorKey({ quote: 'BTC', top: 2, by: 'quoteVolume', exclude: [] });
    const selection = (listed: boolean): PairSelection => ({
      resolvedAt: at,
      selectors: {
        [key]: { timeframe: '15m', strategy: 'sma-cross', params: { fast: 3, slow: 9 } },
      },
      pairs: [{ symbol: 'ETH/BTC', selector: key, listed }],
    });

    it("runs the stored pair's tick with its selector's settings, on the selector's timeframe", async () => {
      const { deps, calls, store } = setUp();
      store.selection = selection(true);

      await invokeSymbol({ ...deps, config: selecting }, { symbol: 'ETH/BTC' });

      expect(calls.map((c) => c.request)).toEqual([
        {
          tickId: 'ETH/BTC#2018-01-11T12:00:00.000Z',
          symbol: 'ETH/BTC',
          scheduledAt: at,
          attempt: 1,
          pair: {
            timeframe: '15m',
            strategy: 'sma-cross',
            params: { fast: 3, slow: 9 },
            exitOnly: false,
          },
        },
      ]);
    });

    it('runs a pair that left its list exit-only', async () => {
      const { deps, calls, store } = setUp();
      store.selection = selection(false);

      await invokeSymbol({ ...deps, config: selecting }, { symbol: 'ETH/BTC' });

      expect(calls[0]?.request.pair?.exitOnly).toBe(true);
    });

    it('refuses a pair no refresh has selected, naming it', async () => {
      const { deps, calls } = setUp();

      await expect(
        invokeSymbol({ ...deps, config: selecting }, { symbol: 'ETH/BTC' }),
      ).rejects.toThrow(/"ETH\/BTC" is not configured/);
      expect(calls).toEqual([]);
    });
  });

  it.each([
    [{ symbol: 'DOGE/BTC' }, /"DOGE\/BTC" is not configured/],
    [{ symbol: 'LTC/BTC', at: 'yesterday' }, /at:/],
    [{ symbol: 'LTC/BTC', rerun: 'yes' }, /rerun:/],
  ])('refuses %j before running anything, naming the field', async (event, message) => {
    const { deps, calls } = setUp();

    await expect(invokeSymbol(deps, event)).rejects.toThrow(InvalidInvocationError);
    await expect(invokeSymbol(deps, event)).rejects.toThrow(message);
    expect(calls).toEqual([]);
  });
});
