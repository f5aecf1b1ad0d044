import { describe, expect, it } from 'vitest';
import type { SymbolConfig } from '../../../lib/config/schema.js';
import type { Candle } from '../../../lib/domain/candle.js';
import { flatPosition, type Position } from '../../../lib/domain/position.js';
import type { TradeEvent } from '../../../lib/domain/trade-event.js';
import { OrderRejectedError } from '../../../lib/ports/broker.js';
import { ExchangeUnavailableError } from '../../../lib/ports/market-data.js';
import type { Notifier } from '../../../lib/ports/notifier.js';
import { applySettledOrder } from '../../../lib/use-cases/apply-settled-order.js';
import { bookRealisedPnl } from '../../../lib/use-cases/daily-loss.js';
import { placeOrderOnce } from '../../../lib/use-cases/place-order-once.js';
import { TickSession } from '../../../lib/use-cases/tick-session.js';
import { testConfig } from '../../helpers/config.js';
import {
  candleSeries,
  FakeBroker,
  FakeClock,
  FakeMarketData,
  InMemoryStore,
  RecordingMetrics,
} from '../../helpers/fakes.js';

class RecordingNotifier implements Notifier {
  readonly events: TradeEvent[] = [];
  async notify(event: TradeEvent): Promise<void> {
    this.events.push(event);
  }
  kinds(): string[] {
    return this.events.map((e) => e.kind);
  }
}

const tf = 300_000;
const scheduledAt = Date.UTC(2018, 0, 20, 12, 0);
const lastClosed = scheduledAt - tf;
const candle = candleSeries([6], lastClosed)[0] as Candle;

function setup(notifier: Notifier = new RecordingNotifier()) {
  const clock = new FakeClock(scheduledAt + 2_000);
  const ports = {
    market: new FakeMarketData(candleSeries([6], lastClosed)),
    broker: new FakeBroker(),
    store: new InMemoryStore(),
    clock,
    metrics: new RecordingMetrics(),
    config: testConfig({ guards: { breakerThreshold: 2 } }),
    notifier,
    call: <T>(_kind: string, run: () => Promise<T>) => run(),
    timeout: () => 5_000,
  };
  return { ports, notifier };
}

function recorded(notifier: Notifier): RecordingNotifier {
  if (!(notifier instanceof RecordingNotifier)) throw new Error('not recording');
  return notifier;
}

const held = { symbol: 'LTC/BTC', amount: 0.5, entryPrice: 5, realisedPnl: 0, version: 1 };

function plan(side: 'buy' | 'sell', position: Position = flatPosition('LTC/BTC')) {
  return { symbol: 'LTC/BTC', strategy: 'sma-cross', side, candle, position };
}

