import { describe, expect, it } from 'vitest';
import {
  judgeTick,
  perContainerMb,
  tickLimitMs,
  warmTickMs,
} from '../../../bench/lib/scale-limits.js';

describe('tickLimitMs', () => {
  it('is one single-symbol tick per wave of concurrent invocations', () => {
    expect(tickLimitMs({ symbols: 1000, concurrency: 10, singleSymbolMs: 150 })).toBe(15_000);
  });

  it('counts a partly filled last wave as a whole one', () => {
    expect(tickLimitMs({ symbols: 1001, concurrency: 10, singleSymbolMs: 150 })).toBe(15_150);
  });

  it.each([
    [{ symbols: 0, concurrency: 10, singleSymbolMs: 150 }, 'symbols'],
    [{ symbols: 1000, concurrency: 0, singleSymbolMs: 150 }, 'concurrency'],
    [{ symbols: 1000, concurrency: 2.5, singleSymbolMs: 150 }, 'concurrency'],
    [{ symbols: 1000, concurrency: 10, singleSymbolMs: 0 }, 'singleSymbolMs'],
    [{ symbols: 1000, concurrency: 10, singleSymbolMs: Number.NaN }, 'singleSymbolMs'],
  ])('refuses %j, naming %s', (input, field) => {
    expect(() => tickLimitMs(input)).toThrow(new RegExp(`^${field} must be`));
  });
});

describe('judgeTick', () => {
  it('passes a tick within the limit, the limit itself included', () => {
    expect(judgeTick(12_000, 15_000)).toEqual({ ratio: 0.8, pass: true });
    expect(judgeTick(15_000, 15_000)).toEqual({ ratio: 1, pass: true });
  });

  it('fails a tick over the limit', () => {
    expect(judgeTick(20_000, 15_000)).toEqual({ ratio: 20_000 / 15_000, pass: false });
  });

  it('fails a tick with no latency or no limit rather than passing it', () => {
    expect(judgeTick(0, 15_000).pass).toBe(false);
    expect(judgeTick(12_000, 0).pass).toBe(false);
    expect(judgeTick(Number.NaN, 15_000).pass).toBe(false);
  });
});

describe('warmTickMs', () => {
  it('is the median of the ticks after the first', () => {
    expect(warmTickMs([900, 150, 170, 160])).toBe(160);
    expect(warmTickMs([900, 150, 170])).toBe(160);
  });

  it('needs a tick after the first', () => {
    expect(() => warmTickMs([900])).toThrow(RangeError);
  });
});

describe('perContainerMb', () => {
  it("spreads the growth after the first container over the others, apart from the first's", () => {
    const mib = 2 ** 20;
    expect(
      perContainerMb({
        baseBytes: 500 * mib,
        firstBytes: 580 * mib,
        allBytes: 940 * mib,
        containers: 10,
      }),
    ).toEqual({ firstMb: 80, perContainerMb: 40 });
  });

  it('needs two containers to tell the first from the others', () => {
    expect(() =>
      perContainerMb({ baseBytes: 0, firstBytes: 1, allBytes: 1, containers: 1 }),
    ).toThrow(RangeError);
  });
});
