import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  bundleFileName,
  bundleOptions,
  type HandlerName,
  handlerEntry,
  repoRoot,
} from '../../infra/bundling.js';

export interface LocalBuild {
  /** Bundle of each function, built with the options the CDK stack deploys. */
  readonly bundles: Readonly<Record<HandlerName, string>>;
  /** The worker-thread shim that plays a Lambda container. */
  readonly workerFile: string;
}

/**
 * Builds the function bundles exactly as the stack deploys them, plus the container shim, into
 * `outDir`. The local runtime runs these files, not the TypeScript sources.
 */
export async function buildFunctions(
  outDir = join(repoRoot, '.tickfan', 'build'),
): Promise<LocalBuild> {
  const names: HandlerName[] = ['trade', 'fan-out'];
  const bundles = Object.fromEntries(
    names.map((name) => [name, join(outDir, name, bundleFileName)]),
  ) as Record<HandlerName, string>;
  const [workerFile] = await Promise.all([
    buildWorkerShim(outDir),
    ...names.map((name) =>
      build({
        ...bundleOptions(),
        entryPoints: [handlerEntry(name)],
        outfile: bundles[name],
        logLevel: 'error',
      }),
    ),
  ]);
  // The bundles leave the AWS SDK to the runtime, as Lambda provides it; here the project's own
  // node_modules provides it, wherever the build directory is.
  await symlink(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return { bundles, workerFile };
}

/** Builds the worker-thread shim that plays a Lambda container; returns its path. */
export async function buildWorkerShim(outDir: string): Promise<string> {
  const workerFile = join(outDir, 'lambda-worker.mjs');
  await build({
    ...bundleOptions(),
    minify: false,
    entryPoints: [join(repoRoot, 'lib', 'local', 'lambda-worker.ts')],
    outfile: workerFile,
    logLevel: 'error',
  });
  return workerFile;
}
