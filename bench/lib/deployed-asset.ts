import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleFileName, repoRoot } from '../../infra/bundling.js';

/** The trade function's code as the stack deploys it, copied out of a cloud assembly. */
export interface DeployedTradeAsset {
  /** The asset's bundle, runnable here (the project's node_modules beside it stands in for the runtime's SDK). */
  readonly bundleFile: string;
  /** Where it came from: the cloud assembly directory it was found in. */
  readonly assemblyDir: string;
  /** Whether the bench synthesized that assembly itself (else it was given, e.g. `cdk.out`). */
  readonly synthesized: boolean;
  /**
   * The function's environment variables as the template sets them. A value the template takes
   * from another resource (a table name, a queue URL) is `undefined`: it exists only once deployed.
   * A path into a layer (`/opt/...`, the config file) points at that layer's staged asset instead,
   * where Lambda would mount it.
   */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

interface AssemblyManifest {
  readonly artifacts?: Record<
    string,
    { readonly type: string; readonly properties?: { templateFile?: string; file?: string } }
  >;
}

interface LambdaResource {
  readonly Type: string;
  readonly Properties?: {
    readonly Code?: { readonly S3Key?: unknown };
    readonly Content?: { readonly S3Key?: unknown };
    readonly Layers?: readonly unknown[];
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
}

/** Where Lambda mounts a function's layers. */
const layerMount = '/opt/';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The construct id the stack gives the trade function (infra/tickfan-stack.ts). */
const tradeFunctionId = 'TradeFunction';

/**
 * Finds the trade function's asset in the cloud assembly at `assemblyDir` (`cdk.out` after
 * `npm run synth`, or one {@link synthesizeTradeAsset} wrote): the Lambda function of the one
 * stack whose logical id starts with the trade construct's id, its code's S3 key (`<hash>.zip`),
 * and the directory the asset manifest stages for that hash.
 */
export function locateTradeAsset(assemblyDir: string): {
  bundleFile: string;
  environment: Record<string, string | undefined>;
} {
  const manifest = readJson<AssemblyManifest>(join(assemblyDir, 'manifest.json'));
  const artifacts = Object.values(manifest.artifacts ?? {});
  const stacks = artifacts.filter((a) => a.type === 'aws:cloudformation:stack');
  if (stacks.length !== 1) {
    throw new Error(`${assemblyDir} holds ${stacks.length} stacks; expected the one tickfan stack`);
  }
  const templateFile = stacks[0]?.properties?.templateFile;
  if (templateFile === undefined) throw new Error(`${assemblyDir}: the stack has no template`);
  const template = readJson<{ Resources?: Record<string, LambdaResource> }>(
    join(assemblyDir, templateFile),
  );
  const functions = Object.entries(template.Resources ?? {}).filter(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(tradeFunctionId),
  );
  const [found, ...more] = functions;
  if (found === undefined || more.length > 0) {
    throw new Error(
      `${templateFile}: ${functions.length} Lambda functions named ${tradeFunctionId}*, expected 1`,
    );
  }
  const [logicalId, resource] = found;
  const s3Key = resource.Properties?.Code?.S3Key;
  if (typeof s3Key !== 'string' || !s3Key.endsWith('.zip')) {
    throw new Error(
      `${logicalId} has no asset code (S3Key ${JSON.stringify(s3Key)}); was it synthesized without bundling?`,
    );
  }
  const assetManifests = artifacts
    .filter((a) => a.type === 'cdk:asset-manifest')
    .map((a) => a.properties?.file)
    .filter((file): file is string => file !== undefined)
    .map((file) =>
      readJson<{ files?: Record<string, { source: { path: string } }> }>(join(assemblyDir, file)),
    );
  const stagedDir = (key: string): string => {
    const hash = key.replace(/\.zip$/, '');
    const source = assetManifests.map((m) => m.files?.[hash]?.source.path).find(Boolean);
    if (source === undefined)
      throw new Error(`${assemblyDir}: no asset ${hash} in the asset manifest`);
    return join(assemblyDir, source);
  };
  // The layers' staged directories, each standing in for Lambda's /opt.
  const layerDirs = (resource.Properties?.Layers ?? []).flatMap((layer) => {
    const ref = (layer as { Ref?: unknown }).Ref;
    const key =
      typeof ref === 'string' ? template.Resources?.[ref]?.Properties?.Content?.S3Key : undefined;
    return typeof key === 'string' ? [stagedDir(key)] : [];
  });
  const inLayer = (value: string): string => {
    if (!value.startsWith(layerMount)) return value;
    const rest = value.slice(layerMount.length);
    return layerDirs.map((dir) => join(dir, rest)).find((path) => existsSync(path)) ?? value;
  };
  const variables = resource.Properties?.Environment?.Variables ?? {};
  return {
    bundleFile: join(stagedDir(s3Key), bundleFileName),
    environment: Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        typeof value === 'string' ? inLayer(value) : undefined,
      ]),
    ),
  };
}

/**
 * Synthesizes the stack into `outDir` the way `npm run synth` does (infra/app.ts: the cdk.json
 * context, bundling on) and returns the assembly directory. aws-cdk-lib is loaded here, on first
 * use, so a bench run that does not measure the deployed asset does not pay for it.
 */
export async function synthesizeStack(outDir: string): Promise<string> {
  const [{ App }, { readDeploymentContext }, { TickfanStack }, { stackNameFor }] =
    await Promise.all([
      import('aws-cdk-lib'),
      import('../../infra/context.js'),
      import('../../infra/tickfan-stack.js'),
      import('../../lib/config/deployment-names.js'),
    ]);
  const cdkJson = readJson<{ context?: Record<string, unknown> }>(join(repoRoot, 'cdk.json'));
  // The template's built-in validation compiles a WebAssembly engine: seconds, and no asset.
  const app = new App({
    outdir: outDir,
    context: cdkJson.context ?? {},
    builtinCloudFormationValidation: false,
  });
  const { stage, config } = readDeploymentContext(app.node);
  new TickfanStack(app, stackNameFor(stage), { config, stage });
  return app.synth().directory;
}

/**
 * The deployed trade asset, copied into `workDir` with the project's node_modules beside it, as
 * the Lambda runtime provides the AWS SDK the bundle leaves out. From `assemblyDir` when given
 * (e.g. `cdk.out`), else from a synthesis of its own into `workDir`.
 */
export async function deployedTradeAsset(
  workDir: string,
  assemblyDir?: string,
): Promise<DeployedTradeAsset> {
  const synthesized = assemblyDir === undefined;
  const dir = assemblyDir ?? (await synthesizeStack(join(workDir, 'cdk.out')));
  const { bundleFile, environment } = locateTradeAsset(dir);
  const outDir = join(workDir, 'deployed-trade');
  await mkdir(outDir, { recursive: true });
  const copy = join(outDir, bundleFileName);
  await copyFile(bundleFile, copy);
  // The source map goes along: the deployed environment enables source maps.
  await copyFile(`${bundleFile}.map`, `${copy}.map`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await symlink(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return { bundleFile: copy, assemblyDir: dir, synthesized, environment };
}
