import { describe, expect, it } from 'vitest';
import { fanOutTick } from '../../../lib/use-cases/fan-out-tick.js';
import { testConfig } from '../../helpers/config.js';
import { InMemoryQueue, RecordingMetrics } from '../../helpers/fakes.js';

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
      { queue, metrics: new RecordingMetrics(), symbols: config.symbols },
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
      { queue, metrics: new RecordingMetrics(), symbols: config.symbols },
      { scheduledAt: Date.UTC(2018, 0, 20, 12, 6) },
    );
    expect(queue.sent.map((t) => t.symbol)).toEqual(['ETH/BTC']);
  });

  it('reports and counts symbols the queue could not take', async () => {
    const queue = new InMemoryQueue();
    queue.failSymbols.add('ETH/BTC');
    const metrics = new RecordingMetrics();

    const result = await fanOutTick(
      { queue, metrics, symbols: config.symbols },
      { scheduledAt: Date.UTC(2018, 0, 20, 12, 5) },
    );

    expect(result.failed).toEqual([{ symbol: 'ETH/BTC', error: 'InternalError' }]);
    expect(metrics.sum('DispatchFailures')).toBe(1);
    expect(metrics.sum('SymbolsDispatched')).toBe(1);
  });
});
