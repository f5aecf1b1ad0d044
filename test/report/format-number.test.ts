import { describe, expect, it } from 'vitest';
import {
  feeSignificant,
  formatNumber,
  formatPercent,
  type NumberPrecision,
} from '../../lib/report/format-number.js';
import { textTable } from '../../lib/report/text-table.js';

describe('formatNumber', () => {
  it.each<[number, NumberPrecision, string]>([
    [0.000009999825, { significant: feeSignificant }, '0.00001'],
    [0.001494, { significant: feeSignificant }, '0.001494'],
    [-0.0000219312345, {}, '-0.0000219312'],
    [0.000198183456, {}, '0.000198183'],
    [1234.5678912, {}, '1234.57'],
    [123456789.4, {}, '123456789'],
    [0.0175234567, { step: 0.000001 }, '0.017523'],
    [10.0000004, { step: 0.000001 }, '10'],
    [0.5700000000001, { step: 0.001 }, '0.57'],
    [0.12345678, { step: 0.001 }, '0.123'],
    [7.3, { step: 0.5 }, '7.5'],
    [0.1 + 0.2, {}, '0.3'],
    [0, {}, '0'],
    [-0.0000001, { step: 0.001 }, '0'],
    [Number.NaN, {}, 'NaN'],
  ])('shows %s with %j as %s', (value, precision, shown) => {
    expect(formatNumber(value, precision)).toBe(shown);
  });
});

describe('formatPercent', () => {
  it('shows a fraction as a percentage with two decimals', () => {
    expect(formatPercent(0.497489959839)).toBe('49.75');
    expect(formatPercent(-0.0000001)).toBe('0.00');
  });
});

describe('textTable', () => {
  it('lines up a label column on the left and figures on the right, under a rule', () => {
    expect(
      textTable(
        ['symbol', 'pnl'],
        [
          ['LTC/BTC', '0.000198'],
          ['ETC/BTC', '-0.0000219'],
        ],
      ).split('\n'),
    ).toEqual([
      'symbol          pnl',
      '-------  ----------',
      'LTC/BTC    0.000198',
      'ETC/BTC  -0.0000219',
    ]);
  });

  it('aligns each column as asked and trims trailing spaces', () => {
    expect(textTable(['a', 'b'], [['x', 'long']], ['right', 'left']).split('\n')).toEqual([
      'a  b',
      '-  ----',
      'x  long',
    ]);
  });
});
