import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFileName, createRequireBanner } from '../../infra/bundling.js';
import { synthTestStack } from './stack-factory.js';

const maxBundleBytes = 1.5 * 1024 * 1024;

describe('trade function bundle', () => {
  // Bundles for real: the default App, no `aws:cdk:bundling-stacks` context.
  const app = new App({ builtinCloudFormationValidation: false });
  afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

  it(`is an ESM bundle of at most ${maxBundleBytes / 1024 / 1024} MB`, () => {
    const { stack } = synthTestStack({ app });
    const assembly = app.synth();

    // The function's code points at `<asset hash>.zip`; the asset manifest maps the hash to the
    // staged directory inside the cloud assembly.
    const code: unknown = stack.resolve(
      (stack.tradeFunction.function.node.defaultChild as CfnFunction).code,
    );
    const assetHash = (code as { s3Key: string }).s3Key.replace(/\.zip$/, '');
    const manifest = assembly.artifacts.find(AssetManifestArtifact.isAssetManifestArtifact);
    const source = manifest?.contents.files?.[assetHash]?.source.path;
    expect(source, `asset ${assetHash} in the asset manifest`).toBeDefined();
    const bundle = join(assembly.directory, String(source), bundleFileName);

    const { size } = statSync(bundle);
    expect(size).toBeGreaterThan(0);
    expect(size, `${bundle} is ${size} bytes`).toBeLessThanOrEqual(maxBundleBytes);
    expect(readFileSync(bundle, 'utf8').startsWith(createRequireBanner)).toBe(true);
  }, 120_000);
});
