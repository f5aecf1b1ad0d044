/**
 * The fastest a fan-out of `symbols` messages can go when every request costs `rttMs`:
 * SendMessageBatch carries `batchSize` messages and `concurrency` batches are in flight at once,
 * so `ceil(symbols / batchSize) / concurrency` round trips, each `rttMs` long. The brief's
 * formula, kept fractional on purpose: it is a touch below the whole number of rounds, which
 * makes the ratio against it slightly stricter.
 */
export function fanOutLimitMs(input: {
  symbols: number;
  batchSize: number;
  concurrency: number;
  rttMs: number;
}): number {
  const { symbols, batchSize, concurrency, rttMs } = input;
  if (!(batchSize > 0 && concurrency > 0)) {
    throw new RangeError(
      `batchSize and concurrency must be positive, got ${batchSize}, ${concurrency}`,
    );
  }
  return (Math.ceil(symbols / batchSize) / concurrency) * rttMs;
}

/** Whole rounds of `concurrency` batches needed for `symbols` messages: the lower bound in calls. */
export function fanOutRounds(input: {
  symbols: number;
  batchSize: number;
  concurrency: number;
}): number {
  return Math.ceil(Math.ceil(input.symbols / input.batchSize) / input.concurrency);
}
