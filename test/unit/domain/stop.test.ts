import { describe, expect, it } from 'vitest';
import { clientIdPatterns } from '../../../lib/domain/client-id.js';
import { clientOrderId, intentCandleTime } from '../../../lib/domain/order-intent.js';
import {
  isStopClientOrderId,
  roiTarget,
  stopClientOrderId,
  stopExitReason,
  stopFillPrice,
  trailedStopPrice,
} from '../../../lib/domain/stop.js';

const candle = (open: number, low: number) => ({
  time: 0,
  open,
  high: Math.max(open, 12),
  low,
  close: 11,
  volume: 1,
});

describe('stopFillPrice', () => {
  it('fills at the stop once the low reaches it', () => {
    expect(stopFillPrice(candle(11, 8.9), 9)).toBe(9);
    expect(stopFillPrice(candle(11, 9), 9)).toBe(9);
  });

  it('fills at the open when the candle opened below the stop (a gap)', () => {
    expect(stopFillPrice(candle(8.5, 8), 9)).toBe(8.5);
  });

  it('does not fill a candle whose low stays above the stop', () => {
    expect(stopFillPrice(candle(11, 9.01), 9)).toBeUndefined();
  });
});

describe.each(['binance', 'okx', 'kraken'] as const)('stopClientOrderId for %s', (style) => {
  it('derives the same id for the same entry and revision, and a new one per revision', () => {
    const entry = clientOrderId(
      { strategy: 'sma-cross', symbol: 'LTC/BTC', candleTime: 1_515_560_100_000, side: 'buy' },
      style,
    );
    const ids = [1, 2, 3, 35, 36, 1295, 1296].map((r) => stopClientOrderId(entry, r, style));

    expect(stopClientOrderId(entry, 1, style)).toBe(ids[0]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(clientIdPatterns[style]);
      expect(isStopClientOrderId(id)).toBe(true);
      expect(intentCandleTime(id)).toBeUndefined();
    }
    expect(isStopClientOrderId(entry)).toBe(false);
    expect(stopClientOrderId(`${entry}x`, 1, style)).not.toBe(ids[0]);
  });

  it('refuses a revision below 1', () => {
    expect(() => stopClientOrderId('e', 0, style)).toThrow(RangeError);
  });
});

describe('trailedStopPrice', () => {
  it('moves the stop up below a new high, never down', () => {
    expect(trailedStopPrice(9, 12, 0.05)).toBeCloseTo(11.4);
    expect(trailedStopPrice(11.5, 12, 0.05)).toBeUndefined();
  });
});

describe('stopExitReason', () => {
  it('calls a stop above the initial stoploss trailing', () => {
    expect(stopExitReason(9, 10, 0.1)).toBe('stoploss');
    expect(stopExitReason(9.5, 10, 0.1)).toBe('trailing');
  });
});

describe('roiTarget', () => {
  it('takes the entry with the largest minute key not above the time held', () => {
    const roi = { '0': 0.05, '60': 0.02, '240': 0 };
    expect(roiTarget(roi, 0)).toBe(0.05);
    expect(roiTarget(roi, 59)).toBe(0.05);
    expect(roiTarget(roi, 60)).toBe(0.02);
    expect(roiTarget(roi, 1000)).toBe(0);
    expect(roiTarget({ '30': 0.01 }, 10)).toBeUndefined();
  });
});
