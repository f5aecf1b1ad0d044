import { describe, expect, it } from 'vitest';
import { selectorKey } from '../../../lib/domain/pair-selection.js';
import { flatPosition } from '../../../lib/domain/position.js';
import { fanOutTick } from '../../../lib/use-cases/fan-out-tick.js';
import { testConfig } from '../../helpers/config.js';
import { InMemoryQueue, InMemoryStore, RecordingMetrics } from '../../helpers/fakes.js';

const config = testConfig({
  schedule: { expression: 'rate(1 minute)' },
  symbols: [
    { symbol: 'LTC/BTC', timeframe: '5m' },
    { symbol: 'ETH/BTC', timeframe: '1m' },
    { symbol: 'XMR/BTC', timeframe: '1m', enabled: false },
  ],
});

describe('fanOutTick', () => {
  it('queues one tick per due, enabled symbol at the scheduled minute', async () => {
    const queue = new InMemoryQueue();
    const at = Date.UTC(2018, 0, 20, 12, 5, 0);

    const result = await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store: new InMemoryStore(), config },
      { scheduledAt: at + 17_000 },
    );

    expect(queue.sent).toEqual([
      { symbol: 'LTC/BTC', scheduledAt: at },
      { symbol: 'ETH/BTC', scheduledAt: at },
    ]);
    expect(result).toMatchObject({
      scheduled: 2,
      dispatched: 2,
      scheduledAt: '2018-01-20T12:05:00.000Z',
    });
  });

  it('leaves a symbol out when its candle is not closing at this tick', async () => {
    const queue = new InMemoryQueue();
    await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store: new InMemoryStore(), config },
      { scheduledAt: Date.UTC(2018, 0, 20, 12, 6) },
    );
    expect(queue.sent.map((t) => t.symbol)).toEqual(['ETH/BTC']);
  });

  it('reports and counts symbols the queue could not take', async () => {
    const queue = new InMemoryQueue();
    queue.failSymbols.add('ETH/BTC');
    const metrics = new RecordingMetrics();

    const result = await fanOutTick(
      { queue, metrics, store: new InMemoryStore(), config },
      { scheduledAt: Date.UTC(2018, 0, 20, 12, 5) },
    );

    expect(result.failed).toEqual([{ symbol: 'ETH/BTC', error: 'InternalError' }]);
    expect(metrics.sum('DispatchFailures')).toBe(1);
    expect(metrics.sum('SymbolsDispatched')).toBe(1);
  });
});

describe('fanOutTick health', () => {
  const at = Date.UTC(2018, 0, 20, 12, 0);
  const health = (symbol: string, fields: Record<string, unknown>) => ({
    symbol,
    breaker: 'closed' as const,
    failures: 0,
    version: 1,
    ...fields,
  });

  it('counts a symbol silent once it has had no success for three of its periods', async () => {
    const store = new InMemoryStore();
    const metrics = new RecordingMetrics();
    // LTC/BTC is 5m: silent from 15 min without success; ETH/BTC (1m) from 3 min.
    store.health.set('LTC/BTC', health('LTC/BTC', { lastSuccessAt: at - 10 * 60_000 }));
    store.health.set('ETH/BTC', health('ETH/BTC', { lastSuccessAt: at - 3 * 60_000 }));

    const result = await fanOutTick(
      { queue: new InMemoryQueue(), metrics, store, config },
      { scheduledAt: at },
    );

    expect(result.silent).toEqual(['ETH/BTC']);
    expect(metrics.sum('SilentSymbols')).toBe(1);
  });

  it('counts a symbol that never succeeded as silent from its first tick, and a disabled one never', async () => {
    const store = new InMemoryStore();
    store.health.set('LTC/BTC', health('LTC/BTC', { failures: 4, trackedSince: at - 15 * 60_000 }));
    store.health.set('XMR/BTC', health('XMR/BTC', { trackedSince: at - 60 * 60_000 }));

    const result = await fanOutTick(
      { queue: new InMemoryQueue(), metrics: new RecordingMetrics(), store, config },
      { scheduledAt: at },
    );

    expect(result.silent).toEqual(['LTC/BTC']);
  });

  it('counts open and half-open breakers', async () => {
    const store = new InMemoryStore();
    const metrics = new RecordingMetrics();
    store.health.set('LTC/BTC', health('LTC/BTC', { breaker: 'open', openedAt: at }));
    store.health.set('ETH/BTC', health('ETH/BTC', { breaker: 'half-open', openedAt: at }));

    const result = await fanOutTick(
      { queue: new InMemoryQueue(), metrics, store, config },
      { scheduledAt: at },
    );

    expect(result.openBreakers).toEqual(['LTC/BTC', 'ETH/BTC']);
    expect(metrics.sum('OpenBreakers')).toBe(2);
  });
});

