import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { bundleFileName, bundleOptions, repoRoot } from '../../infra/bundling.js';
import { configFileEnvName } from '../../lib/config/env.js';
import type { BotConfig, ExchangeId } from '../../lib/config/schema.js';
import { localNames } from '../../lib/local/local-environment.js';
import type { DeployedTradeAsset } from '../lib/deployed-asset.js';
import { type ProcessSpec, timeInterleaved } from '../lib/process-timer.js';
import type { SectionFailure } from '../lib/section-guard.js';
import { median, round } from '../lib/stats.js';

/** The trade function's asset as the stack deploys it, timed beside the bench's own build. */
export interface DeployedColdInitFigures {
  /** Median whole-process time to import the synthesized trade asset with its template's environment. */
  readonly tradeMs: number;
  /** Bytes of the asset's `index.mjs`. */
  readonly tradeBytes: number;
  /** `tradeMs / fullCcxtMs`, as {@link ColdInitFigures.ratio} for the bench's build. */
  readonly ratio: number;
  /**
   * `tradeMs / binanceOnlyMs`: the deployed asset's init over the exchange class's alone, the
   * figure the target (at most 1.2) judges.
   */
  readonly ratioToExchangeFloor: number;
  /** `tradeMs` over the bench build's: how far the figure users see is from the one the bench tunes. */
  readonly toBenchBuild: number;
  /** The AWS SDK packages the asset leaves to the Lambda runtime. */
  readonly awsSdkPackages: readonly string[];
  /** Where the asset came from: `synthesized` by this run, or the cloud assembly directory given. */
  readonly source: string;
  /**
   * The template's environment variables the probe ran with; one the template takes from another
   * resource is here only when the bench has a local value for it (the table names).
   */
  readonly environment: readonly string[];
}

export interface ColdInitFigures {
  /** Median whole-process time to import the trade bundle and construct its handler. */
  readonly tradeMs: number;
  /** Median whole-process time to import the full ccxt package (ESM barrel). */
  readonly fullCcxtMs: number;
  /** Median time of an empty `node -e ''`: the floor every cold start pays. */
  readonly emptyNodeMs: number;
  /** `tradeMs / fullCcxtMs`; shown for comparison with runs before the floor target. */
  readonly ratio: number;
  /**
   * `tradeMs / binanceOnlyMs`: what everything but ccxt's exchange class adds to a cold start
   * (tickfan's code, Powertools, the AWS SDK, the config's validation, handler construction). The
   * target is at most 1.2, for the bench's build and for the deployed asset.
   */
  readonly ratioToExchangeFloor: number;
  /**
   * Median time to import only the AWS SDK packages the trade bundle imports statically but leaves
   * external (Lambda's runtime provides them): the part of `tradeMs` that is not in the bundle.
   * None since the SDK clients init needs are bundled; this is then an empty node's time.
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
  /** Bytes of the bench's trade bundle (the local entry, lib/local/entries/trade-binance.ts). */
  readonly tradeBytes: number;
  /**
   * Every exchange's bench trade bundle over a bundle of its own ccxt class alone, timed in the
   * same interleaved run (binance's are the figures above).
   */
  readonly exchanges?: Readonly<Partial<Record<ExchangeId, ExchangeColdInit>>>;
  /**
   * The synthesized asset, timed in the same interleaved run; a failure to synthesize or locate
   * it is recorded here and leaves the other figures standing.
   */
  readonly deployed?: DeployedColdInitFigures | SectionFailure;
  readonly runs: number;
}

/** One exchange's cold start against its own floor. */
export interface ExchangeColdInit {
  /** Median whole-process time to import that exchange's bench trade bundle. */
  readonly tradeMs: number;
  /** Median whole-process time to load a bundle of its ccxt class alone and build a client. */
  readonly classOnlyMs: number;
  /** `tradeMs / classOnlyMs`, judged against the same target as binance's. */
  readonly ratioToExchangeFloor: number;
}

/** The bundles one more exchange's cold start is timed with. */
export interface ExchangeProbe {
  readonly exchange: ExchangeId;
  /** Its bench trade bundle (lib/local/entries/trade-<exchange>.ts). */
  readonly tradeBundle: string;
  /** From {@link buildExchangeOnlyBundle}. */
  readonly classBundle: string;
}

/**
 * A preload that turns the network off for a trade probe: both trade entries load the
 * exchange's markets at init, and every request now fails at once, as on a machine without a
 * route, so the figure is the cost of loading the code (in Lambda, init adds that request).
 */
export const networkOffPreload = `data:text/javascript,${encodeURIComponent(
  "globalThis.fetch = async () => { throw new TypeError('fetch failed: the bench runs with the network off'); };",
)}`;

/**
 * The environment the deployed probe runs with: the template's own values, and for each one the
 * template takes from another resource (a table name, a queue URL) the local value when `local`
 * has one; the rest are left out.
 */
