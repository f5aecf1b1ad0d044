import { describe, expect, it } from 'vitest';
import { Signal } from '../../../lib/domain/signal.js';
import { type TickResult, TickStatus } from '../../../lib/domain/tick.js';
import { encodeTickMessage } from '../../../lib/domain/tick-message.js';
import type { DeadLetters, UndeliverableMessage } from '../../../lib/ports/dead-letters.js';
import type { MessageRetry } from '../../../lib/ports/message-retry.js';
import { handleTickMessage } from '../../../lib/use-cases/handle-tick-message.js';
import {
  processSymbolTick,
  UnknownSymbolError,
} from '../../../lib/use-cases/process-symbol-tick.js';
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

class RecordingDeadLetters implements DeadLetters {
  readonly parked: { message: UndeliverableMessage; reason: string }[] = [];
  async deadLetter(message: UndeliverableMessage, reason: string): Promise<void> {
    this.parked.push({ message, reason });
  }
}

class RecordingRetry implements MessageRetry {
  readonly asked: { receiptHandle: string; delayMs: number }[] = [];
  constructor(private readonly refuse = false) {}
  async retryAfter(receiptHandle: string, delayMs: number): Promise<void> {
    if (this.refuse) throw new Error('AccessDenied');
    this.asked.push({ receiptHandle, delayMs });
  }
}

function resultOf(request: TickRequest): TickResult {
  return {
    tickId: request.tickId,
    symbol: request.symbol,
    scheduledAt: new Date(request.scheduledAt).toISOString(),
    status: TickStatus.Ok,
    signal: Signal.None,
    position: { amount: 0, entryPrice: 0, realisedPnl: 0 },
    startedAt: new Date(request.scheduledAt + 250).toISOString(),
    durationMs: 5,
  };
}

function setUp(
  run: (request: TickRequest) => Promise<RecordedTickResult> = async (r) => resultOf(r),
) {
  const requests: TickRequest[] = [];
  const metrics = new RecordingMetrics();
  const deadLetters = new RecordingDeadLetters();
  const runTickOnce = (request: TickRequest) => {
    requests.push(request);
    return run(request);
  };
  return { requests, metrics, deadLetters, deps: { runTickOnce, metrics, deadLetters } };
}

const message = (body: string, receiveCount = 1) => ({
  messageId: 'm-1',
  body,
  groupId: 'LTC/BTC',
  receiveCount,
});

