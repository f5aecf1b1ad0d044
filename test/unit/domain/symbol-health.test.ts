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

function opened() {
  let h = healthyState('LTC/BTC');
  for (let i = 0; i < 3; i++) h = recordFailure(h, t0, rules);
  return h;
}

describe('circuit breaker', () => {
  it('allows while closed, rejects while open, and probes once the cooldown has passed', () => {
    const h = opened();
    expect(breakerGate(healthyState('X'), t0, rules)).toBe('allow');
    expect(breakerGate(h, t0 + 59_999, rules)).toBe('reject');
    expect(breakerGate(h, t0 + 60_000, rules)).toBe('probe');
  });

  it('rejects other ticks while a probe is out', () => {
    const probing = startProbe(opened(), t0 + 60_000);
    expect(probing.breaker).toBe('half-open');
    expect(breakerGate(probing, t0 + 60_001, rules)).toBe('reject');
  });

  it('doubles the cooldown after each failed probe, up to sixteen times', () => {
    let h = opened();
    const cooldowns = [cooldownOf(h, rules)];
    for (let i = 0; i < 6; i++) {
      h = recordFailure(startProbe(h, t0), t0, rules);
      cooldowns.push(cooldownOf(h, rules));
    }
    expect(cooldowns.map((c) => c / 60_000)).toEqual([1, 2, 4, 8, 16, 16, 16]);
    expect(h.breaker).toBe('open');
  });

  it('closes and forgets failures and backoff on a success', () => {
    const h = recordSuccess(recordFailure(startProbe(opened(), t0), t0, rules), t0 + 5);
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
    const h = recordFailure(healthyState('X'), t0, rules);
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
