import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { bundleFileName, bundleOptions, repoRoot } from '../../infra/bundling.js';
import type { BotConfig } from '../../lib/config/schema.js';
import { localNames } from '../../lib/local/local-environment.js';
import { type ProcessSpec, timeInterleaved } from '../lib/process-timer.js';
import { median, round } from '../lib/stats.js';

export interface ColdInitFigures {
  /** Median whole-process time to import the trade bundle and construct its handler. */
  readonly tradeMs: number;
  /** Median whole-process time to import the full ccxt package (ESM barrel). */
  readonly fullCcxtMs: number;
  /** Median time of an empty `node -e ''`: the floor every cold start pays. */
  readonly emptyNodeMs: number;
  /** `tradeMs / fullCcxtMs`. */
  readonly ratio: number;
  /**
   * Median time to import only the AWS SDK packages the trade bundle leaves external (Lambda's
   * runtime provides them): the part of `tradeMs` that is not in the bundle.
   */
  readonly awsSdkMs: number;
  readonly awsSdkPackages: readonly string[];
  /**
   * Median time to load a bundle of nothing but ccxt's binance class (same esbuild options) and
   * construct a client: the least any trade bundle using it can cost.
   */
  readonly binanceOnlyMs: number;
  /** `binanceOnlyMs / fullCcxtMs`: the lowest `ratio` a bundle with ccxt's binance can reach. */
  readonly floorRatio: number;
  readonly runs: number;
}

/**
 * Bundles ccxt's binance class alone, with the function bundles' esbuild options, into `outDir`;
 * returns the bundle's path.
 */
export async function buildBinanceOnlyBundle(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const entry = join(outDir, 'binance-only-entry.mjs');
  const binance = join(repoRoot, 'node_modules', 'ccxt', 'js', 'src', 'binance.js');
  await writeFile(
    entry,
    `import binance from ${JSON.stringify(binance)};\nexport const client = new binance({});\n`,
  );
  const outfile = join(outDir, 'binance-only', bundleFileName);
  await build({ ...bundleOptions(), entryPoints: [entry], outfile, logLevel: 'error' });
  return outfile;
}

/** Packages a bundle imports at run time rather than containing, e.g. `@aws-sdk/client-sqs`. */
export function externalImportsOf(bundleText: string): string[] {
  const found = new Set<string>();
  for (const match of bundleText.matchAll(/\bfrom\s*["'](@aws-sdk\/[^"']+)["']/g)) {
    if (match[1] !== undefined) found.add(match[1]);
  }
  return [...found].sort();
}

/**
 * Times whole processes, interleaved: (a) importing the built trade bundle, which constructs its
 * adapters and handler at module scope, (b) importing the full ccxt package, (c) an empty node,
 * and, to explain the figure, (d) the AWS SDK packages alone and (e) a bundle of ccxt's binance
 * class alone. Nothing is invoked, so no server is needed.
 */
export async function measureColdInit(options: {
  tradeBundle: string;
  /** From {@link buildBinanceOnlyBundle}. */
  binanceOnlyBundle: string;
  config: BotConfig;
  runs: number;
}): Promise<ColdInitFigures> {
  const sdkPackages = externalImportsOf(await readFile(options.tradeBundle, 'utf8'));
  // The same environment for every probe, and none of ours: tsx's NODE_OPTIONS or loaders must
  // not slow the children down.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    TICKFAN_CONFIG: JSON.stringify(options.config),
    TICKFAN_TABLE_NAME: localNames.table,
    TICKFAN_IDEMPOTENCY_TABLE_NAME: localNames.idempotencyTable,
    // The trade function loads the exchange's markets at init. A closed loopback port refuses at
    // once, so the figure stays the cost of loading the code (in Lambda, init adds that request).
    TICKFAN_EXCHANGE_URL: 'http://127.0.0.1:1',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    // Lambda runs a newer Node.js and never prints this; here it would only add a write.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const esm = (script: string, ...args: string[]): string[] => [
    '--input-type=module',
    '-e',
    script,
    ...args,
  ];
  const specs: ProcessSpec[] = [
    {
      name: 'trade',
      args: esm(
        `const mod = await import(process.argv[1]);
         if (typeof mod.handler !== 'function') throw new Error('the trade bundle built no handler');`,
        pathToFileURL(options.tradeBundle).href,
      ),
      env,
      cwd: repoRoot,
    },
    {
      name: 'ccxt',
      args: esm(
        `const ccxt = await import('ccxt');
         if (typeof ccxt.binance !== 'function') throw new Error('ccxt loaded without binance');`,
      ),
      env,
      cwd: repoRoot,
    },
    { name: 'empty', args: ['-e', ''], env, cwd: repoRoot },
    {
      name: 'binance',
      args: esm(
        `const mod = await import(process.argv[1]);
         if (typeof mod.client !== 'object') throw new Error('the binance bundle built no client');`,
        pathToFileURL(options.binanceOnlyBundle).href,
      ),
      env,
      cwd: repoRoot,
    },
    {
      name: 'sdk',
      args: esm(`await Promise.all(${JSON.stringify(sdkPackages)}.map((name) => import(name)));`),
      env,
      cwd: repoRoot,
    },
  ];
  const times = await timeInterleaved(specs, { runs: options.runs, warmups: 1 });
  const med = (name: string) => round(median(times.get(name) ?? []));
  const tradeMs = med('trade');
  const fullCcxtMs = med('ccxt');
  return {
    tradeMs,
    fullCcxtMs,
    emptyNodeMs: med('empty'),
    ratio: round(tradeMs / fullCcxtMs, 3),
    awsSdkMs: med('sdk'),
    awsSdkPackages: sdkPackages,
    binanceOnlyMs: med('binance'),
    floorRatio: round(med('binance') / fullCcxtMs, 3),
    runs: options.runs,
  };
}
