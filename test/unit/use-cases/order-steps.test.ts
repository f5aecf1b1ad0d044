import { describe, expect, it } from 'vitest';
import { clientOrderId } from '../../../lib/domain/order-intent.js';
import {
  type OrderRecord,
  OrderUnconfirmedError,
  recordIntent,
} from '../../../lib/domain/order-lifecycle.js';
import { flatPosition, type Position } from '../../../lib/domain/position.js';
import { OrderRejectedError } from '../../../lib/ports/broker.js';
import { type OrderPlan, placeOrderOnce } from '../../../lib/use-cases/place-order-once.js';
import { settlePendingOrder } from '../../../lib/use-cases/settle-pending-order.js';
import type { ExchangeCallKind } from '../../../lib/use-cases/trade-deps.js';
import { testConfig } from '../../helpers/config.js';
import {
  candleSeries,
  FakeBroker,
  FakeClock,
  FakeMarketData,
  InMemoryStore,
  RecordingMetrics,
} from '../../helpers/fakes.js';

const candleTime = Date.UTC(2018, 0, 20, 11, 55);
const [candle] = candleSeries([6], candleTime);
if (candle === undefined) throw new Error('no candle');
const plan: OrderPlan = {
  symbol: 'LTC/BTC',
  strategy: 'sma-cross',
  side: 'buy',
  candle,
  position: flatPosition('LTC/BTC'),
};
const id = clientOrderId({ ...plan, candleTime }, 'binance');

/** `budgetMs: 'none'` is a deadline no call fits. */
function setup(budgetMs: number | 'none' = 10_000) {
  const calls: ExchangeCallKind[] = [];
  return {
    calls,
    ports: {
      market: new FakeMarketData([]),
      broker: new FakeBroker(),
      store: new InMemoryStore(),
      clock: new FakeClock(candleTime + 302_000),
      metrics: new RecordingMetrics(),
      config: testConfig(),
      call: <T>(kind: ExchangeCallKind, run: () => Promise<T>) => {
        calls.push(kind);
        return run();
      },
      timeout: () => (budgetMs === 'none' ? undefined : budgetMs),
    },
  };
}

function stored(status: OrderRecord['status'], version: number): OrderRecord {
  const intent = { ...plan, candleTime, clientOrderId: id, referencePrice: candle?.close ?? 0 };
  return { ...recordIntent(intent, { ok: true, amount: 0.001 }, 'then'), status, version };
}

/** Stores the flat position with the order pending, as the tick that sent it left it. */
function pendingIn(store: InMemoryStore): Position {
  const position = { ...plan.position, pendingOrderId: id, version: 1 };
  store.positions.set(position.symbol, position);
  return position;
}

describe('placeOrderOnce', () => {
  it('records the intent, sends it without a look-up and applies its fill', async () => {
    const { ports, calls } = setup();

    const placed = await placeOrderOnce(ports, plan);

    expect(calls).toEqual(['market', 'order']);
    expect(placed.order).toMatchObject({ clientOrderId: id, status: 'filled', amount: 0.001 });
    expect(placed.position).toMatchObject({ amount: 0.001, lastOrderId: id });
    expect(placed.position.pendingOrderId).toBeUndefined();
    expect(ports.store.orders.get(id)).toMatchObject({ status: 'filled', version: 3 });
  });

  it('looks a sent order up and does not send it again when the venue has it', async () => {
    const { ports, calls } = setup();
    const sent = await placeOrderOnce(ports, plan);
    ports.store.orders.set(id, stored('sent', 2));
    ports.store.positions.delete('LTC/BTC');
    calls.length = 0;

    const again = await placeOrderOnce(ports, plan);

    expect(calls).toEqual(['lookup']);
    expect(ports.broker.placed).toHaveLength(1);
    expect(again.order).toEqual(sent.order);
  });

  it('sends a sent order the venue never received, once', async () => {
    const { ports, calls } = setup();
    ports.store.orders.set(id, stored('sent', 2));

    await placeOrderOnce(ports, plan);

    expect(calls).toEqual(['lookup', 'order']);
    expect(ports.broker.placed).toHaveLength(1);
  });

  it('never sends again an order the venue once called open, even when its look-up finds nothing', async () => {
    const { ports, calls } = setup();
    ports.store.orders.set(id, stored('open', 3));

    const error = await placeOrderOnce(ports, plan).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OrderUnconfirmedError);
    expect(calls).toEqual(['lookup']);
    expect(ports.broker.placed).toHaveLength(0);
    expect(ports.store.orders.get(id)?.status).toBe('open');
  });

  it('never sends a final order again, and applies its fill only once', async () => {
    const { ports, calls } = setup();
    const first = await placeOrderOnce(ports, plan);
    calls.length = 0;

    const again = await placeOrderOnce(ports, { ...plan, position: first.position });

    expect(calls).toEqual([]);
    expect(again.position).toEqual(first.position);
  });

  it('records a refusal the venue states as rejected, with its reason', async () => {
    const { ports } = setup();
    ports.broker.rejectWith = new OrderRejectedError('insufficient balance');

    const placed = await placeOrderOnce(ports, plan);

    expect(placed.order).toMatchObject({ status: 'rejected', reason: 'insufficient balance' });
    expect(placed.position.amount).toBe(0);
    expect(ports.metrics.sum('OrdersRejected')).toBe(1);
  });

  it('gives up before any call or write when no call fits the deadline', async () => {
    const { ports, calls } = setup('none');

    const placed = await placeOrderOnce(ports, plan);

    expect(placed).toEqual({ order: 'deadline', position: plan.position });
    expect(calls).toEqual([]);
    expect(ports.store.orders.size).toBe(0);
  });
});

