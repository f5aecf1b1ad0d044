import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type BotConfig, parseConfig } from '../../lib/config/schema.js';
import { defaultDataDir, listCandleFiles } from '../../lib/market-data/ohlcv-data.js';

/**
 * `count` invented spot symbols quoted in `quote`: `AAA/BTC`, `BBB/BTC`, ... No real market is
 * named like that, so a bench market can never be mistaken for shipped data.
 */
export function inventedSymbols(count: number, quote = 'BTC'): string[] {
  if (!(Number.isInteger(count) && count >= 1 && count <= 26)) {
    throw new RangeError(`between 1 and 26 invented symbols, got ${count}`);
  }
  return Array.from(
    { length: count },
    (_, i) => `${String.fromCharCode(65 + i).repeat(3)}/${quote}`,
  );
}

export interface BenchMarkets {
  /** Folder of candle files the exchange simulator can serve (`dataDir`). */
  readonly dataDir: string;
  readonly symbols: readonly string[];
  /** The shipped file each invented market replays. */
  readonly sources: Readonly<Record<string, string>>;
}

/**
 * Writes `count` candle files into `dir`, one distinct market each, by cycling through the shipped
 * `5m` files quoted in BTC (all cover the same three weeks of 2018, so every market is ready for
 * the same first tick). The simulator serves one market per file.
 */
export async function writeBenchMarkets(dir: string, count: number): Promise<BenchMarkets> {
  const shipped = (await listCandleFiles(defaultDataDir)).filter(
    (f) => f.timeframe === '5m' && f.quote === 'BTC',
  );
  if (shipped.length === 0) throw new Error(`no 5m BTC candle files in ${defaultDataDir}`);
  await mkdir(dir, { recursive: true });
  const symbols = inventedSymbols(count);
  const sources: Record<string, string> = {};
  await Promise.all(
    symbols.map(async (symbol, i) => {
      const source = shipped[i % shipped.length];
      if (source === undefined) throw new Error('unreachable: shipped is not empty');
      await copyFile(source.path, join(dir, `${symbol.replace('/', '_')}-5m.json`));
      sources[symbol] = source.symbol;
    }),
  );
  return { dataDir: dir, symbols, sources };
}

/**
 * The config of a bench run: `base` (cdk.json's) trading `symbols`, each like `base`'s first
 * symbol (timeframe, strategy, params), with `maxConcurrency` trade invocations at once.
 */
export function benchConfig(
  base: BotConfig,
  symbols: readonly string[],
  maxConcurrency: number,
): BotConfig {
  const template = base.symbols[0];
  if (template === undefined) throw new Error('the base config trades no symbol');
  return parseConfig(
    {
      ...base,
      symbols: symbols.map((symbol) => ({ ...template, symbol })),
      queue: { ...base.queue, maxConcurrency },
    },
    'bench config',
  );
}
