import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateTradeAsset } from '../../../bench/lib/deployed-asset.js';
import { runGuarded } from '../../../bench/lib/section-guard.js';
import { type BenchSection, SectionRunner } from '../../../bench/lib/section-runner.js';
import { type BenchResults, rowsOf } from '../../../bench/results.js';
import { deployedProbeEnv } from '../../../bench/sections/cold-init.js';

/** A 1-minute load that reads `values` in turn, then stays at the last one. */
function loadReadings(...values: number[]): () => number {
  const queue = [...values];
  return () => (queue.length > 1 ? (queue.shift() as number) : (queue[0] ?? 0));
}

/** Never settles: a section stuck on a server that stopped answering. */
const never = () => new Promise<never>(() => undefined);

// Long enough that no sample falls inside a test: the load is read at each attempt's ends only.
const noSampling = { sampleEveryMs: 3_600_000 };

function section<T extends object>(
  name: string,
  work: () => Promise<T>,
  repeatOnLoad = true,
): BenchSection<T> {
  return { name, what: `measures ${name}`, repeatOnLoad, work, done: () => `${name} done` };
}

describe('SectionRunner', () => {
  it('records a section that throws with its reason, and runs the next one', async () => {
    // Prepare
    const lines: string[] = [];
    const runner = new SectionRunner({ steps: 2, timeoutMs: 60_000, log: (l) => lines.push(l) });

    // Act
    const thrown = await runner.run(
      section('coldInit', async () => {
        throw new Error('tickfan-local-trade cold start took longer than 30000 ms');
      }),
    );
    const next = await runner.run(section('bundle', async () => ({ tradeBytes: 1 })));

    // Assess
    expect(thrown).toMatchObject({
      failed: true,
      timedOut: false,
      reason: 'Error: tickfan-local-trade cold start took longer than 30000 ms',
    });
    expect(next).toMatchObject({ tradeBytes: 1 });
    expect(runner.failed.map((f) => f.name)).toEqual(['coldInit']);
    expect(lines.some((l) => l.startsWith('[1/2] coldInit: FAILED: Error: tickfan-local'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('[2/2] bundle: bundle done'))).toBe(true);
  });

  it('records a section that throws before returning a promise as failed too', async () => {
    const runner = new SectionRunner({ steps: 1, timeoutMs: 60_000, log: () => undefined });

    const entry = await runner.run(
      section('backtest', (() => {
        throw new RangeError('no candles');
      }) as () => Promise<object>),
    );

    expect(entry).toMatchObject({ failed: true, reason: 'RangeError: no candles' });
  });

  it('records a section that outlasts its timeout as timed out, and runs the next one', async () => {
    const runner = new SectionRunner({ steps: 2, timeoutMs: 50, log: () => undefined });

    const hung = await runner.run(section('isolation', never));
    const next = await runner.run(section('fanOut', async () => ({ ms: 300 })));

    expect(hung).toMatchObject({ failed: true, timedOut: true });
    expect((hung as { reason: string }).reason).toMatch(/^timed out after 50 ms/);
    expect(hung.sectionRun?.wallMs).toBeGreaterThanOrEqual(45);
    expect(next).toMatchObject({ ms: 300 });
    expect(runner.failed.map((f) => f.name)).toEqual(['isolation']);
  });

  it('fails the running section with an error that escaped its promises', async () => {
    const runner = new SectionRunner({ steps: 1, timeoutMs: 60_000, log: () => undefined });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });

    const entry = runner.run(
      section('overhead', () => {
        started();
        return never();
      }),
    );
    await running;
    const taken = runner.escaped(new TypeError('a stray timer threw'));

    expect(taken).toBe(true);
    expect(await entry).toMatchObject({
      failed: true,
      timedOut: false,
      reason: 'TypeError: a stray timer threw',
    });
  });

  it('logs an error that escapes between sections without failing any', async () => {
    const lines: string[] = [];
    const runner = new SectionRunner({ steps: 1, timeoutMs: 60_000, log: (l) => lines.push(l) });

    expect(runner.escaped(new Error('late'))).toBe(false);

    expect(lines).toEqual(['warning: an error escaped between sections: Error: late']);
    expect(runner.failed).toEqual([]);
  });

  it('repeats only the sections whose figures are timings', async () => {
    let runs = 0;
    const runner = new SectionRunner({
      steps: 1,
      timeoutMs: 60_000,
      repeat: { loadRise: 1, maxRepeats: 2 },
      load1: loadReadings(0, 5, 0, 5, 0, 5),
      ...noSampling,
      log: () => undefined,
    });

    const entry = await runner.run(section('bundle', async () => ({ runs: ++runs }), false));

    expect(runs).toBe(1);
    expect(entry.sectionRun).toMatchObject({ attempts: 1, load1Before: 0, load1After: 5 });
  });
});