describe('fanOutTick kill switch', () => {
  const at = Date.UTC(2018, 0, 20, 12, 5);

  it('dispatches nothing while halted, and counts every refused tick', async () => {
    const queue = new InMemoryQueue();
    const store = new InMemoryStore();
    const metrics = new RecordingMetrics();
    store.control = { mode: 'halted', reason: 'maintenance', by: 'operator' };

    const result = await fanOutTick({ queue, metrics, store, config }, { scheduledAt: at });

    expect(queue.sent).toEqual([]);
    expect(result).toMatchObject({ scheduled: 2, dispatched: 0, halted: 2, trading: 'halted' });
    expect(metrics.sum('HaltRefusals')).toBe(2);
    expect(metrics.sum('TradingHalted')).toBe(1);
  });

  it('while halted, dispatches only the symbols holding a position, so their stops are reconciled', async () => {
    // Prepare
    const queue = new InMemoryQueue();
    const store = new InMemoryStore();
    store.control = { mode: 'halted', reason: 'maintenance', by: 'operator' };
    store.positions.set('ETH/BTC', { ...flatPosition('ETH/BTC'), amount: 0.5, version: 1 });

    // Act
    const result = await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store, config },
      { scheduledAt: at },
    );

    // Assess
    expect(queue.sent).toEqual([{ symbol: 'ETH/BTC', scheduledAt: at }]);
    expect(result).toMatchObject({ dispatched: 1, halted: 1, protecting: 1 });
  });

  it('dispatches a disabled symbol that still holds a position, and no other', async () => {
    // Prepare
    const queue = new InMemoryQueue();
    const store = new InMemoryStore();
    store.positions.set('XMR/BTC', { ...flatPosition('XMR/BTC'), amount: 2, version: 1 });

    // Act
    const result = await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store, config },
      { scheduledAt: at },
    );

    // Assess
    expect(queue.sent.map((t) => t.symbol)).toEqual(['LTC/BTC', 'ETH/BTC', 'XMR/BTC']);
    expect(result).toMatchObject({ scheduled: 2, protecting: 1 });
  });

  it('still dispatches under close-only, so positions can be closed', async () => {
    const queue = new InMemoryQueue();
    const store = new InMemoryStore();
    store.control = { mode: 'close-only' };
    const result = await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store, config },
      { scheduledAt: at },
    );
    expect(result).toMatchObject({ dispatched: 2, halted: 0, trading: 'close-only' });
  });
});

describe('fanOutTick at 1,000 symbols', () => {
  const at = Date.UTC(2018, 0, 20, 12, 5);
  // 990 enabled (half 1m, half 5m: all due at 12:05), 10 disabled.
  const many = testConfig({
    schedule: { expression: 'rate(1 minute)' },
    symbols: Array.from({ length: 1000 }, (_, i) => ({
      symbol: `S${i}/BTC`,
      timeframe: i % 2 === 0 ? '1m' : '5m',
      enabled: i < 990,
    })),
  });

  it('reads the kill switch, every health and the disabled symbols positions in one batched read, not one read per symbol', async () => {
    // Prepare
    const queue = new InMemoryQueue();
    const store = new InMemoryStore();

    // Act
    const result = await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store, config: many },
      { scheduledAt: at },
    );

    // Assess
    expect(store.symbolStateReads).toHaveLength(1);
    expect(store.symbolStateReads[0]?.health).toHaveLength(990);
    expect(store.symbolStateReads[0]?.positions).toEqual(
      Array.from({ length: 10 }, (_, i) => `S${990 + i}/BTC`),
    );
    expect(result).toMatchObject({ scheduled: 990, dispatched: 990, protecting: 0 });
    expect(new Set(queue.sent.map((t) => t.symbol)).size).toBe(990);
  });

  it('while halted, reads the due symbols positions in a second batched read and dispatches only those held', async () => {
    // Prepare
    const queue = new InMemoryQueue();
    const store = new InMemoryStore();
    store.control = { mode: 'halted', reason: 'maintenance', by: 'operator' };
    for (const symbol of ['S4/BTC', 'S501/BTC', 'S995/BTC']) {
      store.positions.set(symbol, { ...flatPosition(symbol), amount: 1, version: 1 });
    }

    // Act
    const result = await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store, config: many },
      { scheduledAt: at },
    );

    // Assess
    expect(store.symbolStateReads).toHaveLength(2);
    expect(store.symbolStateReads[1]).toMatchObject({ health: [] });
    expect(store.symbolStateReads[1]?.positions).toHaveLength(990);
    expect(queue.sent.map((t) => t.symbol)).toEqual(['S4/BTC', 'S501/BTC', 'S995/BTC']);
    expect(result).toMatchObject({ dispatched: 3, halted: 988, protecting: 3 });
  });
});

