import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { LocalBuild } from '../../lib/local/build.js';
import type { DeployedTradeAsset } from '../lib/deployed-asset.js';
import type { SectionFailure } from '../lib/section-guard.js';

export interface BundleFigures {
  readonly tradeBytes: number;
  readonly fanOutBytes: number;
  readonly tradeGzipBytes: number;
  readonly fanOutGzipBytes: number;
  /**
   * The trade asset the stack deploys (functions/trade-<exchange>.ts, synthesized), beside the bench's own
   * build of the local entry above; or why it could not be had.
   */
  readonly deployed?:
    | { readonly tradeBytes: number; readonly tradeGzipBytes: number }
    | SectionFailure;
}

const sizes = async (path: string) => {
  const bytes = await readFile(path);
  // Lambda stores the zipped package; gzip's deflate at its default level is close to that.
  return { raw: bytes.length, gzip: gzipSync(bytes).length };
};

/** Sizes of the built function bundles (the `.mjs` Lambda loads, source maps left out). */
export async function measureBundles(
  build: LocalBuild,
  deployedAsset?: DeployedTradeAsset | SectionFailure,
): Promise<BundleFigures> {
  const [trade, fanOut] = await Promise.all([
    sizes(build.bundles.trade),
    sizes(build.bundles['fan-out']),
  ]);
  let deployed: BundleFigures['deployed'];
  if (deployedAsset !== undefined && 'failed' in deployedAsset) deployed = deployedAsset;
  else if (deployedAsset !== undefined) {
    const asset = await sizes(deployedAsset.bundleFile);
    deployed = { tradeBytes: asset.raw, tradeGzipBytes: asset.gzip };
  }
  return {
    tradeBytes: trade.raw,
    fanOutBytes: fanOut.raw,
    tradeGzipBytes: trade.gzip,
    fanOutGzipBytes: fanOut.gzip,
    ...(deployed === undefined ? {} : { deployed }),
  };
}
