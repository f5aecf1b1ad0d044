import { describe, expect, it } from 'vitest';
import { decide } from '../../../lib/domain/decision.js';
import { Side, Signal } from '../../../lib/domain/signal.js';

describe('decide', () => {
  it.each([
    [Signal.Enter, 0, Side.Buy],
    [Signal.Enter, 0.5, undefined],
    [Signal.Exit, 0.5, Side.Sell],
    [Signal.Exit, 0, undefined],
    [Signal.None, 0, undefined],
    [Signal.None, 0.5, undefined],
  ])(
    'maps %s with %d held to %s: enter only when flat, exit only when long',
    (signal, amount, side) => {
      expect(decide(signal, { amount, entryPrice: 10 })?.side).toBe(side);
    },
  );

  it('records a strategy exit as `signal` and gives an entry no reason', () => {
    expect(decide(Signal.Exit, { amount: 1, entryPrice: 10 })).toEqual({
      side: Side.Sell,
      reason: 'signal',
    });
    expect(decide(Signal.Enter, { amount: 0, entryPrice: 0 })).toEqual({ side: Side.Buy });
  });

  it.each([
    [Signal.None, 9.0, 'stoploss'],
    [Signal.Enter, 8.5, 'stoploss'],
    [Signal.None, 9.01, undefined],
  ])(
    'with a 10%% stoploss and entry at 10, a %s signal at close %d exits for %s',
    (signal, close, reason) => {
      expect(
        decide(signal, { amount: 1, entryPrice: 10 }, { close, stoplossPct: 0.1 })?.reason,
      ).toBe(reason);
    },
  );

  it('sells through a trailed stop as `trailing`, at the stop the position rests', () => {
    // Act
    const decision = decide(
      Signal.None,
      { amount: 1, entryPrice: 10 },
      { close: 10.9, stoplossPct: 0.1, stopPrice: 11 },
    );

    // Assess
    expect(decision).toEqual({ side: Side.Sell, reason: 'trailing' });
  });

  it.each([
    [10, 10.6, 'roi'],
    [10, 10.4, undefined],
    [60, 10.2, 'roi'],
    [60, 10.1, undefined],
    [240, 10.0, 'roi'],
  ])(
    'with roi {0: 5%%, 60: 2%%, 240: 0} after %d minutes a close of %d exits for %s',
    (minutes, close, reason) => {
      // Act
      const decision = decide(
        Signal.None,
        { amount: 1, entryPrice: 10 },
        { close, roi: { '0': 0.05, '60': 0.02, '240': 0 }, minutesHeld: minutes },
      );

      // Assess
      expect(decision?.reason).toBe(reason);
    },
  );

  it('never stops out a flat position', () => {
    expect(
      decide(Signal.None, { amount: 0, entryPrice: 0 }, { close: 1, stoplossPct: 0.1 }),
    ).toBeUndefined();
  });
});
