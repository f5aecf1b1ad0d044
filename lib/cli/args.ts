import { type BotConfig, exchangeIds, parseConfig } from '../config/schema.js';

/** Reads a positive integer flag; the error names the flag and the value. */
export function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer (got ${JSON.stringify(value)})`);
  return n;
}

/** Reads a whole-number flag in `[min, max]`; the error names the flag, the range and the value. */
export function wholeNumberIn(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number {
  const n = Number(value);
  if (value === undefined || !/^\s*\d+\s*$/.test(value) || n < min || n > max) {
    throw new UsageError(
      `${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}

/** A command line that cannot be run as given; the front door (`runCli`) exits 2 for it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--config FILE`, declared alike by every command that reads the bot config. */
export const configOption = {
  type: 'string',
  default: 'cdk.json',
  value: 'FILE',
  help: 'the file whose context.tickfan is the config',
} as const;

/** `--exchange ID`, declared alike by every command that can speak to any exchange. */
export const exchangeOption = {
  type: 'string',
  value: 'ID',
  help: `the exchange (${exchangeIds.join(', ')}); default the config's exchange.id`,
} as const;

/**
 * `config` on the exchange `--exchange` names (unchanged without it), checked again by the one
 * schema: a strategy window one exchange serves may be too long for another's candle requests.
 */
export function withExchange(config: BotConfig, id: string | undefined): BotConfig {
  if (id === undefined || id === config.exchange.id) return config;
  if (!(exchangeIds as readonly string[]).includes(id)) {
    throw new UsageError(`--exchange ${JSON.stringify(id)}: not one of ${exchangeIds.join(', ')}`);
  }
  return parseConfig({ ...config, exchange: { ...config.exchange, id } }, `--exchange ${id}`);
}