describe('settlePendingOrder', () => {
  it('does nothing when no order is pending', async () => {
    const { ports, calls } = setup();
    expect(await settlePendingOrder(ports, plan.position, candleTime)).toEqual({
      position: plan.position,
    });
    expect(calls).toEqual([]);
  });

  it('clears a pending id that has no record: nothing was sent under it', async () => {
    const { ports, calls } = setup();
    const position = pendingIn(ports.store);

    const settled = await settlePendingOrder(ports, position, Number.NaN);

    expect(calls).toEqual([]);
    expect(settled).not.toBe('deadline');
    if (settled === 'deadline') return;
    expect(settled.position.pendingOrderId).toBeUndefined();
    expect(settled.record).toBeUndefined();
  });

  it("leaves this candle's own unsettled order to the decision", async () => {
    const { ports, calls } = setup();
    ports.store.orders.set(id, stored('sent', 2));
    const position = pendingIn(ports.store);

    expect(await settlePendingOrder(ports, position, candleTime)).toEqual({ position });
    expect(calls).toEqual([]);
  });

  it('finds an earlier order filled on the venue and applies it, never sending it', async () => {
    const { ports, calls } = setup();
    const sent = stored('sent', 2);
    ports.store.orders.set(id, sent);
    ports.broker.venue.set(id, {
      clientOrderId: id,
      status: 'filled',
      filledAmount: 0.001,
      averagePrice: 6,
      fee: 0,
    });

    const settled = await settlePendingOrder(ports, pendingIn(ports.store), candleTime + 300_000);

    expect(calls).toEqual(['lookup']);
    expect(ports.broker.placed).toHaveLength(0);
    expect(settled).toMatchObject({ position: { amount: 0.001, lastOrderId: id } });
    expect(ports.store.orders.get(id)).toMatchObject({ status: 'filled', version: 3 });
  });

  it('cancels an earlier order the venue never received', async () => {
    const { ports } = setup();
    ports.store.orders.set(id, stored('intent', 1));

    const settled = await settlePendingOrder(ports, pendingIn(ports.store), Number.NaN);

    expect(ports.store.orders.get(id)).toMatchObject({ status: 'cancelled', version: 2 });
    expect(settled).toMatchObject({ record: { status: 'cancelled' } });
    expect(ports.broker.placed).toHaveLength(0);
  });

  it('skips as deadline when the look-up cannot fit', async () => {
    const { ports } = setup('none');
    ports.store.orders.set(id, stored('sent', 2));

    expect(await settlePendingOrder(ports, pendingIn(ports.store), Number.NaN)).toBe('deadline');
    expect(ports.store.orders.get(id)).toMatchObject({ status: 'sent' });
  });
});