describe('trade events from placing an order', () => {
  it('tells of a filled entry with its amount, price and fee', async () => {
    const { ports, notifier } = setup();
    await placeOrderOnce(ports, plan('buy'));
    expect(recorded(notifier).events).toEqual([
      {
        kind: 'entry-filled',
        symbol: 'LTC/BTC',
        time: ports.clock.now(),
        clientOrderId: ports.broker.placed[0]?.clientOrderId,
        amount: 0.001,
        price: 6,
        fee: 0.001 * 6 * 0.001,
      },
    ]);
  });

  it('tells of a filled exit with its reason and the pnl the position realised', async () => {
    const { ports, notifier } = setup();
    ports.store.positions.set('LTC/BTC', held);
    const { position } = await placeOrderOnce(ports, plan('sell', held));
    const exit = recorded(notifier).events.find((e) => e.kind === 'exit-filled');
    expect(exit).toMatchObject({ symbol: 'LTC/BTC', reason: 'signal', amount: 0.5, price: 6 });
    expect(exit?.kind === 'exit-filled' && exit.pnl).toBeCloseTo(position.realisedPnl, 12);
    expect(exit?.kind === 'exit-filled' && exit.pnl).toBeGreaterThan(0);
  });

  it('tells an exit the reason its order record gives', async () => {
    const { ports, notifier } = setup();
    const record = {
      clientOrderId: 'stop-1',
      symbol: 'LTC/BTC',
      strategy: 'sma-cross',
      side: 'sell' as const,
      candleTime: lastClosed,
      amount: 0.5,
      referencePrice: 4.5,
      status: 'filled' as const,
      filledAmount: 0.5,
      averagePrice: 4.5,
      fee: 0,
      exitReason: 'stoploss' as const,
      createdAt: new Date(scheduledAt).toISOString(),
      version: 3,
    };
    ports.store.positions.set('LTC/BTC', held);
    await applySettledOrder(ports, record, held);
    expect(recorded(notifier).events.filter((e) => e.kind === 'exit-filled')).toEqual([
      expect.objectContaining({ kind: 'exit-filled', reason: 'stoploss', pnl: -0.25 }),
    ]);
  });

  it('tells of a fill once: a retry of the same intent tells nothing again', async () => {
    const { ports, notifier } = setup();
    const first = await placeOrderOnce(ports, plan('buy'));
    await placeOrderOnce(ports, plan('buy', first.position));
    expect(recorded(notifier).kinds()).toEqual(['entry-filled']);
  });

  it('tells of an order the venue refuses, with its reason, once', async () => {
    const { ports, notifier } = setup();
    ports.broker.rejectWith = new OrderRejectedError('insufficient balance');
    const first = await placeOrderOnce(ports, plan('buy'));
    await placeOrderOnce(ports, plan('buy', first.position));
    expect(recorded(notifier).events).toEqual([
      expect.objectContaining({
        kind: 'order-rejected',
        symbol: 'LTC/BTC',
        side: 'buy',
        reason: 'insufficient balance',
      }),
    ]);
  });

  it('tells of an order the risk rules refuse', async () => {
    const { ports, notifier } = setup();
    ports.store.open.add('ETC/BTC');
    const config = testConfig({ risk: { maxOpenPositions: 1 } });
    await placeOrderOnce({ ...ports, config }, plan('buy'));
    expect(recorded(notifier).events).toEqual([
      expect.objectContaining({ kind: 'order-rejected', reason: 'max open positions (1) reached' }),
    ]);
  });

  it('trades on when the notifier rejects, throws or never answers', async () => {
    const broken: Notifier[] = [
      { notify: () => Promise.reject(new Error('topic gone')) },
      {
        notify: () => {
          throw new Error('sync');
        },
      },
      { notify: () => new Promise<void>(() => undefined) },
    ];
    for (const notifier of broken) {
      const { ports } = setup(notifier);
      const placed = await placeOrderOnce(ports, plan('buy'));
      expect(placed.order).toMatchObject({ status: 'filled' });
      expect(placed.position.amount).toBe(0.001);
    }
  });
});

describe('breaker events', () => {
  it('tells of a breaker that opens, and of it closing again, once each', async () => {
    const { ports, notifier } = setup();
    const symbol = ports.config.symbols[0] as SymbolConfig;
    const tickAt = (i: number) => ({
      tick: { symbol: 'LTC/BTC', scheduledAt: scheduledAt + i * tf },
      remainingMs: () => 25_000,
    });
    const failing = () => Promise.reject(new ExchangeUnavailableError('unavailable', 'HTTP 503'));
    // Three ticks in a row whose exchange calls fail; the breaker opens at the second.
    for (let i = 0; i < 3; i++) {
      const tick = await TickSession.open(ports, tickAt(i), symbol);
      await tick.call('candles', failing).catch(() => undefined);
    }
    expect(recorded(notifier).events).toEqual([
      {
        kind: 'breaker-opened',
        symbol: 'LTC/BTC',
        time: ports.clock.now(),
        failures: 2,
        cooldownMs: 900_000,
      },
    ]);
    const recovered = await TickSession.open(ports, tickAt(3), symbol);
    await recovered.succeed({ signal: 'none' });
    const again = await TickSession.open(ports, tickAt(4), symbol);
    await again.succeed({ signal: 'none' });
    expect(recorded(notifier).kinds()).toEqual(['breaker-opened', 'breaker-closed']);
  });
});

describe('the daily loss limit', () => {
  it('tells that it was reached, with the day, the loss, the limit and the mode', async () => {
    const notifier = new RecordingNotifier();
    const clock = new FakeClock(Date.UTC(2026, 0, 16, 10));
    const ports = {
      store: new InMemoryStore(),
      clock,
      metrics: new RecordingMetrics(),
      config: testConfig({ risk: { maxDailyLoss: 0.05 } }),
      notifier,
    };
    await bookRealisedPnl(ports, 'a', -0.03);
    expect(notifier.events).toEqual([]);
    await bookRealisedPnl(ports, 'b', -0.03);
    await bookRealisedPnl(ports, 'c', -0.01);
    expect(notifier.events).toEqual([
      {
        kind: 'daily-loss-limit',
        time: clock.now(),
        day: '2026-01-16',
        realisedPnl: expect.closeTo(-0.06, 12),
        limit: 0.05,
        action: 'close-only',
      },
    ]);
  });
});
