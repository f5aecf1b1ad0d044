import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFileName, createRequireBanner } from '../../infra/bundling.js';
import { blockFaultMarker } from '../../lib/local/faults/blocking-market.js';
import { localEnvNames } from '../../lib/local/lambda-protocol.js';
import { synthTestStack } from './stack-factory.js';

const maxBundleBytes = 1.5 * 1024 * 1024;

/**
 * What only the local runtime may hold: its environment knobs and the fault-injection code, by
 * its names (kept in the source map's sources) and by the busy-wait's marker (a string, which
 * survives minification).
 */
const localOnly = [
  ...Object.values(localEnvNames),
  'TICKFAN_BROKER',
  'blockingStrategy',
  'blockingMarket',
  blockFaultMarker,
];

/**
 * Runs `synth` with CDK's "Bundling asset ..." lines held back: they are shown only when it throws,
 * so a passing run prints the test runner's output alone.
 */
function quietly<T>(synth: () => T): T {
  const held: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    held.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return synth();
  } catch (error) {
    write.call(process.stderr, held.join(''));
    throw error;
  } finally {
    process.stderr.write = write;
  }
}

describe('trade function bundle', () => {
  // Bundles for real: the default App, no `aws:cdk:bundling-stacks` context.
  const app = new App({ builtinCloudFormationValidation: false });
  afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));
  let bundle: string;

  it(`is an ESM bundle of at most ${maxBundleBytes / 1024 / 1024} MB`, () => {
    const { stack, assembly } = quietly(() => {
      const { stack } = synthTestStack({ app });
      return { stack, assembly: app.synth() };
    });

    // The function's code points at `<asset hash>.zip`; the asset manifest maps the hash to the
    // staged directory inside the cloud assembly.
    const code: unknown = stack.resolve(
      (stack.tradeFunction.function.node.defaultChild as CfnFunction).code,
    );
    const assetHash = (code as { s3Key: string }).s3Key.replace(/\.zip$/, '');
    const manifest = assembly.artifacts.find(AssetManifestArtifact.isAssetManifestArtifact);
    const source = manifest?.contents.files?.[assetHash]?.source.path;
    expect(source, `asset ${assetHash} in the asset manifest`).toBeDefined();
    bundle = join(assembly.directory, String(source), bundleFileName);

    const { size } = statSync(bundle);
    expect(size).toBeGreaterThan(0);
    expect(size, `${bundle} is ${size} bytes`).toBeLessThanOrEqual(maxBundleBytes);
    expect(readFileSync(bundle, 'utf8').startsWith(createRequireBanner)).toBe(true);
  }, 120_000);

  it('holds no fault injection and no local knob', () => {
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as {
      sources: string[];
      sourcesContent: (string | null)[];
    };
    const texts = [readFileSync(bundle, 'utf8'), ...map.sourcesContent.map((c) => c ?? '')];

    expect(localOnly.filter((needle) => texts.some((text) => text.includes(needle)))).toEqual([]);
    expect(map.sources.filter((source) => /\blib\/(local|simulator|cli)\//.test(source))).toEqual(
      [],
    );
  });
});
