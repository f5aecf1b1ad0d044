import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config/load.js';
import { parseConfig } from '../../lib/config/schema.js';
import type { TickResult } from '../../lib/domain/tick.js';
import { LocalEnvironment } from '../../lib/local/local-environment.js';
import type { InvocationRecord } from '../../lib/local/sqs-event-source.js';
import { scaleTimeouts } from '../../lib/local/time-scale.js';

const symbol = 'XLM/BTC';
// With sma 2/4 the first tick of the shipped candles enters XLM/BTC on the 05:20 candle.
const scheduledAt = Date.UTC(2018, 0, 10, 5, 25);
const config = scaleTimeouts(
  parseConfig({
    ...loadConfigFile('cdk.json'),
    symbols: [{ symbol, timeframe: '5m', strategy: 'sma-cross', params: { fast: 2, slow: 4 } }],
  }),
  0.1,
);
let dir: string;
let env: LocalEnvironment;
const invocations: InvocationRecord[] = [];
const waiting: {
  until: (r: InvocationRecord) => boolean;
  resolve: (r: InvocationRecord) => void;
}[] = [];

/** The next trade invocation that `until` accepts, as the event source reports it. */
function invocation(until: (r: InvocationRecord) => boolean): Promise<InvocationRecord> {
  const seen = invocations.find(until);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => waiting.push({ until, resolve }));
}

let failed: InvocationRecord;
let retried: InvocationRecord;
let result: TickResult | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-retry-'));
  env = await LocalEnvironment.start({
    config,
    stateDir: dir,
    persist: false,
    fresh: true,
    onInvocation: (record) => {
      invocations.push(record);
      for (const w of [...waiting]) {
        if (!w.until(record)) continue;
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(record);
      }
    },
  });
  // Every candle request of the symbol fails until the first attempt has.
  env.simulator.setFault(symbol, { kind: 'http5xx', rate: 1 });
  await Promise.all([env.trade.warm(1), env.fanOut.warm(1)]);
  env.eventSource.start();
  env.clock.set(scheduledAt + 250);
  const fanOut = await env.fanOut.invoke(
    { scheduledAt: new Date(scheduledAt).toISOString(), source: 'tickfan.local' },
    env.clock.offsetMs,
  );
  expect(fanOut.ok).toBe(true);
  failed = await invocation((r) => r.receiveCount === 1);
  env.simulator.setFault(symbol, undefined);
  retried = await invocation((r) => r.receiveCount === 2);
  result = (await env.store.listTickResults(symbol)).at(-1);
}, 120_000);

afterAll(async () => {
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a failed tick's retry (trade handler, local-aws-sqs, the exchange simulator)", () => {
  it('is reported failed on its first delivery', () => {
    expect(failed.itemFailed || !failed.outcome.ok).toBe(true);
  });

  it('is delivered again after the retry delay, inside the stale limit, not after the visibility timeout', () => {
    expect(retried.outcome.ok && !retried.itemFailed).toBe(true);
    // The queue's visibility timeout (six function timeouts) is longer than the stale limit:
    // a retry left to it would have been skipped as stale.
    expect(6 * config.timeouts.tradeFunctionSeconds * 1000).toBeGreaterThan(
      config.guards.maxTickLagMs ?? 0,
    );
    // The delay counts from the function's ChangeMessageVisibility, made during the attempt (on
    // a loaded machine the attempt may end well after it), and the retry waits for it.
    const visibleAt = failed.visibleAt ?? Number.NaN;
    expect(visibleAt - failed.startedAt).toBeGreaterThanOrEqual(config.guards.retryDelayMs);
    expect(retried.startedAt).toBeGreaterThanOrEqual(visibleAt);
    expect(result).toMatchObject({ status: 'ok' });
    const lag = Date.parse(result?.startedAt ?? '') - scheduledAt;
    expect(lag).toBeLessThanOrEqual(config.guards.maxTickLagMs ?? 0);
  });

  it("still trades the tick's candle: the entry the fault-free tick makes", () => {
    expect(result?.order).toMatchObject({ side: 'buy' });
    expect(result?.candleTime).toBe(scheduledAt - 300_000);
    expect(env.simulator.orders.filter((o) => o.symbol === symbol)).toHaveLength(1);
  });
});
