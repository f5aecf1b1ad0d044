import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkerShim } from '../../lib/local/build.js';
import { CpuShare } from '../../lib/local/cpu-share.js';
import {
  baseInitTimeoutMs,
  coldStartLimitMs,
  LocalFunction,
  type LocalFunctionOptions,
  type MachineLoad,
} from '../../lib/local/local-function.js';

const bundleFile = fileURLToPath(new URL('../fixtures/behaviours-handler.mjs', import.meta.url));
let dir: string;
let workerFile: string;
/** A bundle whose init takes at least {@link slowInitMs}, then exports a handler. */
let slowInitBundle: string;
const slowInitMs = 600;
const functions: LocalFunction[] = [];

function localFunction(options: Partial<LocalFunctionOptions> = {}): LocalFunction {
  const fn = new LocalFunction({
    name: 'behaviours',
    bundleFile,
    workerFile,
    env: {},
    timeoutMs: 1_000,
    maxConcurrency: 2,
    ...options,
  });
  functions.push(fn);
  return fn;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-worker-'));
  workerFile = await buildWorkerShim(dir);
  slowInitBundle = join(dir, 'slow-init.mjs');
  await writeFile(
    slowInitBundle,
    `await new Promise((resolve) => setTimeout(resolve, ${slowInitMs}));\nexport const handler = async () => 'initialised';\n`,
  );
});

