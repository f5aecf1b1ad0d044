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
import type { ExchangeId } from '../config/schema.js';

/**
 * The entry the local runtime bundles for each function. The trade function has its own, one per
 * exchange: the deployed handler wired to the simulator and the simulated clock. The fan-out
 * function reads nothing local, so it runs the deployed entry as it is.
 */
export function localEntry(name: HandlerName, exchange: ExchangeId): string {
  return name === 'trade'
    ? join(repoRoot, 'lib', 'local', 'entries', `trade-${exchange}.ts`)
    : handlerEntry(name, exchange);
}

export interface LocalBuild {
  /** The exchange whose ccxt class the trade bundle holds. */
  readonly exchange: ExchangeId;
  /** Bundle of each function's local entry, built with the options the CDK stack deploys. */
  readonly bundles: Readonly<Record<HandlerName, string>>;
  /** The worker-thread shim that plays a Lambda container. */
  readonly workerFile: string;
}

/**
 * Builds each function's local entry for `exchange` with the bundle options the stack deploys,
 * plus the container shim, into `outDir`. The local runtime runs these files, not the TypeScript
 * sources.
 */
export async function buildFunctions(
  outDir = join(repoRoot, '.tickfan', 'build'),
  exchange: ExchangeId = 'binance',
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
        entryPoints: [localEntry(name, exchange)],
        outfile: bundles[name],
        logLevel: 'error',
      }),
    ),
  ]);
  // The bundles leave the AWS SDK clients a tick rarely needs (SQS, Secrets Manager, SNS) to the
  // runtime, as Lambda provides them; here the project's own node_modules does, wherever the
  // build directory is.
  await symlink(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return { exchange, bundles, workerFile };
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