describe('fanOutTick with pairs picked by volume', () => {
  const at = Date.UTC(2018, 0, 20, 12, 15);
  const select = { quote: 'BTC', top: 2, by: 'quoteVolume', exclude: [] } as const;
  const key = selectorKey(select);
  const picked = { timeframe: '15m', strategy: 'sma-cross', params: { fast: 2, slow: 4 } } as const;
  const selecting = (enabled = true) =>
    testConfig({
      schedule: { expression: 'rate(5 minutes)' },
      symbols: [
        { symbol: 'LTC/BTC', timeframe: '5m' },
        { select, timeframe: '15m', strategy: 'sma-cross', params: { fast: 2, slow: 4 }, enabled },
      ],
    });
  const store = (pairs: { symbol: string; listed: boolean }[]) => {
    const s = new InMemoryStore();
    s.selection = {
      resolvedAt: at,
      selectors: { [key]: picked },
      pairs: pairs.map((p) => ({ ...p, selector: key })),
    };
    return s;
  };

  it('dispatches each listed pair with its settings, beside the fixed symbols', async () => {
    const queue = new InMemoryQueue();

    const result = await fanOutTick(
      {
        queue,
        metrics: new RecordingMetrics(),
        store: store([
          { symbol: 'ETH/BTC', listed: true },
          { symbol: 'XMR/BTC', listed: true },
        ]),
        config: selecting(),
      },
      { scheduledAt: at },
    );

    expect(queue.sent).toEqual([
      { symbol: 'LTC/BTC', scheduledAt: at },
      { symbol: 'ETH/BTC', scheduledAt: at, pair: { ...picked, exitOnly: false } },
      { symbol: 'XMR/BTC', scheduledAt: at, pair: { ...picked, exitOnly: false } },
    ]);
    expect(result).toMatchObject({ scheduled: 3, dispatched: 3, selected: 2, exitOnly: 0 });
  });

  it('keeps dispatching a pair that left the list, exit-only, while it holds, and drops it once flat', async () => {
    const queue = new InMemoryQueue();
    const s = store([
      { symbol: 'ETH/BTC', listed: false },
      { symbol: 'XMR/BTC', listed: false },
    ]);
    s.positions.set('ETH/BTC', {
      ...flatPosition('ETH/BTC'),
      amount: 2,
      entryPrice: 0.1,
      version: 1,
    });
    s.positions.set('XMR/BTC', flatPosition('XMR/BTC'));
    const metrics = new RecordingMetrics();

    const result = await fanOutTick(
      { queue, metrics, store: s, config: selecting() },
      { scheduledAt: at },
    );

    expect(queue.sent).toEqual([
      { symbol: 'LTC/BTC', scheduledAt: at },
      { symbol: 'ETH/BTC', scheduledAt: at, pair: { ...picked, exitOnly: true } },
    ]);
    expect(result).toMatchObject({ scheduled: 1, protecting: 1, exitOnly: 2 });
    expect(metrics.sum('ExitOnlyPairs')).toBe(2);
    expect(metrics.sum('SelectedPairs')).toBe(0);
  });

  it('dispatches a pair with an order in flight, so its fill is settled and protected', async () => {
    const queue = new InMemoryQueue();
    const s = store([{ symbol: 'ETH/BTC', listed: false }]);
    s.positions.set('ETH/BTC', { ...flatPosition('ETH/BTC'), pendingOrderId: 'buy-1', version: 1 });

    await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store: s, config: selecting() },
      { scheduledAt: at },
    );

    expect(queue.sent.map((t) => t.symbol)).toEqual(['LTC/BTC', 'ETH/BTC']);
  });

  it('makes the pairs of a disabled selector exit-only at once, without waiting for a refresh', async () => {
    const queue = new InMemoryQueue();
    const s = store([
      { symbol: 'ETH/BTC', listed: true },
      { symbol: 'XMR/BTC', listed: true },
    ]);
    s.positions.set('XMR/BTC', {
      ...flatPosition('XMR/BTC'),
      amount: 1,
      entryPrice: 0.01,
      version: 1,
    });

    await fanOutTick(
      { queue, metrics: new RecordingMetrics(), store: s, config: selecting(false) },
      { scheduledAt: at },
    );

    expect(queue.sent).toEqual([
      { symbol: 'LTC/BTC', scheduledAt: at },
      { symbol: 'XMR/BTC', scheduledAt: at, pair: { ...picked, exitOnly: true } },
    ]);
  });

  it('reads the selection in the batch of the fixed symbols, and the pairs in one more', async () => {
    const s = store([
      { symbol: 'ETH/BTC', listed: true },
      { symbol: 'XMR/BTC', listed: false },
    ]);

    await fanOutTick(
      {
        queue: new InMemoryQueue(),
        metrics: new RecordingMetrics(),
        store: s,
        config: selecting(),
      },
      { scheduledAt: at },
    );

    expect(s.symbolStateReads).toEqual([
      { health: ['LTC/BTC'], positions: [], selection: true },
      { health: ['ETH/BTC'], positions: ['XMR/BTC'] },
    ]);
  });

  it('reads once when there is no selection', async () => {
    const s = new InMemoryStore();
    await fanOutTick(
      { queue: new InMemoryQueue(), metrics: new RecordingMetrics(), store: s, config },
      { scheduledAt: at },
    );
    expect(s.symbolStateReads).toHaveLength(1);
  });
});