afterAll(async () => {
  await Promise.all(functions.map((f) => f.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('LocalFunction', () => {
  it('runs an invocation with a Lambda context and the simulated clock offset', async () => {
    const fn = localFunction();
    const outcome = await fn.invoke({ kind: 'echo', value: 42 }, 1234);
    expect(outcome).toMatchObject({
      ok: true,
      coldStart: true,
      value: { echo: 42, offset: '1234' },
    });
    const remaining = (outcome as { value: { remainingMs: number } }).value.remainingMs;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(1_000);
  });

  it('runs the export its handler name picks, and tells the bundle as Lambda does (_HANDLER)', async () => {
    const fn = localFunction({ handlerName: 'refresh' });
    const outcome = await fn.invoke({});
    expect(outcome).toMatchObject({
      ok: true,
      value: { export: 'refresh', handlerSetting: 'index.refresh' },
    });
  });

  it('reuses a warm container for the next invocation', async () => {
    const fn = localFunction();
    await fn.invoke({ kind: 'echo' });
    const second = await fn.invoke({ kind: 'echo' });
    expect(second).toMatchObject({ ok: true, coldStart: false, value: { invocations: 2 } });
  });

  it.each([
    ['a busy loop', 'busy'],
    ['Atomics.wait', 'atomics'],
  ])(
    'ends a handler blocked by %s at the timeout and fails the invocation',
    async (_what, kind) => {
      const fn = localFunction({ timeoutMs: 300 });

      const outcome = await fn.invoke({ kind });

      expect(outcome).toMatchObject({
        ok: false,
        timedOut: true,
        error: { name: 'TimeoutError', message: 'Task timed out after 0.30 seconds' },
      });
      expect(outcome.durationMs).toBeGreaterThanOrEqual(300);
      expect(outcome.durationMs).toBeLessThan(5_000);
      // The killed container is gone: the next invocation starts a fresh one and succeeds.
      expect(await fn.invoke({ kind: 'echo' })).toMatchObject({ ok: true, coldStart: true });
    },
  );

  it('replaces a container terminated at its timeout in the background, so no later invocation pays its cold start', async () => {
    // Prepare: two warm containers, one of them about to be terminated.
    const fn = localFunction({ timeoutMs: 300, maxConcurrency: 2 });
    await fn.warm(2);
    expect(await fn.invoke({ kind: 'busy' })).toMatchObject({ timedOut: true });
    await fn.replacementsReady();

    // Act
    const next = await Promise.all([fn.invoke({ kind: 'echo' }), fn.invoke({ kind: 'echo' })]);

    // Assess
    expect(next.map((o) => o.coldStart)).toEqual([false, false]);
    expect(fn.containers).toBe(2);
  });

  it('keeps a blocked invocation from delaying another one', async () => {
    const fn = localFunction({ timeoutMs: 2_000, maxConcurrency: 2 });
    await fn.warm(2);

    const blocked = fn.invoke({ kind: 'busy' });
    const healthy = await fn.invoke({ kind: 'sleep', ms: 10 });

    expect(healthy).toMatchObject({ ok: true, value: { slept: 10 } });
    expect(healthy.durationMs).toBeLessThan(1_500);
    expect(await blocked).toMatchObject({ timedOut: true });
  });

  it('throttles the container that keeps a core busy, not its neighbour, and lifts it after', async () => {
    // Prepare
    const changes: [tid: number, throttled: boolean][] = [];
    const cpuShare = new CpuShare({ onChange: (tid, throttled) => changes.push([tid, throttled]) });
    const fn = localFunction({ timeoutMs: 5_000, maxConcurrency: 2, cpuShare });
    await fn.warm(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    changes.length = 0;

    // Act
    const [spun, slept] = await Promise.all([
      fn.invoke({ kind: 'spin', ms: 1_000 }),
      fn.invoke({ kind: 'sleep', ms: 1_000 }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 400));

    // Assess
    const spinner = (spun as { value: { tid: number } }).value.tid;
    const sleeper = (slept as { value: { tid: number } }).value.tid;
    expect(CpuShare.supported).toBe(true);
    expect(changes).toContainEqual([spinner, true]);
    expect(changes.at(-1)).toEqual([spinner, false]);
    expect(changes.filter(([tid]) => tid === sleeper)).toEqual([]);
    expect(getPriority(spinner)).toBe(getPriority(sleeper));
  });

  it('runs at most maxConcurrency invocations at once; the rest wait for a container', async () => {
    const fn = localFunction({ timeoutMs: 2_000, maxConcurrency: 2 });
    await fn.warm(2);
    const started = Date.now();

    const outcomes = await Promise.all([1, 2, 3].map(() => fn.invoke({ kind: 'sleep', ms: 300 })));

    expect(outcomes.every((o) => o.ok)).toBe(true);
    // two at once, then the third: at least two sleeps end to end
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('reports a handler error without losing the container', async () => {
    const fn = localFunction();
    expect(await fn.invoke({ kind: 'throw' })).toMatchObject({
      ok: false,
      timedOut: false,
      error: { name: 'TypeError', message: 'handler threw' },
    });
    expect(await fn.invoke({ kind: 'echo' })).toMatchObject({ ok: true, coldStart: false });
  });

  it('fails an invocation whose container dies of an uncaught error, and replaces it', async () => {
    const fn = localFunction();
    const outcome = await fn.invoke({ kind: 'crash' });
    expect(outcome).toMatchObject({ ok: false, error: { message: 'uncaught in a timer' } });
    expect(await fn.invoke({ kind: 'echo' })).toMatchObject({ ok: true, coldStart: true });
  });
});

describe('coldStartLimitMs', () => {
  it.each([
    [{ load1: 0, cores: 2 }, 30_000],
    [{ load1: 2, cores: 2 }, 30_000],
    [{ load1: 3, cores: 2 }, 45_000],
    [{ load1: 8, cores: 2 }, 120_000],
    [{ load1: 8, cores: 4 }, 60_000],
  ])('gives a cold start at load %o a limit of %d ms', (load, expected) => {
    expect(coldStartLimitMs(baseInitTimeoutMs, load)).toBe(expected);
  });

  it('never goes below the base limit, whatever the load reads', () => {
    expect(coldStartLimitMs(1_000, { load1: Number.NaN, cores: 2 })).toBe(1_000);
    expect(coldStartLimitMs(1_000, { load1: 5, cores: 0 })).toBe(5_000);
  });
});

describe('LocalFunction cold start on a loaded machine', () => {
  const baseMs = 200;

  it('gives up a cold start that outlasts the limit of an idle machine', async () => {
    const fn = localFunction({
      bundleFile: slowInitBundle,
      initTimeoutMs: baseMs,
      machineLoad: () => ({ load1: 0, cores: 2 }),
    });

    const outcome = await fn.invoke({});

    expect(outcome).toMatchObject({
      ok: false,
      coldStart: true,
      error: { message: expect.stringContaining(`cold start took longer than ${baseMs} ms`) },
    });
  });

  it('lets a cold start longer than the base limit finish under the limit its load raises', async () => {
    // 50 runnable threads per core: the limit becomes 50 x 200 ms, far above the 600 ms init.
    const fn = localFunction({
      bundleFile: slowInitBundle,
      initTimeoutMs: baseMs,
      machineLoad: () => ({ load1: 100, cores: 2 }),
    });
    const started = Date.now();

    const outcome = await fn.invoke({});

    expect(outcome).toMatchObject({ ok: true, coldStart: true, value: 'initialised' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(slowInitMs);
  });

  it('raises the limit when the load climbs during the cold start', async () => {
    // Idle when the container starts; loaded by the time the base limit runs out.
    const readings: MachineLoad[] = [{ load1: 0, cores: 2 }];
    const fn = localFunction({
      bundleFile: slowInitBundle,
      initTimeoutMs: baseMs,
      machineLoad: () => readings.shift() ?? { load1: 100, cores: 2 },
    });

    const outcome = await fn.invoke({});

    expect(readings).toEqual([]);
    expect(outcome).toMatchObject({ ok: true, coldStart: true, value: 'initialised' });
  });
});
