/**
 * One symbol's health: its circuit breaker and the time of its last successful tick. Stored per
 * symbol, read by every trade invocation (the breaker) and by fan-out (open breakers, silence).
 */
export interface SymbolHealth {
  readonly symbol: string;
  readonly breaker: BreakerState;
  /**
   * Ticks in a row, since the last success, in which the exchange failed: a tick counts once
   * however many of its calls and attempts failed.
   */
  readonly failures: number;
  /**
   * Scheduled time (epoch ms) of the tick that last added to `failures`, so that its retries and
   * its later calls do not add again.
   */
  readonly failedTickAt?: number;
  /** When the breaker last opened (epoch ms), while open or half-open. */
  readonly openedAt?: number;
  /** Failed probes since the breaker first opened; each doubles the next cooldown. */
  readonly reopened?: number;
  /** Scheduled time of the last tick that ran to a decision (epoch ms). */
  readonly lastSuccessAt?: number;
  /** When the first tick of this symbol wrote its health (epoch ms); silence counts from here. */
  readonly trackedSince?: number;
  /** Optimistic-lock version; 0 for health never written. */
  readonly version: number;
}

export const BreakerState = { Closed: 'closed', Open: 'open', HalfOpen: 'half-open' } as const;
export type BreakerState = (typeof BreakerState)[keyof typeof BreakerState];

export interface BreakerRules {
  /** Consecutive ticks in which the exchange failed that open the breaker. */
  readonly threshold: number;
  /** How long an open breaker refuses ticks before it lets one probe through, at first. */
  readonly cooldownMs: number;
}

/** The longest cooldown is this many times the first: probing a dead exchange costs little. */
export const maxCooldownFactor = 16;

/** The cooldown of an open breaker: doubled after each failed probe, up to 16 times the first. */
export function cooldownOf(health: SymbolHealth, rules: BreakerRules): number {
  return rules.cooldownMs * Math.min(2 ** (health.reopened ?? 0), maxCooldownFactor);
}

export function healthyState(symbol: string): SymbolHealth {
  return { symbol, breaker: BreakerState.Closed, failures: 0, version: 0 };
}

/**
 * Whether the tick scheduled at `tickAt`, starting at `now`, may call the exchange: `allow` when
 * closed, `reject` while open within its cooldown, `probe` once the cooldown has passed (the
 * breaker goes half-open and the tick is the one probe; while a probe is out, later ticks are
 * rejected). The tick whose failure opened the breaker at the threshold still gets its retries:
 * they are that same tick, they add nothing toward the breaker, and one that succeeds closes it.
 */
export function breakerGate(
  health: SymbolHealth,
  now: number,
  rules: BreakerRules,
  tickAt: number,
): 'allow' | 'probe' | 'reject' {
  if (health.breaker === BreakerState.Closed) return 'allow';
  const cooled = (health.openedAt ?? 0) + cooldownOf(health, rules) <= now;
  if (health.breaker === BreakerState.Open) {
    // A failed probe's retries stay refused: the probe rules give it one attempt.
    const opener = health.failedTickAt === tickAt && (health.reopened ?? 0) === 0;
    return cooled ? 'probe' : opener ? 'allow' : 'reject';
  }
  // Half-open: a probe is under way; one that never reported back is replaced after a cooldown.
  return cooled ? 'probe' : 'reject';
}

/** The health once a probe has been let through at `now`. */
export function startProbe(health: SymbolHealth, now: number): SymbolHealth {
  return { ...health, breaker: BreakerState.HalfOpen, openedAt: now, version: health.version + 1 };
}

/** The health after the exchange answered; `at` is the tick's scheduled time. */
export function recordSuccess(health: SymbolHealth, at: number): SymbolHealth {
  const { openedAt: _closed, reopened: _reset, failedTickAt: _forgotten, ...rest } = health;
  return {
    ...rest,
    breaker: BreakerState.Closed,
    failures: 0,
    lastSuccessAt: Math.max(at, health.lastSuccessAt ?? at),
    trackedSince: health.trackedSince ?? at,
    version: health.version + 1,
  };
}

/** The health after the exchange answered a tick that could not decide (a missing candle). */
export function recordAnswer(health: SymbolHealth): SymbolHealth {
  if (health.breaker === BreakerState.Closed && health.failures === 0) return health;
  const { openedAt: _closed, reopened: _reset, failedTickAt: _forgotten, ...rest } = health;
  return { ...rest, breaker: BreakerState.Closed, failures: 0, version: health.version + 1 };
}

/**
 * The health after an exchange failure at `now` in the tick scheduled at `tickAt`. A tick adds
 * one to the failures in a row, the first time it fails only: a retry that fails again is the
 * same outage seen twice, and counting it would let one unlucky tick open the breaker on its own.
 * The breaker opens at the threshold, and at once on a failed probe, whichever tick it was.
 */
export function recordFailure(
  health: SymbolHealth,
  now: number,
  rules: BreakerRules,
  tickAt: number,
): SymbolHealth {
  const probeFailed = health.breaker === BreakerState.HalfOpen;
  const counted = health.failedTickAt === tickAt;
  if (counted && !probeFailed) return health;
  const failures = counted ? health.failures : health.failures + 1;
  // An open breaker keeps the time it opened: its cooldown runs from there.
  const opens =
    probeFailed || (health.breaker === BreakerState.Closed && failures >= rules.threshold);
  return {
    ...health,
    trackedSince: health.trackedSince ?? now,
    failures,
    failedTickAt: tickAt,
    breaker: opens ? BreakerState.Open : health.breaker,
    ...(opens ? { openedAt: now } : {}),
    ...(probeFailed ? { reopened: (health.reopened ?? 0) + 1 } : {}),
    version: health.version + 1,
  };
}

/**
 * True when the symbol has had no successful tick for `windowMs` before `now`, counting from its
 * first tick if it never had one. A symbol no tick has reached yet is not silent: the queue's
 * own alarms cover a pipeline that delivers nothing.
 */
export function isSilent(health: SymbolHealth, now: number, windowMs: number): boolean {
  const last = health.lastSuccessAt ?? health.trackedSince;
  return last !== undefined && now - last >= windowMs;
}
