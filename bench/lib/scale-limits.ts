import { median } from './stats.js';

/**
 * The longest a tick of `symbols` symbols may take when the trade function runs `concurrency`
 * invocations at once and one symbol's tick takes `singleSymbolMs`: the symbols go through in
 * `ceil(symbols / concurrency)` waves, each no longer than one symbol alone. A tick slower than
 * this loses time to something that does not scale with the slots (a shared core, the queue,
 * the store).
 */
export function tickLimitMs(input: {
  symbols: number;
  concurrency: number;
  singleSymbolMs: number;
}): number {
  const { symbols, concurrency, singleSymbolMs } = input;
  if (!(Number.isInteger(symbols) && symbols > 0)) {
    throw new RangeError(`symbols must be a positive whole number, got ${symbols}`);
  }
  if (!(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new RangeError(`concurrency must be a positive whole number, got ${concurrency}`);
  }
  if (!(Number.isFinite(singleSymbolMs) && singleSymbolMs > 0)) {
    throw new RangeError(`singleSymbolMs must be a positive number, got ${singleSymbolMs}`);
  }
  return Math.ceil(symbols / concurrency) * singleSymbolMs;
}

/** A tick's latency against its {@link tickLimitMs}. */
export interface TickJudgement {
  /** latency / limit. */
  readonly ratio: number;
  /** The latency is within the limit; a latency or limit that is not a positive number fails. */
  readonly pass: boolean;
}

/** Judges `latencyMs` against `limitMs`: it passes when it is at most the limit. */
export function judgeTick(latencyMs: number, limitMs: number): TickJudgement {
  const ratio = latencyMs / limitMs;
  const valid = Number.isFinite(ratio) && latencyMs > 0 && limitMs > 0;
  return { ratio, pass: valid && ratio <= 1 };
}

/**
 * One symbol's tick time from the latencies of a run's ticks, oldest first: the median of the
 * ticks after the first. The first is its container's first invocation (first connections,
 * code not yet optimised); in a tick of many symbols each container runs one such invocation
 * among many, so the warm figure is the one each wave costs, and the stricter limit.
 */
export function warmTickMs(latenciesMs: readonly number[]): number {
  if (latenciesMs.length < 2) {
    throw new RangeError(
      `a warm tick time needs at least 2 ticks (the first is left out), got ${latenciesMs.length}`,
    );
  }
  return median(latenciesMs.slice(1));
}

/**
 * Memory each pooled container adds, from the process's resident set before any container
 * (`baseBytes`), with the first (`firstBytes`) and with `containers` of them (`allBytes`): the
 * growth from the first to the last, per container after the first, so that what the first one
 * loads once for every thread (the worker runtime, shared code pages) is not counted again. In
 * MB of 2^20 bytes, as Lambda sizes memory.
 */
export function perContainerMb(input: {
  baseBytes: number;
  firstBytes: number;
  allBytes: number;
  containers: number;
}): { readonly firstMb: number; readonly perContainerMb: number } {
  const { baseBytes, firstBytes, allBytes, containers } = input;
  if (!(Number.isInteger(containers) && containers >= 2)) {
    throw new RangeError(`at least 2 containers are needed, got ${containers}`);
  }
  const mb = 2 ** 20;
  return {
    firstMb: (firstBytes - baseBytes) / mb,
    perContainerMb: (allBytes - firstBytes) / (containers - 1) / mb,
  };
}
