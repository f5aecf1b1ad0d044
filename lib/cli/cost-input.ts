/**
 * Inputs of `npm run cost` that do not come from flags verbatim: defaults, the tick period
 * notation and what a local run summary says about tick duration and orders.
 */
import type { SymbolConfig } from '../config/schema.js';
import { createStrategy } from '../domain/strategies/registry.js';
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

/**
 * Candles a symbol tick fetches when no config says: `sma-cross` with its default `slow` of 30
 * needs 31 (its warmup), and the exchange adapter asks for one more, which may still be forming.
 */
export const defaultCandlesPerTick = 32;

/**
 * Candles a tick fetches per symbol, averaged over `symbols`: each strategy's warmup plus the one
 * the exchange adapter asks for beyond it. {@link defaultCandlesPerTick} for no symbols.
 */
export function candlesPerTick(
  symbols: readonly Pick<SymbolConfig, 'strategy' | 'params'>[],
): number {
  if (symbols.length === 0) return defaultCandlesPerTick;
  const total = symbols.reduce(
    (sum, s) => sum + createStrategy(s.strategy, s.params).warmup + 1,
    0,
  );
  return total / symbols.length;
}

/** `--azs`: the fixed egress IP's availability zones, 1 or 2 as `network.azs` allows. */
export function parseAzs(value: string): 1 | 2 {
  if (value !== '1' && value !== '2') {
    throw new UsageError(`--azs must be 1 or 2 (got ${JSON.stringify(value)})`);
  }
  return value === '1' ? 1 : 2;
}

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