export function deployedProbeEnv(
  template: Readonly<Record<string, string | undefined>>,
  local: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...local };
  for (const [name, value] of Object.entries(template)) {
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * Bundles ccxt's `exchange` class alone, with the function bundles' esbuild options, into
 * `outDir`; returns the bundle's path.
 */
export async function buildExchangeOnlyBundle(
  outDir: string,
  exchange: ExchangeId = 'binance',
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const entry = join(outDir, `${exchange}-only-entry.mjs`);
  const source = join(repoRoot, 'node_modules', 'ccxt', 'js', 'src', `${exchange}.js`);
  await writeFile(
    entry,
    `import exchange from ${JSON.stringify(source)};\nexport const client = new exchange({});\n`,
  );
  const outfile = join(outDir, `${exchange}-only`, bundleFileName);
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
 * class alone; with `deployed`, also (f) the trade asset the stack deploys, with the environment
 * its template sets. Nothing is invoked, so no server is needed.
 */
export async function measureColdInit(options: {
  tradeBundle: string;
  /** From {@link buildExchangeOnlyBundle}. */
  binanceOnlyBundle: string;
  /** The other exchanges, each timed against its own class in the same run. */
  others?: readonly ExchangeProbe[];
  /** The synthesized trade asset, or why there is none. */
  deployed?: DeployedTradeAsset | SectionFailure;
  config: BotConfig;
  runs: number;
}): Promise<ColdInitFigures> {
  const sdkPackages = externalImportsOf(await readFile(options.tradeBundle, 'utf8'));
  // The same environment for every probe, and none of ours: tsx's NODE_OPTIONS or loaders must
  // not slow the children down.
  const configDir = await mkdtemp(join(tmpdir(), 'tickfan-bench-config-'));
  const configFile = async (name: string, config: BotConfig): Promise<string> => {
    const file = join(configDir, `${name}.json`);
    await writeFile(file, JSON.stringify(config));
    return file;
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    [configFileEnvName]: await configFile('trade', options.config),
    TICKFAN_TABLE_NAME: localNames.table,
    TICKFAN_IDEMPOTENCY_TABLE_NAME: localNames.idempotencyTable,
    // The trade function asks the exchange nothing at init (its market rules come from the
    // table on the first tick); a closed loopback port would refuse at once if it ever did.
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
  const importHandler = (bundle: string): string[] => [
    `--import=${networkOffPreload}`,
    ...esm(
      `const mod = await import(process.argv[1]);
       if (typeof mod.handler !== 'function') throw new Error(process.argv[1] + ' built no handler');`,
      pathToFileURL(bundle).href,
    ),
  ];
  const specs: ProcessSpec[] = [
    {
      name: 'trade',
      args: importHandler(options.tradeBundle),
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
  const classProbe = (name: string, bundle: string): ProcessSpec => ({
    name,
    args: esm(
      `const mod = await import(process.argv[1]);
       if (typeof mod.client !== 'object') throw new Error(process.argv[1] + ' built no client');`,
      pathToFileURL(bundle).href,
    ),
    env,
    cwd: repoRoot,
  });
  for (const other of options.others ?? []) {
    // Its own config: the trade function's adapter speaks the configured exchange.
    const config = {
      ...options.config,
      exchange: { ...options.config.exchange, id: other.exchange },
    };
    specs.push(
      {
        name: `trade:${other.exchange}`,
        args: importHandler(other.tradeBundle),
        env: { ...env, [configFileEnvName]: await configFile(other.exchange, config) },
        cwd: repoRoot,
      },
      classProbe(`class:${other.exchange}`, other.classBundle),
    );
  }
  const asset =
    options.deployed !== undefined && !('failed' in options.deployed)
      ? options.deployed
      : undefined;
  if (asset) {
    specs.push({
      name: 'deployed',
      args: importHandler(asset.bundleFile),
      env: deployedProbeEnv(asset.environment, env),
      cwd: repoRoot,
    });
  }
  const times = await timeInterleaved(specs, { runs: options.runs, warmups: 1 }).finally(() =>
    rm(configDir, { recursive: true, force: true }),
  );
  const med = (name: string) => round(median(times.get(name) ?? []));
  const tradeMs = med('trade');
  const fullCcxtMs = med('ccxt');
  const bytesOf = async (path: string) => (await stat(path)).size;
  let deployed: ColdInitFigures['deployed'];
  if (asset) {
    const deployedMs = med('deployed');
    deployed = {
      tradeMs: deployedMs,
      tradeBytes: await bytesOf(asset.bundleFile),
      ratio: round(deployedMs / fullCcxtMs, 3),
      ratioToExchangeFloor: round(deployedMs / med('binance'), 3),
      toBenchBuild: round(deployedMs / tradeMs, 3),
      awsSdkPackages: externalImportsOf(await readFile(asset.bundleFile, 'utf8')),
      source: asset.synthesized ? 'synthesized' : asset.assemblyDir,
      environment: Object.keys(asset.environment)
        .filter((name) => asset.environment[name] !== undefined || env[name] !== undefined)
        .sort(),
    };
  } else if (options.deployed !== undefined) {
    deployed = options.deployed as SectionFailure;
  }
  const exchanges: Partial<Record<ExchangeId, ExchangeColdInit>> = {
    binance: {
      tradeMs,
      classOnlyMs: med('binance'),
      ratioToExchangeFloor: round(tradeMs / med('binance'), 3),
    },
  };
  for (const { exchange } of options.others ?? []) {
    const own = med(`trade:${exchange}`);
    const floor = med(`class:${exchange}`);
    exchanges[exchange] = {
      tradeMs: own,
      classOnlyMs: floor,
      ratioToExchangeFloor: round(own / floor, 3),
    };
  }
  return {
    tradeMs,
    fullCcxtMs,
    emptyNodeMs: med('empty'),
    ratio: round(tradeMs / fullCcxtMs, 3),
    ratioToExchangeFloor: round(tradeMs / med('binance'), 3),
    awsSdkMs: med('sdk'),
    awsSdkPackages: sdkPackages,
    binanceOnlyMs: med('binance'),
    floorRatio: round(med('binance') / fullCcxtMs, 3),
    tradeBytes: await bytesOf(options.tradeBundle),
    exchanges,
    ...(deployed === undefined ? {} : { deployed }),
    runs: options.runs,
  };
}