describe('runGuarded', () => {
  it('records the 1-minute load before and after, and the highest sampled', async () => {
    const entry = await runGuarded(async () => ({ figure: 1 }), {
      timeoutMs: 60_000,
      load1: loadReadings(0.5, 1.25),
      ...noSampling,
    });

    expect(entry).toEqual({
      figure: 1,
      sectionRun: {
        load1Before: 0.5,
        load1After: 1.25,
        load1Max: 1.25,
        wallMs: expect.any(Number),
        attempts: 1,
      },
    });
  });

  it('repeats a section during which the load rose past the limit, and says why', async () => {
    let attempt = 0;
    const reasons: string[] = [];

    const entry = await runGuarded(async () => ({ attempt: ++attempt }), {
      timeoutMs: 60_000,
      repeat: { loadRise: 1, maxRepeats: 1 },
      // first attempt: 0.5 -> 3 (a neighbour started); second: 3 -> 3.2
      load1: loadReadings(0.5, 3, 3, 3.2),
      ...noSampling,
      onRepeat: (reason) => reasons.push(reason),
    });

    expect(entry).toMatchObject({ attempt: 2 });
    expect(entry.sectionRun).toMatchObject({
      attempts: 2,
      load1Before: 3,
      load1After: 3.2,
      discarded: [
        {
          load1Before: 0.5,
          load1After: 3,
          reason: '1-minute load rose by 2.5 (0.5 -> 3), more than 1',
        },
      ],
    });
    expect(reasons).toEqual(['1-minute load rose by 2.5 (0.5 -> 3), more than 1']);
  });

  it('stops after maxRepeats and keeps the attempt whose load rose least', async () => {
    let attempt = 0;

    const entry = await runGuarded(async () => ({ attempt: ++attempt }), {
      timeoutMs: 60_000,
      repeat: { loadRise: 1, maxRepeats: 2 },
      load1: loadReadings(0, 4, 4, 6, 6, 9),
      ...noSampling,
    });

    expect(attempt).toBe(3);
    expect(entry).toMatchObject({ attempt: 2 });
    expect(entry.sectionRun?.attempts).toBe(3);
    expect(entry.sectionRun?.discarded?.map((d) => d.load1Before)).toEqual([0, 6]);
  });

  it('does not repeat a section during which the load fell', async () => {
    let attempt = 0;

    const entry = await runGuarded(async () => ({ attempt: ++attempt }), {
      timeoutMs: 60_000,
      repeat: { loadRise: 1, maxRepeats: 2 },
      load1: loadReadings(7, 2),
      ...noSampling,
    });

    expect(attempt).toBe(1);
    expect(entry.sectionRun).toMatchObject({ attempts: 1, load1Before: 7, load1After: 2 });
  });

  it("leaves its preparation's burst of load out of the timed attempt", async () => {
    let attempts = 0;
    let prepared = 0;

    const entry = await runGuarded(async () => ({ attempt: ++attempts }), {
      timeoutMs: 60_000,
      repeat: { loadRise: 1, maxRepeats: 2 },
      prepare: async () => {
        prepared += 1;
      },
      // the preparation: 0 -> 5 (a synthesis); the attempt: 5 -> 5.2
      load1: loadReadings(0, 5, 5, 5.2),
      ...noSampling,
    });

    expect(prepared).toBe(1);
    expect(attempts).toBe(1);
    expect(entry.sectionRun).toMatchObject({
      attempts: 1,
      load1Before: 5,
      load1After: 5.2,
      prepareMs: expect.any(Number),
    });
  });

  it('records a failed preparation as the failure of its section, which then never runs', async () => {
    let attempts = 0;

    const entry = await runGuarded(async () => ({ attempt: ++attempts }), {
      timeoutMs: 60_000,
      prepare: async () => {
        throw new Error('Failed to bundle asset tickfan-dev/TradeFunction');
      },
      ...noSampling,
    });

    expect(attempts).toBe(0);
    expect(entry).toMatchObject({
      failed: true,
      reason: 'preparing it: Error: Failed to bundle asset tickfan-dev/TradeFunction',
      sectionRun: { attempts: 0 },
    });
  });

  it('keeps the figures of an earlier attempt when its repeat fails, and records the failure', async () => {
    let attempt = 0;

    const entry = await runGuarded(
      async () => {
        attempt += 1;
        if (attempt === 2) throw new Error('port in use');
        return { attempt };
      },
      {
        timeoutMs: 60_000,
        repeat: { loadRise: 1, maxRepeats: 2 },
        load1: loadReadings(0, 5),
        ...noSampling,
      },
    );

    expect(entry).toMatchObject({ attempt: 1 });
    expect(entry.sectionRun?.discarded).toEqual([
      expect.objectContaining({ reason: 'repeat failed: Error: port in use' }),
    ]);
  });
});

