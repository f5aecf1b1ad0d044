import * as z from 'zod';
import { lastClosedCandleTime, type Timeframe, timeframeMs } from './candle.js';
import type { SymbolTick, TickPair } from './tick.js';

/**
 * A person's `{ "symbol": "LTC/BTC", "at": "<ISO time>", "rerun": true }` invocation of the trade
 * function. `rerun` asks for a fresh decision instead of the recorded result of a tick that ran.
 */
export const directInvocationSchema = z.strictObject({
  symbol: z.string().min(1),
  at: z.iso.datetime({ offset: true }).optional(),
  rerun: z.boolean().optional(),
});
export type DirectInvocation = z.input<typeof directInvocationSchema>;

/** Input of a direct invocation that cannot be run; the message names the field and value. */
export class InvalidInvocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInvocationError';
  }
}

/**
 * The symbols a direct invocation is checked against: the fixed ones of the config, and the pairs
 * the volume selectors picked (with the settings their ticks carry).
 */
export interface InvocableSymbols {
  readonly symbols: readonly {
    readonly symbol: string;
    readonly timeframe: Timeframe;
    readonly pair?: TickPair;
  }[];
}

/** The symbol tick a direct invocation asks for, and whether it asks for a fresh decision. */
export interface DirectTick extends SymbolTick {
  readonly rerun: boolean;
}

/**
 * The symbol tick a direct invocation asks for. Without `at`, it is the tick that would have run
 * for the newest closed candle at `now`; an `at` between ticks is moved back to its tick.
 */
export function parseDirectInvocation(
  event: unknown,
  config: InvocableSymbols,
  now: number,
): DirectTick {
  const parsed = directInvocationSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(event)';
    throw new InvalidInvocationError(
      `invalid invocation: ${field}: ${issue?.message} (got ${JSON.stringify(issue?.input)})`,
    );
  }
  const symbol = config.symbols.find((s) => s.symbol === parsed.data.symbol);
  if (symbol === undefined) {
    const known = knownList(config.symbols.map((s) => s.symbol));
    throw new InvalidInvocationError(
      `invalid invocation: symbol: ${JSON.stringify(parsed.data.symbol)} is not configured (known: ${known})`,
    );
  }
  const at = parsed.data.at === undefined ? now : Date.parse(parsed.data.at);
  return {
    symbol: symbol.symbol,
    ...(symbol.pair === undefined ? {} : { pair: symbol.pair }),
    scheduledAt: lastClosedCandleTime(at, symbol.timeframe) + timeframeMs(symbol.timeframe),
    rerun: parsed.data.rerun === true,
  };
}

/** The known symbols for an error line: all of a few, the first twenty of many. */
function knownList(symbols: readonly string[]): string {
  if (symbols.length <= 20) return symbols.join(', ');
  return `${symbols.slice(0, 20).join(', ')} and ${symbols.length - 20} more`;
}
