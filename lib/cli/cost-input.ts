/**
 * Inputs of `npm run cost` that do not come from flags verbatim: defaults, the tick period
 * notation and what a local run summary says about tick duration and orders.
 */
import { UsageError } from './args.js';

/**
 * Billed duration of a trade tick when nothing better is known: two DynamoDB reads, one candle
 * fetch from the exchange across the internet (the bulk), the tick result and health writes.
 */
export const defaultTradeDurationMs = 400;
/** The fan-out reads its control items and sends a few SendMessageBatch requests. */
export const defaultFanOutDurationMs = 100;
/** Share of symbol ticks that place an order when no run summary says otherwise. */
export const defaultOrderRate = 0.01;

/** `1m`, `15m`, `1h`, `1d` in milliseconds; the error names the flag and the value. */
export function parseEvery(value: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(value);
  const units = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  if (match === null || Number(match[1]) < 1) {
    throw new UsageError(`--every must look like 1m, 5m, 1h or 1d (got ${JSON.stringify(value)})`);
  }
  return Number(match[1]) * units[match[2] as keyof typeof units];
}

/** What a local run's summary JSON tells the cost model. */
export interface SummaryFacts {
  readonly p50Ms: number;
  readonly orderRate: number | undefined;
}

/** Reads `latencyMs.p50` and the order rate from a `npm start -- --summary-json` file. */
export function readSummaryFacts(text: string, file: string): SummaryFacts {
  let summary: {
    latencyMs?: { p50?: unknown };
    invocations?: unknown;
    orders?: { intents?: unknown };
  };
  try {
    summary = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const p50 = summary.latencyMs?.p50;
  if (typeof p50 !== 'number' || !(p50 > 0)) {
    throw new UsageError(
      `${file} has no latencyMs.p50 (write it with npm start -- --summary-json)`,
    );
  }
  const invocations = summary.invocations;
  const intents = summary.orders?.intents;
  const orderRate =
    typeof invocations === 'number' && invocations > 0 && typeof intents === 'number'
      ? intents / invocations
      : undefined;
  return { p50Ms: Math.ceil(p50), orderRate };
}
