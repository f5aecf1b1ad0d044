import { type BotConfig, fixedSymbol, selectorsOf } from '../config/schema.js';
import { type Candle, Timeframes } from '../domain/candle.js';
import type { Market } from '../domain/market.js';
import type { RiskLimits } from '../domain/sizing.js';
import {
  createStrategy,
  type StrategyName,
  strategies,
  strategyNames,
} from '../domain/strategies/registry.js';
import type { Strategy } from '../domain/strategies/strategy.js';
import {
  checkTimeframe,
  describeFileName,
  readOhlcvFile,
  timeframeFromSpacing,
} from '../market-data/ohlcv-file.js';
import { isoTimeFlag, isTimeframe, symbolPattern } from './flags.js';
import { simulatedMarket } from './market.js';
import { BacktestError, type BacktestInput } from './run-backtest.js';

/** The backtest command's flags, as parsed from the command line. */
export interface BacktestFlags {
  readonly data?: string | undefined;
  readonly symbol?: string | undefined;
  readonly timeframe?: string | undefined;
  readonly strategy?: string | undefined;
  /** `KEY=VALUE` strings, one per `--param`. */
  readonly param?: readonly string[] | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** A backtest ready to run, and how it was resolved from the flags, the file and the config. */
export interface BacktestPlan {
  readonly data: string;
  /** Every candle of the data file. */
  readonly candles: readonly Candle[];
  readonly input: BacktestInput;
  /** The strategy's validated params, defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly risk: RiskLimits;
  readonly feeRate: number;
}

/**
 * Resolves the flags into a backtest: reads and checks the data file, then the symbol and
 * timeframe (a flag wins; else the file's name; else, for the timeframe, the candles' spacing),
 * the strategy and its params, and the span. Risk limits, fee rate and the quote balance come
 * from `config`, as they do for the trade function.
 *
 * The strategy defaults to the one `config` trades the symbol with, else `sma-cross`; its params
 * start from the configured ones when it is the configured strategy, and each `--param` replaces
 * one. The strategy's own schema then validates them.
 *
 * @throws {@link BacktestError} or `DataFileError`, naming the flag or the row at fault.
 */
export async function planBacktest(flags: BacktestFlags, config: BotConfig): Promise<BacktestPlan> {
  if (flags.data === undefined || flags.data === '') {
    throw new BacktestError('--data FILE is required: a JSON array of OHLCV rows');
  }
  const named = describeFileName(flags.data);
  const symbol = flags.symbol ?? named?.symbol;
  if (symbol === undefined) {
    throw new BacktestError(`--symbol is required: the name of ${flags.data} does not say it`);
  }
  if (!symbolPattern.test(symbol)) {
    throw new BacktestError(
      `--symbol: ${JSON.stringify(symbol)} must look like BASE/QUOTE, e.g. LTC/BTC`,
    );
  }
  if (named !== undefined && named.symbol !== symbol) {
    throw new BacktestError(
      `--symbol ${symbol} does not match ${flags.data}, whose name says ${named.symbol}`,
    );
  }
  if (flags.timeframe !== undefined && !isTimeframe(flags.timeframe)) {
    throw new BacktestError(
      `--timeframe: ${JSON.stringify(flags.timeframe)} is not one of ${Timeframes.join(', ')}`,
    );
  }
  const refuse = (message: string) => new BacktestError(message);
  const from = isoTimeFlag('--from', flags.from, refuse);
  const to = isoTimeFlag('--to', flags.to, refuse);
  if (from !== undefined && to !== undefined && from > to) {
    throw new BacktestError(`--from ${flags.from} is after --to ${flags.to}`);
  }
  const { params, strategy } = resolveStrategy(flags, config, symbol);

  const candles = await readOhlcvFile(flags.data);
  if (candles.length === 0) throw new BacktestError(`${flags.data} holds no candles`);
  const timeframe = flags.timeframe ?? named?.timeframe ?? timeframeFromSpacing(candles);
  if (timeframe === undefined || !isTimeframe(timeframe)) {
    throw new BacktestError(`cannot tell the timeframe of ${flags.data}: give --timeframe`);
  }
  checkTimeframe(candles, timeframe, flags.data);

  const quote = symbol.split('/')[1] ?? '';
  const market: Market = simulatedMarket(symbol, candles);
  return {
    data: flags.data,
    candles,
    params,
    risk: config.risk,
    feeRate: config.paper.feeRate,
    input: {
      symbol,
      timeframe,
      candles,
      strategy,
      market,
      risk: config.risk,
      feeRate: config.paper.feeRate,
      quoteBalance: config.paper.balances[quote] ?? 0,
      clientIdStyle: config.exchange.id,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    },
  };
}

/** Parses `--param KEY=VALUE` flags: numbers and `true`/`false` as such, anything else as text. */
function parseParamFlags(flags: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const key = at < 0 ? '' : flag.slice(0, at).trim();
    if (key === '') {
      throw new BacktestError(`--param ${JSON.stringify(flag)}: expected KEY=VALUE, e.g. fast=10`);
    }
    const text = flag.slice(at + 1).trim();
    const number = Number(text);
    params[key] =
      text !== '' && Number.isFinite(number)
        ? number
        : text === 'true'
          ? true
          : text === 'false'
            ? false
            : text;
  }
  return params;
}

function resolveStrategy(
  flags: BacktestFlags,
  config: BotConfig,
  symbol: string,
): { params: Record<string, unknown>; strategy: Strategy } {
  // A pair the config does not name may be one its selectors pick: the first of its quote's.
  const quote = symbol.split('/')[1];
  const configured =
    fixedSymbol(config, symbol) ??
    selectorsOf(config).find((s) => s.enabled && s.select.quote === quote);
  const wanted = flags.strategy ?? configured?.strategy ?? 'sma-cross';
  if (!isStrategyName(wanted)) {
    throw new BacktestError(
      `--strategy: ${JSON.stringify(wanted)} is not a built-in strategy (known: ${strategyNames.join(', ')})`,
    );
  }
  const base = configured?.strategy === wanted ? configured.params : {};
  const raw = { ...base, ...parseParamFlags(flags.param ?? []) };
  const parsed = strategies[wanted].params.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.map(String).join('.');
      // An issue about the whole params object (an unknown key, fast >= slow) names no value.
      const value = issue.input;
      const got =
        value === undefined || (typeof value === 'object' && value !== null)
          ? ''
          : ` (got ${JSON.stringify(value)})`;
      return `--param${field === '' ? '' : ` ${field}`}: ${issue.message}${got}`;
    });
    throw new BacktestError(`${wanted} params are invalid: ${problems.join('; ')}`);
  }
  const params = parsed.data as Record<string, unknown>;
  return { params, strategy: createStrategy(wanted, params) };
}

function isStrategyName(value: string): value is StrategyName {
  return (strategyNames as readonly string[]).includes(value);
}
