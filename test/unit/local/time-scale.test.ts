import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/schema.js';
import { scaleTimeouts } from '../../../lib/local/time-scale.js';

const fiveMinutes = { symbols: [{ symbol: 'LTC/BTC', timeframe: '5m' }] };

describe('scaleTimeouts', () => {
  it('scales the retry delay and the stale limit with the function timeouts, keeping the deployed ratio', () => {
    const deployed = parseConfig(fiveMinutes);

    const local = scaleTimeouts(deployed, 0.1);

    expect(local.timeouts.tradeFunctionSeconds).toBe(3);
    expect(local.guards.retryDelayMs).toBe(500);
    // half the 5m timeframe, 150 s, scaled: shorter than the 18 s visibility timeout, as
    // 150 s is shorter than 180 s deployed
    expect(local.guards.maxTickLagMs).toBe(15_000);
  });

  it('scales a configured stale limit, and takes the default from the shortest timeframe', () => {
    const configured = parseConfig({ ...fiveMinutes, guards: { maxTickLagMs: 60_000 } });
    expect(scaleTimeouts(configured, 0.5).guards.maxTickLagMs).toBe(30_000);

    const mixed = parseConfig({
      schedule: { expression: 'rate(5 minutes)' },
      symbols: [
        { symbol: 'LTC/BTC', timeframe: '1h' },
        { symbol: 'ETH/BTC', timeframe: '15m' },
      ],
    });
    expect(scaleTimeouts(mixed, 0.1).guards.maxTickLagMs).toBe(45_000);
  });

  it('leaves a config run at scale 1 as configured, the stale limit made explicit', () => {
    const deployed = parseConfig(fiveMinutes);

    const local = scaleTimeouts(deployed, 1);

    expect(local.timeouts).toEqual(deployed.timeouts);
    expect(local.guards).toEqual({ ...deployed.guards, maxTickLagMs: 150_000 });
  });

  it("leaves the fan-out's timeout as configured: its work grows with the symbols, not with time", () => {
    const deployed = parseConfig({ ...fiveMinutes, timeouts: { fanOutFunctionSeconds: 30 } });

    expect(scaleTimeouts(deployed, 0.1).timeouts.fanOutFunctionSeconds).toBe(30);
  });
});