describe('rowsOf a failed or repeated section', () => {
  const results: BenchResults = {
    date: '2026-01-01T00:00:00.000Z',
    isolation: {
      failed: true,
      timedOut: true,
      reason: 'timed out after 1800 s',
      sectionRun: {
        load1Before: 1,
        load1After: 9.5,
        load1Max: 9.5,
        wallMs: 1_800_000,
        attempts: 1,
      },
    },
    backtest: {
      candles: 1_000_000,
      candlesPerSec: 2_000_000,
      firstRunCandlesPerSec: 1,
      runs: 3,
      orders: 0,
      sectionRun: {
        load1Before: 3,
        load1After: 3.1,
        load1Max: 3.1,
        wallMs: 2_000,
        attempts: 2,
        discarded: [
          {
            load1Before: 0.5,
            load1After: 3,
            load1Max: 3,
            wallMs: 2_000,
            reason: '1-minute load rose by 2.5 (0.5 -> 3), more than 1.5',
          },
        ],
      },
    },
  };

  it('shows a failed section as one failed row with its reason, then its load', () => {
    const rows = rowsOf(results).filter((r) => r.section === 'isolation');

    expect(rows).toEqual([
      {
        section: 'isolation',
        figure: 'failed',
        value: 'timed out',
        target: '',
        anchor: 'timed out after 1800 s',
        verdict: 'failed',
      },
      expect.objectContaining({ figure: 'load1', value: '1.00 -> 9.50' }),
    ]);
  });

  it('shows a repeated section with why its other attempts were not kept', () => {
    const load = rowsOf(results).find((r) => r.section === 'backtest' && r.figure === 'load1');

    expect(load?.value).toBe('3.00 -> 3.10');
    expect(load?.anchor).toContain('2 attempts');
    expect(load?.anchor).toContain('1-minute load rose by 2.5 (0.5 -> 3), more than 1.5');
  });
});

