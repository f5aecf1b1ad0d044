/**
 * A call given less than this cannot succeed, so it is not started. One definition: the trade
 * function's deadline rules and the config's validation both use it.
 */
export const minCallMs = 250;

/** How an invocation's remaining time is shared among its exchange calls. */
export interface DeadlineRules {
  /** Upper bound of any single exchange call. */
  readonly exchangeCallMs: number;
  /** Time kept back from the invocation's deadline for recording results. */
  readonly safetyMarginMs: number;
  /** A call given less than this cannot succeed, so it is not started. */
  readonly minCallMs: number;
}

/**
 * The timeout for the next exchange call: `min(exchangeCallMs, remaining - safetyMargin)`, or
 * `undefined` when that leaves less than `minCallMs` and the call must not start.
 */
export function callTimeout(remainingMs: number, rules: DeadlineRules): number | undefined {
  const budget = Math.floor(remainingMs - rules.safetyMarginMs);
  const timeout = Math.min(rules.exchangeCallMs, budget);
  return timeout >= rules.minCallMs ? timeout : undefined;
}
