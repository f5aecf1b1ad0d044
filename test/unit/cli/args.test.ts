import { describe, expect, it } from 'vitest';
import { UsageError, wholeNumberIn } from '../../../lib/cli/args.js';

describe('wholeNumberIn', () => {
  it.each(['1', '1000', '5000'])('reads %s as a whole number within the range', (value) => {
    expect(wholeNumberIn('--synthetic', value, 1, 5000)).toBe(Number(value));
  });

  it.each([['0'], ['5001'], ['-3'], ['2.5'], ['1e3'], ['many'], ['']])(
    'refuses %j with one line naming the flag, the range and the value',
    (value) => {
      expect(() => wholeNumberIn('--synthetic', value, 1, 5000)).toThrow(
        new UsageError(
          `--synthetic must be a whole number from 1 to 5000 (got ${JSON.stringify(value)})`,
        ),
      );
    },
  );
});