describe('deployedProbeEnv', () => {
  it("runs the deployed asset with its template's values, filling the ones only a deployment knows", () => {
    const env = deployedProbeEnv(
      {
        TICKFAN_CONFIG_FILE: '/assembly/asset.layer/tickfan/config.json',
        NODE_OPTIONS: '--enable-source-maps',
        TICKFAN_TABLE_NAME: undefined,
        TICKFAN_DLQ_URL: undefined,
      },
      { TICKFAN_CONFIG_FILE: '/tmp/local.json', TICKFAN_TABLE_NAME: 'tickfan-local', PATH: '/bin' },
    );

    expect(env).toEqual({
      TICKFAN_CONFIG_FILE: '/assembly/asset.layer/tickfan/config.json',
      NODE_OPTIONS: '--enable-source-maps',
      TICKFAN_TABLE_NAME: 'tickfan-local',
      PATH: '/bin',
    });
  });
});

describe('locateTradeAsset', () => {
  let dir: string;

  beforeAll(async () => {
    // A cloud assembly as cdk synth lays it out: manifest, template, asset manifest, asset dirs.
    dir = await mkdtemp(join(tmpdir(), 'tickfan-assembly-'));
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          'tickfan-dev.assets': {
            type: 'cdk:asset-manifest',
            properties: { file: 'tickfan-dev.assets.json' },
          },
          'tickfan-dev': {
            type: 'aws:cloudformation:stack',
            properties: { templateFile: 'tickfan-dev.template.json' },
          },
          Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
        },
      }),
    );
    const lambda = (hash: string, variables: Record<string, unknown>) => ({
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: 'b', S3Key: `${hash}.zip` },
        Layers: [{ Ref: 'ConfigLayer1A2B3C4D' }],
        Environment: { Variables: variables },
      },
    });
    await writeFile(
      join(dir, 'tickfan-dev.template.json'),
      JSON.stringify({
        Resources: {
          FanOutFunction0A1B2C3D: lambda('fanouthash', {}),
          TradeFunction3EA9B5C1: lambda('tradehash', {
            NODE_OPTIONS: '--enable-source-maps',
            TICKFAN_TABLE_NAME: { Ref: 'StateTable1234' },
            TICKFAN_CONFIG_FILE: '/opt/tickfan/config.json',
          }),
          ConfigLayer1A2B3C4D: {
            Type: 'AWS::Lambda::LayerVersion',
            Properties: { Content: { S3Bucket: 'b', S3Key: 'layerhash.zip' } },
          },
          TradeFunctionRole9F8E7D6C: { Type: 'AWS::IAM::Role' },
        },
      }),
    );
    await writeFile(
      join(dir, 'tickfan-dev.assets.json'),
      JSON.stringify({
        files: {
          fanouthash: { source: { path: 'asset.fanouthash', packaging: 'zip' } },
          tradehash: { source: { path: 'asset.tradehash', packaging: 'zip' } },
          layerhash: { source: { path: 'asset.layerhash', packaging: 'zip' } },
        },
      }),
    );
    await mkdir(join(dir, 'asset.tradehash'));
    await mkdir(join(dir, 'asset.layerhash', 'tickfan'), { recursive: true });
    await writeFile(join(dir, 'asset.layerhash', 'tickfan', 'config.json'), '{}');
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("finds the trade function's bundle and its environment, a token-valued variable unset", () => {
    expect(locateTradeAsset(dir)).toEqual({
      bundleFile: join(dir, 'asset.tradehash', 'index.mjs'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        TICKFAN_TABLE_NAME: undefined,
        TICKFAN_CONFIG_FILE: join(dir, 'asset.layerhash', 'tickfan', 'config.json'),
      },
    });
  });

  it('refuses an assembly synthesized without bundling, naming why', async () => {
    const other = await mkdtemp(join(tmpdir(), 'tickfan-assembly-'));
    try {
      await writeFile(
        join(other, 'manifest.json'),
        JSON.stringify({
          artifacts: {
            s: { type: 'aws:cloudformation:stack', properties: { templateFile: 't.json' } },
          },
        }),
      );
      await writeFile(
        join(other, 't.json'),
        JSON.stringify({
          Resources: {
            TradeFunctionABC: {
              Type: 'AWS::Lambda::Function',
              Properties: { Code: { ZipFile: 'x' } },
            },
          },
        }),
      );
      expect(() => locateTradeAsset(other)).toThrow(/without bundling/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
