import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundleAliases,
  bundleFileName,
  bundleOptions,
  createRequireBanner,
  externalModules,
  repoRoot,
} from '../../infra/bundling.js';
import { exchangeIds } from '../../lib/config/schema.js';
import { blockFaultMarker } from '../../lib/local/faults/blocking-market.js';
import { localEnvNames } from '../../lib/local/lambda-protocol.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { synthTestStack, testConfig } from './stack-factory.js';

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

/** The files of ccxt exchange `id`'s class: the class itself and its generated API table. */
const exchangeClassFiles = (id: string) =>
  new RegExp(`node_modules/ccxt/js/src/(abstract/)?${id}\\.js$`);

describe.each(exchangeIds)('trade function bundle for %s', (id) => {
  // Bundles for real: the default App, no `aws:cdk:bundling-stacks` context.
  const app = new App({ builtinCloudFormationValidation: false });
  afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));
  let bundle: string;

  it(`is an ESM bundle of at most ${maxBundleBytes / 1024 / 1024} MB`, () => {
    const { stack, assembly } = quietly(() => {
      const { stack } = synthTestStack({ app, config: testConfig({ exchange: { id } }) });
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

  it(`holds ${id}'s ccxt class and no other exchange's`, () => {
    const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
    const classesOf = (exchange: string) =>
      sources.filter((source) => exchangeClassFiles(exchange).test(source));
    const others = exchangeIds.filter((other) => other !== id);

    expect(classesOf(id)).toHaveLength(2);
    expect(others.flatMap(classesOf)).toEqual([]);
    // Nor any of the other hundred-odd exchanges ccxt ships.
    const anyClass = /node_modules\/ccxt\/js\/src\/(abstract\/)?([a-z0-9]+)\.js$/;
    const bundled = new Set(sources.flatMap((source) => anyClass.exec(source)?.[2] ?? []));
    expect([...bundled]).toEqual([id]);
  });

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

  it('bundles the AWS SDK its init loads and imports the rarely used clients only on first use', () => {
    const text = readFileSync(bundle, 'utf8');
    const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };

    // No SDK package is imported at load: DynamoDB and the SDK core are in the bundle...
    expect(text.match(/\bfrom\s*["']@aws-sdk\/[^"']+["']/g) ?? []).toEqual([]);
    expect(
      sources.some((source) => source.includes('node_modules/@aws-sdk/client-dynamodb/')),
    ).toBe(true);
    // ...and each external client is reached only through a dynamic import, on its first use.
    const dynamic = new Set(
      [...text.matchAll(/\bimport\(\s*["'](@aws-sdk\/[^"']+)["']\s*\)/g)].map((m) => m[1]),
    );
    expect([...dynamic].sort()).toEqual(
      externalModules.filter((name) => name !== '@aws-sdk/client-sns').sort(),
    );
    expect(externalModules.every((name) => !sources.some((s) => s.includes(`/${name}/`)))).toBe(
      true,
    );
  });

  it("holds stubs instead of ccxt's WebSocket dependencies", () => {
    const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };

    expect(
      sources.filter((source) => /node_modules\/(ws|fflate|bufferutil)\//.test(source)),
    ).toEqual([]);
    expect(sources.some((source) => source.endsWith('infra/stubs/ws.js'))).toBe(true);
  });

  it("cuts the SDK's credential chain to the environment, where Lambda puts the role's keys", () => {
    const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
    const chainLinks = sources.filter((source) =>
      /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|http|login)|nested-clients)\//.test(
        source,
      ),
    );

    expect(chainLinks).toEqual([]);
    expect(
      sources.some((source) => source.endsWith('infra/stubs/credential-provider-node.js')),
    ).toBe(true);
  });
});

describe('bundle stubs', () => {
  it.each(['ws', 'fflate'])('%s throws as soon as anything uses it', async (name) => {
    const stub = (await import(String(bundleAliases[name]))) as Record<string, unknown>;
    // ws's default export is a class, the rest are functions.
    const uses = Object.entries(stub).map(
      ([key, exported]) =>
        () =>
          key === 'default' ? new (exported as new () => unknown)() : (exported as () => unknown)(),
    );

    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toThrow(/not bundled into tickfan functions/);
  });

  it('give the SDK the credentials of the environment, and refuse without them', async () => {
    type Provider = () => Promise<{ accessKeyId: string; sessionToken?: string }>;
    const { defaultProvider } = (await import(
      String(bundleAliases['@aws-sdk/credential-provider-node'])
    )) as { defaultProvider: () => Provider };
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      process.env.AWS_SESSION_TOKEN = 'token';
      await expect(defaultProvider()()).resolves.toMatchObject({
        accessKeyId: 'AKIDEXAMPLE',
        sessionToken: 'token',
      });

      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      await expect(defaultProvider()()).rejects.toThrow(/environment/i);
    } finally {
      process.env = saved;
    }
  });

  it('are never reached by the REST calls a trade makes, through a bundle built with them', async () => {
    // Prepare: the trade function's ccxt client, bundled with the function options, driven
    // through every REST call a tick makes against the simulator, in a process of its own.
    const dir = mkdtempSync(join(tmpdir(), 'tickfan-stubs-'));
    const clock = new SimClock(Date.UTC(2018, 0, 20, 12, 7, 30));
    const sim = await startSimulator({ clock, symbols: ['LTC/BTC'] });
    try {
      const entry = join(dir, 'rest-path.ts');
      writeFileSync(
        entry,
        `import { createBinanceClient } from ${JSON.stringify(join(repoRoot, 'lib/adapters/exchanges/binance-client.ts'))};
         const client = createBinanceClient({ url: process.env.SIM_URL });
         await client.loadMarkets();
         const candles = await client.fetchOHLCV('LTC/BTC', '5m', Date.UTC(2018, 0, 20, 11), 6);
         const placed = await client.createOrder('LTC/BTC', 'market', 'buy', 0.5, undefined, { clientOrderId: 'stub-check-1' });
         const found = await client.fetchOrder(undefined, 'LTC/BTC', { origClientOrderId: 'stub-check-1' });
         console.log(JSON.stringify({ candles: candles.length, placed: placed.status, found: found.clientOrderId }));`,
      );
      const outfile = join(dir, bundleFileName);
      const { metafile } = await build({
        ...bundleOptions(),
        entryPoints: [entry],
        outfile,
        metafile: true,
        logLevel: 'error',
      });
      const inputs = Object.keys(metafile.inputs);

      // Act
      const { stdout } = await promisify(execFile)(process.execPath, [outfile], {
        env: { PATH: process.env.PATH ?? '', SIM_URL: sim.url },
      });

      // Assess: the stubs stood in for ws and fflate, and every call went through untouched.
      expect(inputs.filter((input) => /infra\/stubs\/(ws|fflate)\.js$/.test(input))).toHaveLength(
        2,
      );
      expect(JSON.parse(stdout)).toEqual({ candles: 6, placed: 'closed', found: 'stub-check-1' });
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
