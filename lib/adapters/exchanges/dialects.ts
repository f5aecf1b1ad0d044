import type { ExchangeId } from '../../config/schema.js';
import { binanceDialect } from './binance-dialect.js';
import type { ExchangeDialect } from './dialect.js';
import { krakenDialect } from './kraken-dialect.js';
import { okxDialect } from './okx-dialect.js';

/** Every exchange's dialect. They import no ccxt exchange class, so any bundle may hold them all. */
export const dialects: Readonly<Record<ExchangeId, ExchangeDialect>> = {
  binance: binanceDialect,
  okx: okxDialect,
  kraken: krakenDialect,
};

/** The dialect of ccxt exchange `id`; throws naming the supported ones for any other. */
export function dialectOf(id: string): ExchangeDialect {
  const dialect = (dialects as Readonly<Record<string, ExchangeDialect | undefined>>)[id];
  if (dialect === undefined) {
    throw new Error(
      `tickfan does not trade on ${JSON.stringify(id)} (supported: ${Object.keys(dialects).join(', ')})`,
    );
  }
  return dialect;
}
