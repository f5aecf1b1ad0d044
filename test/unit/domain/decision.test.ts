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
      expect(sideFor(signal, { amount })).toBe(side);
    },
  );
});
