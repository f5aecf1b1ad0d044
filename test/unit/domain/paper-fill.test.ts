import { describe, expect, it } from 'vitest';
import { paperFillCost, roundAmount } from '../../../lib/domain/paper-fill.js';

describe('paperFillCost', () => {
  it('charges the fee rate on the notional', () => {
    expect(paperFillCost(0.166, 6, 0.001)).toEqual({ notional: 0.996, fee: 0.000996 });
  });

  it('drops floating-point residue beyond 12 decimals', () => {
    // 0.1 × 3 is 0.30000000000000004 in binary floating point
    expect(paperFillCost(0.1, 3, 0.001)).toEqual({ notional: 0.3, fee: 0.0003 });
  });
});

describe('roundAmount', () => {
  it('gives the 12-decimal rounding bit for bit, next to a half of 1e-12 and away from it', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const values = [0, -0, 4e-13, -4e-13, 5e-13, 0.1 * 3, 999.9999999999995, 1000.5, Number.NaN];
    for (let k = 0; k < 20_000; k++) {
      // notionals and fees as fills make them, halves of 1e-12 a hair either side, anything at all
      const notional = (Math.round(random() * 1e5) / 1e3) * (Math.round(random() * 1e6) / 1e8);
      values.push(notional, notional * 0.001);
      values.push((Math.round(random() * 1e9) + 0.5) * 1e-12 * (1 + (random() - 0.5) * 1e-9));
      values.push((random() - 0.5) * 10 ** Math.floor(random() * 20 - 12));
    }

    const differing = values.filter((v) => !Object.is(roundAmount(v), Number(v.toFixed(12))));

    expect(differing).toEqual([]);
  });
});
