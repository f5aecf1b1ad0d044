import { describe, expect, it } from 'vitest';
import { sideFor } from '../../../lib/domain/decision.js';
import { Side, Signal } from '../../../lib/domain/signal.js';

describe('sideFor', () => {
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
      expect(sideFor(signal, { amount, entryPrice: 10 })).toBe(side);
    },
  );

  it.each([
    [Signal.None, 9.0, Side.Sell],
    [Signal.Enter, 8.5, Side.Sell],
    [Signal.None, 9.01, undefined],
  ])(
    'with a 10%% stoploss and entry at 10, a %s signal at close %d gives %s',
    (signal, close, side) => {
      expect(sideFor(signal, { amount: 1, entryPrice: 10 }, { close, stoplossPct: 0.1 })).toBe(
        side,
      );
    },
  );

  it('never stops out a flat position', () => {
    expect(
      sideFor(Signal.None, { amount: 0, entryPrice: 0 }, { close: 1, stoplossPct: 0.1 }),
    ).toBeUndefined();
  });
});
