import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/bundling.js';
import { rawConfig, skipBundling } from './stack-factory.js';

const run = promisify(execFile);

interface AppRun {
  readonly code: number;
  readonly stderr: string;
}

/** Runs infra/app.ts the way `cdk synth` does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR. */
async function runApp(context: Record<string, unknown>, outdir: string): Promise<AppRun> {
  const env = {
    ...process.env,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_OUTDIR: outdir,
  };
  try {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: repoRoot,
      env,
    });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

describe('infra/app.ts', () => {
  let outdir = '';
  afterEach(() => {
    if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes tickfan-<stage> from the context, passing CloudFormation validation and cdk-nag', async () => {
    outdir = mkdtempSync(join(tmpdir(), 'tickfan-app-'));

    const result = await runApp(
      {
        ...skipBundling,
        // Errors and warnings of the built-in CloudFormation validation fail the synth.
        '@aws-cdk/core:validateAgainstDefaultRules': true,
        '@aws-cdk/core:strictCfnValidateErrors': true,
        stage: 'qa',
        tickfan: rawConfig(),
      },
      outdir,
    );

    expect(result).toMatchObject({ code: 0 });
    const templateFile = join(outdir, 'tickfan-qa.template.json');
    expect(existsSync(templateFile)).toBe(true);
    const template: { Resources: Record<string, { Type: string; Metadata?: unknown }> } =
      JSON.parse(readFileSync(templateFile, 'utf8'));
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::Scheduler::Schedule', 'AWS::DynamoDB::Table']),
    );
    // cdk-nag ran (it copies acknowledgements into the template) and found nothing else.
    const acknowledged = Object.values(template.Resources).flatMap(
      (r) =>
        (r.Metadata as { cdk_nag?: { rules_to_suppress: { id: string }[] } } | undefined)?.cdk_nag
          ?.rules_to_suppress ?? [],
    );
    // The schedule's dead-letter queue and the queue policy inside it.
    expect(new Set(acknowledged.map((rule) => rule.id))).toEqual(new Set(['AwsSolutions-SQS3']));
    const report: { pluginReports: { conclusion: string }[] } = JSON.parse(
      readFileSync(join(outdir, 'validation-report.json'), 'utf8'),
    );
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
  }, 60_000);

  it('synthesizes the fixed egress IP network, passing CloudFormation validation and cdk-nag', async () => {
    outdir = mkdtempSync(join(tmpdir(), 'tickfan-app-'));
    const tickfan = rawConfig({
      exchange: { mode: 'live', secretName: 'tickfan/qa/binance' },
      network: { staticEgressIp: true, azs: 2 },
    });

    const result = await runApp(
      {
        ...skipBundling,
        '@aws-cdk/core:validateAgainstDefaultRules': true,
        '@aws-cdk/core:strictCfnValidateErrors': true,
        stage: 'qa',
        tickfan,
      },
      outdir,
    );

    expect(result).toMatchObject({ code: 0 });
    const template: { Resources: Record<string, { Type: string }>; Outputs: object } = JSON.parse(
      readFileSync(join(outdir, 'tickfan-qa.template.json'), 'utf8'),
    );
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::EC2::NatGateway')).toHaveLength(2);
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['EgressIp1', 'EgressIp2']),
    );
    const report: { pluginReports: { conclusion: string }[] } = JSON.parse(
      readFileSync(join(outdir, 'validation-report.json'), 'utf8'),
    );
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
  }, 60_000);

  it('refuses at synth live trading on binance without the fixed egress IP, in one line', async () => {
    outdir = mkdtempSync(join(tmpdir(), 'tickfan-app-'));
    const tickfan = rawConfig({ exchange: { mode: 'live', secretName: 'tickfan/qa/binance' } });

    const result = await runApp({ ...skipBundling, tickfan }, outdir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cdk.json context.tickfan is invalid:');
    const lines = result.stderr.split('\n').filter((l) => l.includes('network.staticEgressIp'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ {2}network\.staticEgressIp: must be true for live trading on binance: it deletes an API key .*without an IP whitelist.* \(got false\)$/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(outdir, 'tickfan-dev.template.json'))).toBe(false);
  }, 60_000);

  it('exits 1 with a message naming the bad field, without a stack trace', async () => {
    outdir = mkdtempSync(join(tmpdir(), 'tickfan-app-'));

    const result = await runApp(
      { ...skipBundling, tickfan: rawConfig({ timeouts: { tradeFunctionSeconds: 2 } }) },
      outdir,
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cdk.json context.tickfan is invalid:');
    expect(result.stderr).toMatch(/timeouts\.tradeFunctionSeconds: .* \(got 2\)/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(outdir, 'tickfan-dev.template.json'))).toBe(false);
  }, 60_000);

  it('names -c tickfan=... as the source when the config came from the command line', async () => {
    outdir = mkdtempSync(join(tmpdir(), 'tickfan-app-'));
    // `cdk synth -c tickfan='{...}'` hands the app the value as a string.
    const tickfan = JSON.stringify(rawConfig({ schedule: { timezone: 'Mars/Olympus_Mons' } }));

    const result = await runApp({ ...skipBundling, tickfan }, outdir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('-c tickfan=... is invalid:');
    expect(result.stderr).not.toContain('cdk.json');
    expect(result.stderr).toContain('schedule.timezone: ');
    expect(result.stderr).toContain('(got "Mars/Olympus_Mons")');
    expect(existsSync(join(outdir, 'tickfan-dev.template.json'))).toBe(false);
  }, 60_000);

  it("refuses at synth a retry delay under which a failed tick's redelivery could never trade", async () => {
    outdir = mkdtempSync(join(tmpdir(), 'tickfan-app-'));
    const tickfan = { ...rawConfig(), guards: { retryDelayMs: 200_000 } };

    const result = await runApp({ ...skipBundling, tickfan }, outdir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cdk.json context.tickfan is invalid:');
    expect(result.stderr).toMatch(
      /guards\.retryDelayMs: .*150000 ms stale limit \(half the timeframe of LTC\/BTC\).*skipped as stale \(got 200000\)/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(outdir, 'tickfan-dev.template.json'))).toBe(false);
  }, 60_000);

  it('refuses at synth a config under which every tick would be skipped: deadline', async () => {
    outdir = mkdtempSync(join(tmpdir(), 'tickfan-app-'));
    const tickfan = {
      ...rawConfig({ schedule: { expression: 'cron(*/7 * * * ? *)', timezone: 'UTC' } }),
      timeouts: { tradeFunctionSeconds: 30, safetyMarginMs: 30_000 },
    };

    const result = await runApp({ ...skipBundling, tickfan }, outdir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cdk.json context.tickfan is invalid:');
    expect(result.stderr).toMatch(/timeouts\.safetyMarginMs: .*skipped: deadline \(got 30000\)/);
    expect(result.stderr).toMatch(
      /symbols\[0\]\.timeframe: .*cron\(\*\/7 \* \* \* \? \*\).* \(got "5m"\)/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(outdir, 'tickfan-dev.template.json'))).toBe(false);
  }, 60_000);
});
