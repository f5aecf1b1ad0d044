import { describe, expect, it } from 'vitest';
import { paperFillCost } from '../../../lib/domain/paper-fill.js';

describe('paperFillCost', () => {
  it('charges the fee rate on the notional', () => {
    expect(paperFillCost(0.166, 6, 0.001)).toEqual({ notional: 0.996, fee: 0.000996 });
  });

  it('drops floating-point residue beyond 12 decimals', () => {
    // 0.1 × 3 is 0.30000000000000004 in binary floating point
    expect(paperFillCost(0.1, 3, 0.001)).toEqual({ notional: 0.3, fee: 0.0003 });
  });
});