describe('handleTickMessage', () => {
  it('runs the tick a message carries, keyed on its tick id, with the delivery count', async () => {
    const { deps, requests } = setUp();

    const outcome = await handleTickMessage(
      deps,
      message(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt: at }), 2),
    );

    expect(requests).toEqual([
      {
        tickId: 'LTC/BTC#2018-01-11T12:00:00.000Z',
        symbol: 'LTC/BTC',
        scheduledAt: at,
        attempt: 2,
      },
    ]);
    expect(outcome).toMatchObject({ kind: 'ran', result: { status: 'ok' } });
  });

  it("runs a selected pair's tick with the settings its message carries", async () => {
    const { requests, deps } = setUp();
    const pair = {
      timeframe: '15m',
      strategy: 'sma-cross',
      params: { fast: 3, slow: 9 },
      exitOnly: true,
    } as const;

    await handleTickMessage(
      deps,
      message(encodeTickMessage({ symbol: 'ETH/USDT', scheduledAt: at, pair })),
    );

    expect(requests).toEqual([
      {
        tickId: 'ETH/USDT#2018-01-11T12:00:00.000Z',
        symbol: 'ETH/USDT',
        scheduledAt: at,
        attempt: 1,
        pair,
      },
    ]);
  });

  it.each([
    ['a strategy it does not know', { strategy: 'moon', params: {} }, /pair\.strategy/],
    [
      'params its strategy refuses',
      { strategy: 'sma-cross', params: { fast: 30, slow: 10 } },
      /pair\.params/,
    ],
  ])("dead-letters a pair's tick carrying %s, naming the field", async (_what, fields, reason) => {
    const { requests, deadLetters, deps } = setUp();
    const body = JSON.stringify({
      v: 2,
      symbol: 'ETH/USDT',
      scheduledAt: new Date(at).toISOString(),
      pair: { timeframe: '5m', exitOnly: false, ...fields },
    });

    const outcome = await handleTickMessage(deps, message(body));

    expect(outcome.kind).toBe('dead-lettered');
    expect(deadLetters.parked[0]?.reason).toMatch(reason);
    expect(requests).toEqual([]);
  });

  it('counts a redelivery answered with the recorded result as a duplicate delivery', async () => {
    const { deps, metrics } = setUp(async (r) => ({ ...resultOf(r), replayed: true }));

    const outcome = await handleTickMessage(
      deps,
      message(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt: at })),
    );

    expect(outcome.kind).toBe('replayed');
    expect(metrics.sum('DuplicateDeliveries')).toBe(1);
  });

  it.each([
    ['a body that is not JSON', '{not json', /not valid JSON/],
    ['a body that is no tick message', JSON.stringify({ v: 1, symbol: 'LTC/BTC' }), /scheduledAt/],
  ])('dead-letters %s with the reason, without running a tick', async (_kind, body, reason) => {
    const { deps, requests, deadLetters, metrics } = setUp();

    const outcome = await handleTickMessage(deps, message(body));

    expect(requests).toEqual([]);
    expect(deadLetters.parked).toEqual([
      {
        message: { messageId: 'm-1', body, groupId: 'LTC/BTC' },
        reason: expect.stringMatching(reason),
      },
    ]);
    expect(outcome).toMatchObject({ kind: 'dead-lettered', reason: expect.stringMatching(reason) });
    expect(metrics.sum('PoisonMessages')).toBe(1);
  });

  it('dead-letters the tick of a symbol the config does not trade', async () => {
    const { deps, deadLetters } = setUp(async () => {
      throw new UnknownSymbolError('DOGE/BTC');
    });

    const outcome = await handleTickMessage(
      deps,
      message(encodeTickMessage({ symbol: 'DOGE/BTC', scheduledAt: at })),
    );

    expect(outcome).toMatchObject({
      kind: 'dead-lettered',
      reason: expect.stringContaining('DOGE/BTC'),
    });
    expect(deadLetters.parked).toHaveLength(1);
  });

  it('acknowledges a message already queued for a symbol since disabled, as skipped: disabled', async () => {
    const tf = 300_000;
    const clock = new FakeClock(at + 2_000);
    const broker = new FakeBroker();
    const trade = {
      market: new FakeMarketData(candleSeries([5, 5, 5, 5, 5, 6], at - tf)),
      broker,
      store: new InMemoryStore(),
      clock,
      sleep: clock.sleep,
      metrics: new RecordingMetrics(),
      config: testConfig({
        symbols: [
          { symbol: 'LTC/BTC', timeframe: '5m', params: { fast: 2, slow: 4 }, enabled: false },
        ],
      }),
    };
    const { deps, deadLetters } = setUp((r) =>
      processSymbolTick(trade, {
        tick: { symbol: r.symbol, scheduledAt: r.scheduledAt },
        remainingMs: () => 25_000,
        attempt: r.attempt,
      }),
    );

    const outcome = await handleTickMessage(
      deps,
      message(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt: at })),
    );

    // Resolved, not thrown: the queue deletes the message instead of retrying it.
    expect(outcome).toMatchObject({
      kind: 'ran',
      result: { status: 'skipped', skipReason: 'disabled' },
    });
    expect(deadLetters.parked).toEqual([]);
    expect(broker.placed).toEqual([]);
  });

  it('lets any other failure through, so the queue delivers the message again', async () => {
    const { deps, deadLetters, metrics } = setUp(async () => {
      throw new Error('exchange down');
    });

    await expect(
      handleTickMessage(deps, message(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt: at }))),
    ).rejects.toThrow('exchange down');
    expect(deadLetters.parked).toEqual([]);
    expect(metrics.sum('PoisonMessages')).toBe(0);
  });

  it('brings a failed tick back after the retry delay, not the visibility timeout, and still reports it failed', async () => {
    const { deps } = setUp(async () => {
      throw new Error('exchange down');
    });
    const queue = new RecordingRetry();

    await expect(
      handleTickMessage(
        { ...deps, retry: { queue, delayMs: 5_000 } },
        {
          ...message(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt: at })),
          receiptHandle: 'rh-1',
        },
      ),
    ).rejects.toThrow('exchange down');
    expect(queue.asked).toEqual([{ receiptHandle: 'rh-1', delayMs: 5_000 }]);
  });

  it('reports a retry delay it could not set and rethrows the tick failure, not that one', async () => {
    const { deps } = setUp(async () => {
      throw new Error('exchange down');
    });
    const unscheduled: unknown[] = [];
    const queue = new RecordingRetry(true);

    await expect(
      handleTickMessage(
        {
          ...deps,
          retry: { queue, delayMs: 5_000, onUnscheduled: (e) => unscheduled.push(e) },
        },
        {
          ...message(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt: at })),
          receiptHandle: 'rh-1',
        },
      ),
    ).rejects.toThrow('exchange down');
    expect(unscheduled).toEqual([expect.objectContaining({ message: 'AccessDenied' })]);
  });

  it('neither delays a tick that succeeded nor a poison message it dead-lettered', async () => {
    const { deps } = setUp();
    const queue = new RecordingRetry();
    const withRetry = { ...deps, retry: { queue, delayMs: 5_000 } };

    await handleTickMessage(withRetry, {
      ...message(encodeTickMessage({ symbol: 'LTC/BTC', scheduledAt: at })),
      receiptHandle: 'rh-1',
    });
    await handleTickMessage(withRetry, { ...message('{not json'), receiptHandle: 'rh-2' });

    expect(queue.asked).toEqual([]);
  });

  it('throws a poison message when there is no dead-letter queue to park it in', async () => {
    const { metrics } = setUp();

    await expect(
      handleTickMessage({ runTickOnce: async (r) => resultOf(r), metrics }, message('{not json')),
    ).rejects.toThrow(/not valid JSON/);
  });
});
