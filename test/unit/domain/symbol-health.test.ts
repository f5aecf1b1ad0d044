import { describe, expect, it } from 'vitest';
import {
  breakerGate,
  cooldownOf,
  healthyState,
  isSilent,
  recordAnswer,
  recordFailure,
  recordSuccess,
  startProbe,
} from '../../../lib/domain/symbol-health.js';

const rules = { threshold: 3, cooldownMs: 60_000 };
const t0 = 1_000_000;
const tf = 300_000;
/** Scheduled time of the n-th tick. */
const tick = (n: number) => t0 - 3 * tf + n * tf;

function opened() {
  let h = healthyState('LTC/BTC');
  for (let n = 0; n < 3; n++) h = recordFailure(h, t0, rules, tick(n));
  return h;
}

describe('circuit breaker', () => {
  it('opens after three consecutive ticks in which the exchange failed', () => {
    let h = healthyState('LTC/BTC');
    h = recordFailure(h, t0, rules, tick(0));
    h = recordFailure(h, t0 + tf, rules, tick(1));
    expect(h).toMatchObject({ breaker: 'closed', failures: 2 });

    h = recordFailure(h, t0 + 2 * tf, rules, tick(2));

    expect(h).toMatchObject({ breaker: 'open', failures: 3, openedAt: t0 + 2 * tf });
  });

  it('counts a tick once however many of its attempts and calls fail', () => {
    let h = healthyState('LTC/BTC');
    for (let attempt = 0; attempt < 5; attempt++) h = recordFailure(h, t0 + attempt, rules, t0);

    expect(h).toMatchObject({ breaker: 'closed', failures: 1, failedTickAt: t0 });
    // Nothing changed after the first, so nothing is written.
    expect(recordFailure(h, t0 + 9, rules, t0)).toBe(h);
  });

  it('forgets the counted tick on a success, so the next failure counts afresh', () => {
    const failed = recordFailure(healthyState('LTC/BTC'), t0, rules, tick(0));
    const fine = recordSuccess(failed, tick(0));
    expect(fine.failedTickAt).toBeUndefined();
    expect(recordFailure(fine, t0 + tf, rules, tick(1))).toMatchObject({ failures: 1 });
  });

  it('keeps the time an open breaker opened when a later tick fails', () => {
    const h = recordFailure(opened(), t0 + 10_000, rules, tick(3));
    expect(h).toMatchObject({ breaker: 'open', failures: 4, openedAt: t0 });
    expect(breakerGate(h, t0 + 60_000, rules, tick(5))).toBe('probe');
  });

  it('reopens on a failed probe even when its tick already counted', () => {
    const probing = startProbe(opened(), t0 + 60_000);
    const h = recordFailure(probing, t0 + 60_001, rules, tick(2));
    expect(h).toMatchObject({ breaker: 'open', openedAt: t0 + 60_001, reopened: 1, failures: 3 });
  });

  it('allows while closed, rejects while open, and probes once the cooldown has passed', () => {
    const h = opened();
    expect(breakerGate(healthyState('X'), t0, rules, tick(3))).toBe('allow');
    expect(breakerGate(h, t0 + 59_999, rules, tick(3))).toBe('reject');
    expect(breakerGate(h, t0 + 60_000, rules, tick(4))).toBe('probe');
  });

  it('lets the retries of the tick that opened it through, and no other tick', () => {
    const h = opened();
    expect(breakerGate(h, t0 + 5_000, rules, tick(2))).toBe('allow');
    expect(breakerGate(h, t0 + 5_000, rules, tick(3))).toBe('reject');
    // A retry that fails again adds nothing and keeps the cooldown where it was.
    expect(recordFailure(h, t0 + 6_000, rules, tick(2))).toBe(h);
    expect(recordSuccess(h, tick(2))).toMatchObject({ breaker: 'closed', failures: 0 });
  });

  it("refuses a failed probe's retries: the probe has one attempt", () => {
    const probe = tick(3) + 60_000;
    const h = recordFailure(startProbe(opened(), t0 + 60_000), t0 + 60_001, rules, probe);
    expect(breakerGate(h, t0 + 65_000, rules, probe)).toBe('reject');
  });

  it('rejects other ticks while a probe is out', () => {
    const probing = startProbe(opened(), t0 + 60_000);
    expect(probing.breaker).toBe('half-open');
    expect(breakerGate(probing, t0 + 60_001, rules, tick(4))).toBe('reject');
    expect(breakerGate(probing, t0 + 60_001, rules, tick(2))).toBe('reject');
  });

  it('doubles the cooldown after each failed probe, up to sixteen times', () => {
    let h = opened();
    const cooldowns = [cooldownOf(h, rules)];
    for (let i = 0; i < 6; i++) {
      h = recordFailure(startProbe(h, t0), t0, rules, tick(3 + i));
      cooldowns.push(cooldownOf(h, rules));
    }
    expect(cooldowns.map((c) => c / 60_000)).toEqual([1, 2, 4, 8, 16, 16, 16]);
    expect(h.breaker).toBe('open');
  });

  it('closes and forgets failures and backoff on a success', () => {
    const h = recordSuccess(recordFailure(startProbe(opened(), t0), t0, rules, tick(3)), t0 + 5);
    expect(h).toMatchObject({ breaker: 'closed', failures: 0, lastSuccessAt: t0 + 5 });
    expect(h.openedAt).toBeUndefined();
    expect(cooldownOf(h, rules)).toBe(60_000);
  });

  it('closes without a success on an answer that could not decide', () => {
    expect(recordAnswer(opened())).toMatchObject({ breaker: 'closed', failures: 0 });
    const fine = healthyState('X');
    expect(recordAnswer(fine)).toBe(fine);
  });

  it('bumps the version on every change, for the conditional write', () => {
    const h = recordFailure(healthyState('X'), t0, rules, t0);
    expect(h.version).toBe(1);
    expect(recordSuccess(h, t0).version).toBe(2);
  });
});

describe('isSilent', () => {
  it('counts from the last success, or from the first tick of a symbol that never had one', () => {
    const window = 15 * 60_000;
    expect(isSilent({ ...healthyState('X'), lastSuccessAt: t0 }, t0 + window - 1, window)).toBe(
      false,
    );
    expect(isSilent({ ...healthyState('X'), lastSuccessAt: t0 }, t0 + window, window)).toBe(true);
    expect(isSilent({ ...healthyState('X'), trackedSince: t0 }, t0 + window, window)).toBe(true);
    expect(isSilent(healthyState('X'), t0 + 10 * window, window)).toBe(false);
  });
});
