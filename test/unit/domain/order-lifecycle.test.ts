import { describe, expect, it } from 'vitest';
import {
  applyReport,
  cancelUnreceived,
  canMoveOrder,
  fillOf,
  IllegalOrderTransitionError,
  isFinalOrder,
  markSent,
  nextOrderStep,
  type OrderRecord,
  OrderState,
  pendingOrderStep,
  recordIntent,
  tickOrderOf,
} from '../../../lib/domain/order-lifecycle.js';

const states = Object.values(OrderState);
const finals: OrderState[] = ['filled', 'partially-filled', 'rejected', 'cancelled'];
const unsettled: OrderState[] = ['intent', 'sent', 'open'];

/** Every legal move: an unsettled record is sent, or moves to whatever the venue reports. */
const legal: [OrderState, OrderState][] = [
  ['intent', 'sent'],
  ['intent', 'filled'],
  ['intent', 'partially-filled'],
  ['intent', 'open'],
  ['intent', 'rejected'],
  ['intent', 'cancelled'],
  // a prompt retry whose look-up found nothing sends the one order
  ['sent', 'sent'],
  ['sent', 'filled'],
  ['sent', 'partially-filled'],
  ['sent', 'open'],
  ['sent', 'rejected'],
  ['sent', 'cancelled'],
  // an order the venue once called open reached it: never sent again
  ['open', 'filled'],
  ['open', 'partially-filled'],
  ['open', 'open'],
  ['open', 'rejected'],
  ['open', 'cancelled'],
];
const illegal: [OrderState, OrderState][] = states
  .flatMap((from) => states.map((to): [OrderState, OrderState] => [from, to]))
  .filter(([from, to]) => !legal.some(([f, t]) => f === from && t === to));

const intent = {
  clientOrderId: 'tf-b-1-abc',
  strategy: 'sma-cross',
  symbol: 'LTC/BTC',
  candleTime: 1_516_449_300_000,
  side: 'buy',
  referencePrice: 0.017,
} as const;
const at = '2018-01-20T12:00:02.000Z';
const filled = { status: 'filled', filledAmount: 0.5, averagePrice: 0.0171, fee: 0.00001 } as const;

function record(status: OrderState, version = 2): OrderRecord {
  return { ...recordIntent(intent, { ok: true, amount: 0.5 }, at), status, version };
}

describe('the order transition table', () => {
  it.each(legal)('lets an order move from %s to %s', (from, to) => {
    expect(canMoveOrder(from, to)).toBe(true);
  });

  it.each(illegal)('refuses a move from %s to %s', (from, to) => {
    expect(canMoveOrder(from, to)).toBe(false);
  });

  it('never moves an order back to intent', () => {
    expect(states.filter((from) => canMoveOrder(from, 'intent'))).toEqual([]);
  });
});

describe('isFinalOrder', () => {
  it.each(finals)('calls %s final: nothing moves it any more', (status) => {
    expect(isFinalOrder(status)).toBe(true);
    expect(states.filter((to) => canMoveOrder(status, to))).toEqual([]);
  });

  it.each(unsettled)('calls %s unsettled', (status) => {
    expect(isFinalOrder(status)).toBe(false);
  });
});

describe('recordIntent', () => {
  it('records a sized intent as version 1, before anything is sent', () => {
    expect(recordIntent(intent, { ok: true, amount: 0.5 }, at)).toEqual({
      ...intent,
      amount: 0.5,
      status: 'intent',
      createdAt: at,
      version: 1,
    });
  });

  it('records an intent that may not be sent as rejected, with the reason', () => {
    const refused = recordIntent(intent, { ok: false, reason: 'below minimum' }, at);
    expect(refused).toMatchObject({ status: 'rejected', amount: 0, reason: 'below minimum' });
    expect(nextOrderStep(refused)).toBe('apply');
  });
});

describe('nextOrderStep (what a tick does with its own order, first attempt or retry)', () => {
  it('sends a fresh intent: it was never sent', () => {
    expect(nextOrderStep(recordIntent(intent, { ok: true, amount: 0.5 }, at))).toBe('send');
  });

  it.each([
    ['sent', 2],
    ['open', 3],
    ['intent', 2],
  ] as const)('looks a %s record (version %i) up before it may send it', (status, version) => {
    expect(nextOrderStep(record(status, version))).toBe('look-up');
  });

  it.each(finals)('never sends a %s record again, only applies it', (status) => {
    expect(nextOrderStep(record(status))).toBe('apply');
  });
});

describe('pendingOrderStep (what a later tick does with an order left pending)', () => {
  it.each(unsettled)('leaves a %s order of its own candle to its decision', (status) => {
    expect(pendingOrderStep(record(status), intent.candleTime)).toBe('leave');
  });

  it.each(unsettled)('looks up a %s order of an earlier candle, never sends it', (status) => {
    expect(pendingOrderStep(record(status), intent.candleTime + 300_000)).toBe('look-up');
    expect(pendingOrderStep(record(status), Number.NaN)).toBe('look-up');
  });

  it.each(finals)('applies a %s order, whatever candle it was for', (status) => {
    expect(pendingOrderStep(record(status), intent.candleTime)).toBe('apply');
  });
});

describe('the moves', () => {
  it('marks an intent sent, bumping the version for the version-checked write', () => {
    const fresh = recordIntent(intent, { ok: true, amount: 0.5 }, at);
    expect(markSent(fresh)).toEqual({ ...fresh, status: 'sent', version: 2 });
  });

  it("records the venue's report with its fill, and the reason of a refusal", () => {
    expect(applyReport(record('sent'), filled)).toMatchObject({ ...filled, version: 3 });
    const refused = applyReport(
      record('sent'),
      { status: 'rejected', filledAmount: 0, averagePrice: 0, fee: 0 },
      'insufficient balance',
    );
    expect(refused).toMatchObject({ status: 'rejected', reason: 'insufficient balance' });
  });

  it('cancels an order the venue never received, saying so', () => {
    expect(cancelUnreceived(record('sent'))).toMatchObject({
      status: 'cancelled',
      reason: 'the exchange never received it; its tick is over',
      version: 3,
    });
  });

  it.each(finals)('refuses to send, re-report or cancel a %s order', (status) => {
    const done = record(status);
    expect(() => markSent(done)).toThrow(IllegalOrderTransitionError);
    expect(() => applyReport(done, filled)).toThrow(IllegalOrderTransitionError);
    expect(() => cancelUnreceived(done)).toThrow(`cannot move from ${status} to cancelled`);
  });
});

describe('fillOf and tickOrderOf', () => {
  it('gives the fill of a filled order, and none for an order that filled nothing', () => {
    expect(fillOf(applyReport(record('sent'), filled))).toEqual({
      side: 'buy',
      amount: 0.5,
      price: 0.0171,
      fee: 0.00001,
      candleTime: intent.candleTime,
    });
    expect(fillOf(cancelUnreceived(record('sent')))).toBeUndefined();
    expect(fillOf(record('sent'))).toBeUndefined();
  });

  it('reports the filled amount and price, or the intended ones before a fill', () => {
    expect(tickOrderOf(applyReport(record('sent'), filled))).toEqual({
      clientOrderId: intent.clientOrderId,
      side: 'buy',
      amount: 0.5,
      price: 0.0171,
      status: 'filled',
    });
    expect(tickOrderOf(record('sent'))).toMatchObject({ amount: 0.5, price: 0.017 });
  });
});
