/**
 * The esbuild options of every tickfan function bundle, in one place: the CDK function construct
 * derives its `bundling` from {@link bundleOptions}, and the local runtime passes the same options
 * to the esbuild JS API, so both run the very same bundle.
 *
 * This module imports nothing from aws-cdk-lib, so the local runtime can load it cheaply.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import type { ExchangeId } from '../lib/config/schema.js';

/** Absolute path of the repository root (the directory holding package.json). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The Lambda handlers under `functions/`, by file name. */
export const HandlerNames = { Trade: 'trade', FanOut: 'fan-out' } as const;
export type HandlerName = (typeof HandlerNames)[keyof typeof HandlerNames];

/**
 * Absolute path of a handler's entry file, e.g. `<repo>/functions/fan-out.ts`. The trade function
 * has one entry per exchange (`functions/trade-okx.ts`), so that its bundle holds the configured
 * exchange's ccxt class alone.
 */
export function handlerEntry(name: HandlerName, exchange: ExchangeId): string {
  return join(repoRoot, 'functions', name === 'trade' ? `trade-${exchange}.ts` : `${name}.ts`);
}

/**
 * Node.js version the code is built for. Lambda runs a newer runtime (see tickfan-function.ts);
 * building for node20 keeps the bundle runnable on the Node 20 used locally and in CI.
 */
export const bundleTarget = 'node20';

/** File name of the bundle in its output directory; `.mjs` makes Node load it as ESM. */
export const bundleFileName = 'index.mjs';

/**
 * AWS SDK clients left out of the bundle and taken from the Lambda Node.js runtime, which ships
 * SDK v3. Each is imported only on first use of a path most containers never take: SQS for a
 * failed tick's retry or a poison message, Secrets Manager in live mode, SNS on the first trade
 * event. Kept out, their code is not even parsed at init.
 *
 * Every other `@aws-sdk/*` package (DynamoDB, its document client, the SDK core and credential
 * providers) is bundled, tree-shaken and minified: a cold start then compiles one file instead of
 * resolving and evaluating the SDK's modules from the runtime's `node_modules`. The price: the
 * runtime's SDK is patched by AWS, the bundled one is the version package-lock.json pins, and
 * updating it is ours to do (README, "Cold start and bundling"). The fan-out function sends to SQS on every
 * tick and takes that client from the runtime at init; it starts once per schedule tick, not once
 * per symbol.
 */
export const externalModules = [
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-sns',
];

/**
 * ESM bundles of CommonJS dependencies call `require` for Node built-ins; without a real
 * `require` in scope they fail with `Dynamic require of "events" is not supported`.
 */
export const createRequireBanner =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const stub = (name: string): string => join(repoRoot, 'infra', 'stubs', `${name}.js`);

/**
 * Import paths replaced by stubs under `infra/stubs/` at bundle time:
 * - protobufjs is an optional peer that ccxt needs only for dYdX and MEXC messages, reached by two
 *   specifiers (`protobufjs/minimal.js`, `protobufjs/minimal`); bundling fails until both resolve.
 * - undici (~0.5 MB minified) is imported by ccxt in a try/catch that falls back to Node's global
 *   fetch; its stub throws, so every environment takes the fetch path and the bundle stays small.
 * - ws and fflate serve ccxt's WebSocket client, which its base class imports but the REST calls
 *   tickfan makes never construct; their stubs throw if anything ever uses them
 *   (test/infra/bundle.test.ts runs the REST path through a bundle built with them).
 * - The SDK's default credential chain is cut to its environment link, the one Lambda (and the
 *   local runtime) provides credentials through; the SSO, STS and metadata links stay out.
 */
export const bundleAliases: Readonly<Record<string, string>> = {
  'protobufjs/minimal.js': stub('protobufjs-minimal'),
  'protobufjs/minimal': stub('protobufjs-minimal'),
  undici: stub('undici'),
  ws: stub('ws'),
  fflate: stub('fflate'),
  '@aws-sdk/credential-provider-node': stub('credential-provider-node'),
};

/**
 * The esbuild options every function bundle is built with, minus entry point and output file.
 * Assignable to esbuild's `BuildOptions`; the literal types let the CDK construct map them exactly.
 */
export interface TickfanBundleOptions {
  bundle: true;
  platform: 'node';
  format: 'esm';
  target: string;
  minify: boolean;
  sourcemap: boolean;
  mainFields: string[];
  banner: { js: string };
  alias: Record<string, string>;
  external: string[];
}

/**
 * Plain esbuild `BuildOptions` for a function bundle, for the esbuild JS API:
 * `build({ ...bundleOptions(), entryPoints: [handlerEntry('trade', 'okx')], outfile: join(dir, bundleFileName) })`.
 * Returns a fresh object on every call, so callers may change it.
 */
export function bundleOptions(): TickfanBundleOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundleTarget,
    minify: true,
    sourcemap: true,
    mainFields: ['module', 'main'],
    banner: { js: createRequireBanner },
    alias: { ...bundleAliases },
    external: [...externalModules],
  } satisfies BuildOptions;
}
