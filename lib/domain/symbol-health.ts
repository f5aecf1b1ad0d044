/**
 * One symbol's health: its circuit breaker and the time of its last successful tick. Stored per
 * symbol, read by every trade invocation (the breaker) and by fan-out (open breakers, silence).
 */
export interface SymbolHealth {
  readonly symbol: string;
  readonly breaker: BreakerState;
  /** Exchange failures in a row since the last success. */
  readonly failures: number;
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
  /** Consecutive exchange failures that open the breaker. */
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
 * Whether a tick at `now` may call the exchange: `allow` when closed, `reject` while open
 * within its cooldown, `probe` once the cooldown has passed (the breaker goes half-open and the
 * tick is the one probe; while a probe is out, later ticks are rejected).
 */
export function breakerGate(
  health: SymbolHealth,
  now: number,
  rules: BreakerRules,
): 'allow' | 'probe' | 'reject' {
  if (health.breaker === BreakerState.Closed) return 'allow';
  const cooled = (health.openedAt ?? 0) + cooldownOf(health, rules) <= now;
  if (health.breaker === BreakerState.Open) return cooled ? 'probe' : 'reject';
  // Half-open: a probe is under way; one that never reported back is replaced after a cooldown.
  return cooled ? 'probe' : 'reject';
}

/** The health once a probe has been let through at `now`. */
export function startProbe(health: SymbolHealth, now: number): SymbolHealth {
  return { ...health, breaker: BreakerState.HalfOpen, openedAt: now, version: health.version + 1 };
}

/** The health after the exchange answered; `at` is the tick's scheduled time. */
export function recordSuccess(health: SymbolHealth, at: number): SymbolHealth {
  const { openedAt: _closed, reopened: _reset, ...rest } = health;
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
  const { openedAt: _closed, reopened: _reset, ...rest } = health;
  return { ...rest, breaker: BreakerState.Closed, failures: 0, version: health.version + 1 };
}

/** The health after an exchange failure at `now`: opens at the threshold or on a failed probe. */
export function recordFailure(
  health: SymbolHealth,
  now: number,
  rules: BreakerRules,
): SymbolHealth {
  const failures = health.failures + 1;
  const probeFailed = health.breaker === BreakerState.HalfOpen;
  const open = probeFailed || failures >= rules.threshold;
  return {
    ...health,
    trackedSince: health.trackedSince ?? now,
    failures,
    breaker: open ? BreakerState.Open : health.breaker,
    ...(open ? { openedAt: now } : {}),
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
