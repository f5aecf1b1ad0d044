import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { LocalBuild } from '../../lib/local/build.js';

export interface BundleFigures {
  readonly tradeBytes: number;
  readonly fanOutBytes: number;
  readonly tradeGzipBytes: number;
  readonly fanOutGzipBytes: number;
}

/** Sizes of the built function bundles (the `.mjs` Lambda loads, source maps left out). */
export async function measureBundles(build: LocalBuild): Promise<BundleFigures> {
  const sizes = async (path: string) => {
    const bytes = await readFile(path);
    // Lambda stores the zipped package; gzip's deflate at its default level is close to that.
    return { raw: bytes.length, gzip: gzipSync(bytes).length };
  };
  const [trade, fanOut] = await Promise.all([
    sizes(build.bundles.trade),
    sizes(build.bundles['fan-out']),
  ]);
  return {
    tradeBytes: trade.raw,
    fanOutBytes: fanOut.raw,
    tradeGzipBytes: trade.gzip,
    fanOutGzipBytes: fanOut.gzip,
  };
}
