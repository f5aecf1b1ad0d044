import * as z from 'zod';
import { type Timeframe, Timeframes, timeframeMs } from '../domain/candle.js';
import { minCallMs } from '../domain/deadline.js';
import { defaultFeeRate } from '../domain/fee-rate.js';
import {
  activePairs,
  type PairSelection,
  type PairSettings,
  SelectBy,
  type SelectorEntry,
  selectorKey,
} from '../domain/pair-selection.js';
import {
  BudgetPriority,
  type BudgetRules,
  type ExchangeRateLimits,
  heaviestEntryWeight,
  orderWeight,
  poolAllowance,
} from '../domain/rate-budget.js';
import {
  createStrategy,
  type StrategyName,
  strategies,
  strategyNames,
} from '../domain/strategies/registry.js';
import type { TickPair } from '../domain/tick.js';
import { notificationsConfig } from './notifications.js';
import {
  cronMissedClose,
  ratePeriodMs,
  scheduleExpressionProblem,
  timezoneProblem,
} from './schedule.js';

/**
 * The exchanges tickfan trades on, and what each serves in one candle request. The ccxt adapter
 * asks for one candle more than a tick's window (the newest may still be forming), so a window
 * may hold one less.
 *
 * - binance: `GET /api/v3/klines` serves up to 1,000.
 * - okx: `GET /api/v5/market/candles` serves up to 300 (the request ccxt makes without `since`).
 * - kraken: `GET /0/public/OHLC` serves the newest 720 and no older ones.
 *
 * `requiresIpWhitelist`: the exchange deletes or refuses a trading key whose IP access is
 * unrestricted (Binance does), so live trading there needs `network.staticEgressIp`.
 *
 * `rate`: the request and order limits every invocation of one account and egress IP shares
 * (the rate budget, `lib/domain/rate-budget.ts`), each counted in fixed windows, and what each
 * call a tick makes weighs in the request limit's unit. The weights are ccxt's own endpoint
 * costs (`node_modules/ccxt/js/src/<id>.js`, the `api` map) scaled to the exchange's unit:
 *
 * - binance: request weight, 6,000 per minute per IP, counted in fixed minute windows; orders,
 *   50 per 10 s per account. ccxt prices 1 weight at cost 0.2 against its 50 ms `rateLimit`
 *   (1000 / (50 * 0.2) * 60 = 6,000 a minute), so weight = cost * 5: klines 0.4 -> 2,
 *   exchangeInfo 4 -> 20, POST and DELETE order 0.2 -> 1, GET order 0.8 -> 4, account 4 -> 20.
 * - okx: limits are per endpoint, most of those a tick uses 20 requests per 2 s (candles per
 *   IP, algo orders and look-ups per user); ccxt paces okx as one 20-per-2-s bucket (cost 1 per
 *   100 ms) and prices cheaper endpoints as fractions (trade/order 1/3, batch-orders 1/15). One
 *   unit here is 1/15 of a request, weight = cost * 15, 300 per 2 s. An order: batch-orders
 *   1/15 plus the trade/order look-up that confirms it (1/3) = 6; a stop: order-algo 1 plus its
 *   look-up 1 = 30; a cancel: cancel-algos 1 plus its look-up 1 = 30; a look-up: an algo order's
 *   1 = 15 (a market order's is 5); balance 2 = 30. Orders: 20 per 2 s (order-algo, the tightest
 *   order endpoint a tick uses).
 * - kraken: the private API counter (starter tier: at most 15, decaying 0.33 a second; each
 *   private call adds 1) and public calls per IP (about one a second). ccxt paces kraken at 1
 *   cost a second and prices OHLC 1.2 and a private call 3 (one counter point per 3 s, the
 *   starter's decay). One unit here is ccxt's cost * 5, 150 per 30 s: OHLC 6, Assets and
 *   AssetPairs 5 each, OpenOrders, ClosedOrders, Balance 15 each. AddOrder and CancelOrder add
 *   nothing to the API counter (ccxt's cost 0); they count in the matching engine's per-pair
 *   counter instead: orders, 60 per minute (the starter tier's threshold of 60, decaying about
 *   1 a second). A look-up by client id may read open and then closed orders (30), and Kraken
 *   acknowledges a placement or a cancel with ids alone, so each is followed by one: 30.
 *
 * The windows are fixed, as binance counts them; a burst across a window boundary may reach
 * twice one window's allowance, which `rateBudget.share` below 1 keeps under the limit for
 * kraken's and okx's decaying counters in practice.
 */
export const exchangeLimits = {
  binance: {
    candlesPerRequest: 1000,
    requiresIpWhitelist: true,
    rate: {
      requests: { limit: 6_000, windowMs: 60_000 },
      orders: { limit: 50, windowMs: 10_000 },
      weights: {
        candles: 2,
        markets: 20,
        order: 1,
        stop: 1,
        cancel: 1,
        lookup: 4,
        balance: 20,
        // ticker/24hr without a symbol: ccxt's noSymbol cost 16 * 5 = 80, Binance's documented weight.
        tickers: 80,
      },
    },
  },
  okx: {
    candlesPerRequest: 300,
    requiresIpWhitelist: false,
    rate: {
      requests: { limit: 300, windowMs: 2_000 },
      orders: { limit: 20, windowMs: 2_000 },
      weights: {
        candles: 15,
        markets: 15,
        order: 6,
        stop: 30,
        cancel: 30,
        lookup: 15,
        balance: 30,
        // market/tickers: ccxt's cost 1 * 15 = 15 (its own 20 per 2 s per IP, as candles).
        tickers: 15,
      },
    },
  },
  kraken: {
    candlesPerRequest: 720,
    requiresIpWhitelist: false,
    rate: {
      requests: { limit: 150, windowMs: 30_000 },
      orders: { limit: 60, windowMs: 60_000 },
      weights: {
        candles: 6,
        markets: 10,
        order: 30,
        stop: 30,
        cancel: 30,
        lookup: 30,
        balance: 15,
        // public Ticker, every pair in one call: ccxt's cost 1 * 5 = 5 (one public call).
        tickers: 5,
      },
    },
  },
} as const satisfies Record<
  string,
  {
    readonly candlesPerRequest: number;
    readonly requiresIpWhitelist: boolean;
    readonly rate: ExchangeRateLimits;
  }
>;

/** Minutes between two fetches of the exchange's market rules, unless `markets.refreshMinutes` says. */
export const defaultMarketsRefreshMinutes = 60;

/** The id of an exchange tickfan trades on. */
export type ExchangeId = keyof typeof exchangeLimits;

/** Every supported exchange id, in a stable order. */
export const exchangeIds = Object.keys(exchangeLimits) as [ExchangeId, ...ExchangeId[]];

/** A string check that reports `problem(value)` as the field's message, with the value. */
function checked(problem: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx<string>) => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
  };
}

/** A unified symbol as tickfan spells it: `BASE/QUOTE`, e.g. `LTC/BTC`. */
export const symbolPattern = /^[A-Z0-9]{2,12}\/[A-Z0-9]{2,12}$/;

/**
 * A strategy's params checked against its schema, once per distinct strategy and params: a
 * thousand symbols usually share a handful, and the config is validated at every cold start.
 */
const checkedParams = new Map<string, z.ZodSafeParseResult<unknown>>();
function strategyParams(strategy: StrategyName, params: unknown): z.ZodSafeParseResult<unknown> {
  const key = `${strategy}:${JSON.stringify(params)}`;
  let result = checkedParams.get(key);
  if (result === undefined) {
    result = strategies[strategy].params.safeParse(params, {
      reportInput: true,
    }) as z.ZodSafeParseResult<unknown>;
    checkedParams.set(key, result);
  }
  return result;
}

/** The candles a strategy needs, once per distinct strategy and params (see {@link strategyParams}). */
const warmups = new Map<string, number>();
function strategyWarmup(strategy: StrategyName, params: unknown): number {
  const key = `${strategy}:${JSON.stringify(params)}`;
  let warmup = warmups.get(key);
  if (warmup === undefined) {
    warmup = createStrategy(strategy, params).warmup;
    warmups.set(key, warmup);
  }
  return warmup;
}

/** The strategy params of a symbol entry, each issue under `params`. */
function paramIssues(
  s: { readonly strategy: StrategyName; readonly params: unknown },
  ctx: { addIssue(issue: z.core.$ZodRawIssue): void },
): void {
  const result = strategyParams(s.strategy, s.params);
  if (result.success) return;
  for (const issue of result.error.issues) {
    ctx.addIssue({
      code: 'custom',
      path: ['params', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
      message: issue.message,
      input: issue.input,
      continue: true,
    });
  }
}

/** What every symbol entry trades with, a fixed pair or a selector. */
const entrySettings = {
  timeframe: z.enum(Timeframes),
  strategy: z.enum(strategyNames).default('sma-cross'),
  params: z.record(z.string(), z.unknown()).default({}),
  enabled: z.boolean().default(true),
};

const symbolConfig = z.strictObject({
  symbol: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required: a pair such as LTC/BTC, or a "select" to pick pairs by volume'
          : undefined,
    })
    .regex(symbolPattern, 'must look like BASE/QUOTE, e.g. LTC/BTC'),
  ...entrySettings,
});

/** A currency code as a unified symbol spells it: `USDT`, `BTC`. */
const currencyPattern = /^[A-Z0-9]{2,12}$/;

/**
 * A symbol entry that picks its pairs by volume at each markets refresh, Freqtrade's
 * VolumePairList: `{ "select": { "quote": "USDT", "top": 50 }, "timeframe": "5m" }`.
 */
const selectorConfig = z.strictObject({
  select: z.strictObject({
    /** The quote currency of the pairs picked. */
    quote: z.string().regex(currencyPattern, 'must be a currency code, e.g. USDT'),
    /** How many pairs, the highest by `by` first. */
    top: z.number().int().min(1).max(1_000),
    /** What pairs are ranked by: the last 24 hours' volume in the quote currency. */
    by: z.enum([SelectBy.QuoteVolume]).default(SelectBy.QuoteVolume),
    /** Pairs whose last price is below this are left out. */
    minPrice: z.number().positive().optional(),
    /** Pairs never picked, e.g. `["USDC/USDT"]`. */
    exclude: z
      .array(z.string().regex(symbolPattern, 'must look like BASE/QUOTE, e.g. USDC/USDT'))
      .default([]),
  }),
  ...entrySettings,
});

/**
 * One entry of `symbols`: a fixed pair, or a selector (an object with `select`), each checked
 * against its own schema so an error names the entry's own fields.
 */
const symbolEntry = z.unknown().transform((value, ctx) => {
  const schema =
    typeof value === 'object' && value !== null && 'select' in value
      ? selectorConfig
      : symbolConfig;
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) {
      ctx.addIssue({
        code: 'custom',
        path: [...issue.path],
        message: issue.message,
        input: issue.input,
      });
    }
    return z.NEVER;
  }
  // Bad params still let the whole config's checks run, so every problem is named at once.
  paramIssues(result.data, ctx);
  return result.data;
});

/** The bot's whole configuration: the `tickfan` context in cdk.json. */
export const configSchema = z
  .strictObject({
    exchange: z
      .strictObject({
        id: z.enum(exchangeIds).default('binance'),
        mode: z.enum(['paper', 'live']).default('paper'),
        /**
         * Secrets Manager secret holding `{ apiKey, secret }` (and `password`, OKX's passphrase);
         * required in live mode.
         */
        secretName: z.string().min(1).optional(),
      })
      .prefault({}),
    network: z
      .strictObject({
        /**
         * Run the trade function in a VPC whose traffic leaves through a NAT gateway holding an
         * Elastic IP, so the exchange key can be restricted to that address. Needed for live
         * trading on an exchange that deletes unrestricted keys (binance).
         */
        staticEgressIp: z.boolean().default(false),
        /** Availability zones of the VPC, each with its own NAT gateway and Elastic IP. */
        azs: z.number().int().min(1).max(2).default(1),
      })
      .prefault({}),
    schedule: z
      .strictObject({
        expression: z
          .string()
          .superRefine(checked(scheduleExpressionProblem))
          .default('rate(1 minute)'),
        /** IANA time zone the cron expression is read in. */
        timezone: z.string().superRefine(checked(timezoneProblem)).default('UTC'),
      })
      .prefault({}),
    symbols: z.array(symbolEntry).min(1, 'at least one symbol is needed'),
    risk: z
      .strictObject({
        /** Quote-currency value of one entry. */
        stakePerTrade: z.number().positive().default(0.01),
        /** Largest quote-currency value one symbol's position may reach. */
        maxPosition: z.number().positive().default(0.05),
        /** Symbols that may hold a position at the same time, across the whole bot. */
        maxOpenPositions: z.number().int().min(1).max(1_000).default(10),
        /**
         * Realised loss in one UTC day (quote currency) that halts trading automatically.
         * Default: five stakes.
         */
        maxDailyLoss: z.number().positive().optional(),
        /**
         * What reaching `maxDailyLoss` does: `close-only` (default) refuses new entries and lets
         * exits and stoplosses go on; `halt` stops all trading, open positions included.
         */
        dailyLossAction: z.enum(['close-only', 'halt']).default('close-only'),
        /**
         * The protective stop: a sell stop resting on the exchange this fraction below the entry
         * price, placed as soon as the entry fills.
         */
        stoplossPct: z.number().gt(0).lt(1).optional().default(0.1),
        /**
         * Raise the stop as the price makes new highs, to this fraction below the highest close
         * since the entry (never lower than the stoploss). Off when not set.
         */
        trailingStopPct: z.number().gt(0).lt(1).optional(),
        /**
         * Take profit by time held, as Freqtrade's `minimal_roi`: minutes held → the profit ratio
         * that exits, e.g. `{ "0": 0.05, "60": 0.02, "240": 0 }`. Off when not set.
         */
        roi: z
          .record(z.string(), z.number().min(-1).max(100))
          .superRefine((roi, ctx) => {
            if (Object.keys(roi).length === 0) {
              ctx.addIssue({
                code: 'custom',
                message: 'needs at least one "minutes": ratio entry',
              });
            }
            for (const key of Object.keys(roi)) {
              if (/^(0|[1-9][0-9]*)$/.test(key)) continue;
              const message = 'must be whole minutes held, e.g. "60"';
              ctx.addIssue({ code: 'custom', path: [key], message, input: key });
            }
          })
          .optional(),
      })
      .prefault({}),
    paper: z
      .strictObject({
        /** Starting balances of the paper account, by currency. */
        balances: z
          .record(z.string(), z.number().nonnegative())
          .default({ BTC: 1, ETH: 10, USDT: 10_000 }),
        /** Taker fee rate charged on each paper fill. */
        feeRate: z.number().min(0).max(0.01).default(defaultFeeRate),
      })
      .prefault({}),
    timeouts: z
      .strictObject({
        tradeFunctionSeconds: z.number().int().min(3).max(900).default(30),
        /**
         * A fan-out of 1,000 symbols takes about a second (bench `scale` section); 30 s leaves
         * room for the queue's and the store's retries and backoff without outliving the tick.
         */
        fanOutFunctionSeconds: z.number().int().min(3).max(900).default(30),
        /** Upper bound of any single exchange call. */
        exchangeCallMs: z.number().int().min(100).max(120_000).default(10_000),
        /** Time kept back from every invocation's deadline. */
        safetyMarginMs: z.number().int().min(0).max(60_000).default(1_000),
      })
      .prefault({}),
    guards: z
      .strictObject({
        /**
         * A tick that starts later than this after its scheduled time is skipped as stale.
         * Default: half of the symbol's timeframe.
         */
        maxTickLagMs: z.number().int().positive().optional(),
        /**
         * How soon a tick whose attempt failed is delivered again (the trade function sets the
         * message's visibility to it, rounded up to whole seconds). It must be shorter than the
         * stale limit, or the retry could not decide: the queue's own visibility timeout (six
         * function timeouts) is longer than a 5m symbol's stale limit.
         */
        retryDelayMs: z.number().int().min(0).max(900_000).default(5_000),
        /** Wait before the one re-fetch when the tick's candle has not closed on the exchange. */
        refetchDelayMs: z.number().int().min(0).max(60_000).default(2_000),
        /**
         * Consecutive ticks of a symbol in which the exchange failed that open its circuit
         * breaker; a tick counts once however many of its calls and retries fail.
         */
        breakerThreshold: z.number().int().min(1).max(100).default(3),
        /** How long an open breaker skips the symbol before one probe tick. */
        breakerCooldownMs: z.number().int().min(1_000).default(900_000),
        /** A symbol with no successful tick for this many of its periods counts as silent. */
        silencePeriods: z.number().int().min(1).max(1_000).default(3),
      })
      .prefault({}),
    queue: z
      .strictObject({
        maxReceiveCount: z.number().int().min(1).max(1000).default(3),
        /** Concurrent trade invocations; bounds the load on one exchange account. */
        maxConcurrency: z.number().int().min(2).max(1000).default(10),
      })
      .prefault({}),
    /**
     * The rate budget all trade invocations share (one per exchange account and egress IP, in
     * the state table): each tick reserves its request weight before its first exchange call,
     * each order its place in the order-rate limit, and a 429 or 418 seen by any invocation
     * pauses all of them until its Retry-After has passed.
     */
    rateBudget: z
      .strictObject({
        enabled: z.boolean().default(true),
        /**
         * Fraction of the exchange's documented limits entries may use; the rest is headroom
         * (other clients of the key, clock skew between windows). Protection (the ticks of held
         * positions, exits) may use the whole limit.
         */
        share: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').default(0.8),
        /** Overrides the documented request limit per window, in the exchange's weight unit. */
        requestLimit: z.number().int().positive().optional(),
        /** Overrides the documented order limit per window. */
        orderLimit: z.number().int().positive().optional(),
      })
      .prefault({}),
    markets: z
      .strictObject({
        /**
         * Minutes between two fetches of the exchange's market rules (precision, limits, ids) for
         * the whole deployment; a trade container reads its symbol's stored rules again once its
         * copy is this old.
         */
        refreshMinutes: z.number().int().min(1).max(1_440).default(defaultMarketsRefreshMinutes),
      })
      .prefault({}),
    /** Who is told about trade and health events: e-mail and Slack, Discord, Telegram webhooks. */
    notifications: notificationsConfig,
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.symbols.forEach((s, i) => {
      // Two selectors selecting alike would share every pair; the first would take them all.
      const id = isSelector(s) ? selectorKey(s.select) : s.symbol;
      if (seen.has(id)) {
        const field = isSelector(s) ? 'select' : 'symbol';
        const input = isSelector(s) ? s.select : s.symbol;
        ctx.addIssue({
          code: 'custom',
          path: ['symbols', i, field],
          message: 'is listed twice',
          input,
        });
      }
      seen.add(id);
    });
    if (c.exchange.mode === 'live' && c.exchange.secretName === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['exchange', 'secretName'],
        message: 'is required in live mode',
        input: c.exchange.secretName,
      });
    }
    for (const issue of egressIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of scheduleIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of windowIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of paperBalanceIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of deadlineIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of retryIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of rateBudgetIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
  });

interface ConfigIssue {
  readonly path: PropertyKey[];
  readonly message: string;
  readonly input: unknown;
}

/**
 * Live trading on an exchange that deletes an unrestricted trading key, without a fixed address
 * to restrict the key to: the key would be deleted, so the config could never trade.
 */
function egressIssues(c: {
  readonly exchange: { readonly id: ExchangeId; readonly mode: string };
  readonly network: { readonly staticEgressIp: boolean };
}): ConfigIssue[] {
  if (c.exchange.mode !== 'live' || c.network.staticEgressIp) return [];
  if (!exchangeLimits[c.exchange.id].requiresIpWhitelist) return [];
  return [
    {
      path: ['network', 'staticEgressIp'],
      message: `must be true for live trading on ${c.exchange.id}: it deletes an API key that can trade without an IP whitelist, and without a static egress IP there is no address to whitelist`,
      input: c.network.staticEgressIp,
    },
  ];
}

type SymbolTimeframes = Pick<SymbolEntry, 'timeframe'>;

/**
 * Symbols whose candles the schedule would miss: a rate that is no divisor of the timeframe, or
 * a cron that does not fire at each candle close. Left to the field checks while the expression
 * or the time zone is itself invalid.
 */
function scheduleIssues(c: {
  readonly schedule: { readonly expression: string; readonly timezone: string };
  readonly symbols: readonly SymbolTimeframes[];
}): ConfigIssue[] {
  const { expression, timezone } = c.schedule;
  if (scheduleExpressionProblem(expression) !== undefined) return [];
  if (timezoneProblem(timezone) !== undefined) return [];
  // Once per timeframe: a thousand symbols share a handful, and each cron check samples two days.
  const missedByTimeframe = new Map<Timeframe, string | undefined>();
  return c.symbols.flatMap((s, i) => {
    if (!missedByTimeframe.has(s.timeframe)) {
      missedByTimeframe.set(s.timeframe, scheduleMissProblem(c.schedule, s.timeframe));
    }
    const message = missedByTimeframe.get(s.timeframe);
    if (message === undefined) return [];
    return [{ path: ['symbols', i, 'timeframe'], message, input: s.timeframe }];
  });
}

/**
 * Why `schedule` would miss candles of `timeframe` (it does not fire as each one closes), or
 * undefined when it ticks every one; also undefined for a schedule that is itself invalid (the
 * schema names that).
 */
export function scheduleMissProblem(
  schedule: { readonly expression: string; readonly timezone: string },
  timeframe: Timeframe,
): string | undefined {
  const { expression, timezone } = schedule;
  if (scheduleExpressionProblem(expression) !== undefined) return undefined;
  if (timezoneProblem(timezone) !== undefined) return undefined;
  const every = ratePeriodMs(expression);
  if (every !== undefined) {
    if (timeframeMs(timeframe) % every === 0) return undefined;
    return `is not a multiple of the schedule ${expression}, so its candles would be missed`;
  }
  const missed = cronMissedClose(expression, timezone, timeframe);
  if (missed === undefined) return undefined;
  const at = new Date(missed).toISOString().slice(0, 16).replace('T', ' ');
  return `closes at ${at} UTC among others, when the schedule ${expression} (${timezone}) does not fire, so its candles would be missed`;
}

/** Symbols whose strategy needs more candles than the exchange serves in one request. */
function windowIssues(c: {
  readonly exchange: { readonly id: ExchangeId };
  readonly symbols: readonly Pick<SymbolEntry, 'strategy' | 'params'>[];
}): ConfigIssue[] {
  const most = exchangeLimits[c.exchange.id].candlesPerRequest - 1;
  return c.symbols.flatMap((s, i) => {
    // Bad params are reported by the symbol's own check.
    const params = strategyParams(s.strategy, s.params);
    if (!params.success) return [];
    const window = strategyWarmup(s.strategy, params.data);
    if (window <= most) return [];
    const message = `need a window of ${window} candles, more than the ${most} closed candles ${c.exchange.id} serves in one request, so every tick would fail`;
    return [{ path: ['symbols', i, 'params'], message, input: s.params }];
  });
}

/**
 * In paper mode, enabled symbols whose quote currency the paper account holds none of: the paper
 * broker would reject every entry for want of funds.
 */
function paperBalanceIssues(c: {
  readonly exchange: { readonly mode: string };
  readonly paper: { readonly balances: Readonly<Record<string, number>> };
  readonly symbols: readonly SymbolEntry[];
}): ConfigIssue[] {
  if (c.exchange.mode !== 'paper') return [];
  const missing = new Map<string, string[]>();
  for (const s of c.symbols) {
    const quote = isSelector(s) ? s.select.quote : (s.symbol.split('/')[1] ?? '');
    if (!s.enabled || (c.paper.balances[quote] ?? 0) > 0) continue;
    missing.set(quote, [...(missing.get(quote) ?? []), entryName(s)]);
  }
  return [...missing].map(([quote, symbols]) => ({
    path: ['paper', 'balances'],
    message: `holds no ${quote} for ${symbols.join(', ')}, so every paper entry would be rejected`,
    input: c.paper.balances,
  }));
}

interface TimingConfig {
  readonly timeouts: {
    readonly tradeFunctionSeconds: number;
    readonly exchangeCallMs: number;
    readonly safetyMarginMs: number;
  };
  readonly guards: { readonly maxTickLagMs?: number | undefined; readonly refetchDelayMs: number };
}

/**
 * Timings under which no tick could ever decide: every exchange call refused by the deadline
 * rules (`skipped: deadline`), every tick stale, or a re-fetch that can never start.
 */
function deadlineIssues({ timeouts, guards }: TimingConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const timeoutMs = timeouts.tradeFunctionSeconds * 1000;
  if (timeouts.exchangeCallMs < minCallMs) {
    issues.push({
      path: ['timeouts', 'exchangeCallMs'],
      message: `is below the ${minCallMs} ms an exchange call needs to be started, so every tick would be skipped: deadline`,
      input: timeouts.exchangeCallMs,
    });
  }
  if (timeouts.safetyMarginMs + minCallMs >= timeoutMs) {
    issues.push({
      path: ['timeouts', 'safetyMarginMs'],
      message: `plus the ${minCallMs} ms minimum exchange call does not fit in the ${timeoutMs} ms trade function timeout (timeouts.tradeFunctionSeconds ${timeouts.tradeFunctionSeconds}), so every tick would be skipped: deadline`,
      input: timeouts.safetyMarginMs,
    });
  }
  if (guards.maxTickLagMs !== undefined && guards.maxTickLagMs < minCallMs) {
    issues.push({
      path: ['guards', 'maxTickLagMs'],
      message: `is below the ${minCallMs} ms minimum exchange call: every tick would start stale and be skipped`,
      input: guards.maxTickLagMs,
    });
  }
  if (guards.refetchDelayMs + minCallMs > timeouts.exchangeCallMs) {
    issues.push({
      path: ['guards', 'refetchDelayMs'],
      message: `plus the ${minCallMs} ms minimum exchange call exceeds timeouts.exchangeCallMs ${timeouts.exchangeCallMs}, so the re-fetch of a late candle could never start`,
      input: guards.refetchDelayMs,
    });
  }
  return issues;
}

interface RetryTimingConfig {
  readonly timeouts: { readonly tradeFunctionSeconds: number };
  readonly guards: { readonly maxTickLagMs?: number | undefined; readonly retryDelayMs: number };
  readonly symbols: readonly SymbolEntry[];
}

/** A symbol's stale limit: `guards.maxTickLagMs`, or half its timeframe. */
export function staleLimitMs(
  guards: { readonly maxTickLagMs?: number | undefined },
  timeframe: Timeframe,
): number {
  return guards.maxTickLagMs ?? timeframeMs(timeframe) / 2;
}

/** The shortest stale limit among the enabled symbols (all symbols when none is enabled). */
function shortestStaleLimit(c: RetryTimingConfig): { limitMs: number; symbol: string } {
  const enabled = c.symbols.filter((s) => s.enabled);
  let shortest = { limitMs: Number.POSITIVE_INFINITY, symbol: '' };
  for (const s of enabled.length > 0 ? enabled : c.symbols) {
    const limitMs = staleLimitMs(c.guards, s.timeframe);
    if (limitMs < shortest.limitMs) shortest = { limitMs, symbol: entryName(s) };
  }
  return shortest;
}

/**
 * A retry delay under which no redelivery could decide: even a retry of an attempt that failed
 * at once arrives after the stale limit, leaving no room for one exchange call.
 */
function retryIssues(c: RetryTimingConfig): ConfigIssue[] {
  const { limitMs, symbol } = shortestStaleLimit(c);
  if (c.guards.retryDelayMs + minCallMs <= limitMs) return [];
  const limit =
    c.guards.maxTickLagMs === undefined ? `half the timeframe of ${symbol}` : 'guards.maxTickLagMs';
  return [
    {
      path: ['guards', 'retryDelayMs'],
      message: `plus the ${minCallMs} ms minimum exchange call exceeds the ${limitMs} ms stale limit (${limit}), so a failed tick's retry would always be skipped as stale`,
      input: c.guards.retryDelayMs,
    },
  ];
}

interface RateBudgetConfig {
  readonly exchange: { readonly id: ExchangeId };
  readonly rateBudget: {
    readonly enabled: boolean;
    readonly share: number;
    readonly requestLimit?: number | undefined;
    readonly orderLimit?: number | undefined;
  };
}

/**
 * The limits the rate budget of `config` draws from: the exchange's documented ones (its
 * `exchangeLimits` entry) or the config's overrides, with the share entries may use.
 */
export function rateBudgetRules(config: RateBudgetConfig): BudgetRules {
  const { requests, orders } = exchangeLimits[config.exchange.id].rate;
  const { requestLimit, orderLimit, share } = config.rateBudget;
  return {
    requests: { ...requests, limit: requestLimit ?? requests.limit },
    orders: { ...orders, limit: orderLimit ?? orders.limit },
    share,
  };
}

/**
 * A budget whose entry share cannot hold one entry's draw: every flat symbol's tick (or every
 * buy) would be skipped as `ratelimit`.
 */
function rateBudgetIssues(c: RateBudgetConfig): ConfigIssue[] {
  if (!c.rateBudget.enabled) return [];
  const rules = rateBudgetRules(c);
  const { weights } = exchangeLimits[c.exchange.id].rate;
  const issues: ConfigIssue[] = [];
  const needs = heaviestEntryWeight(weights);
  const requests = poolAllowance(rules.requests, rules.share, BudgetPriority.Entry);
  if (requests < needs) {
    const field = c.rateBudget.requestLimit === undefined ? 'share' : 'requestLimit';
    issues.push({
      path: ['rateBudget', field],
      message: `leaves entries ${requests} of ${c.exchange.id}'s ${rules.requests.limit} request weight per ${rules.requests.windowMs / 1000} s, less than the ${needs} one entry draws, so every entry would be skipped: ratelimit`,
      input: c.rateBudget[field],
    });
  }
  const orders = poolAllowance(rules.orders, rules.share, BudgetPriority.Entry);
  const perBuy = orderWeight(weights, 'buy').orders;
  if (orders < perBuy) {
    const field = c.rateBudget.orderLimit === undefined ? 'share' : 'orderLimit';
    issues.push({
      path: ['rateBudget', field],
      message: `leaves entries ${orders} of ${c.exchange.id}'s ${rules.orders.limit} orders per ${rules.orders.windowMs / 1000} s, less than the ${perBuy} (a buy and its stop) one entry sends, so every entry would be skipped: ratelimit`,
      input: c.rateBudget[field],
    });
  }
  return issues;
}

/**
 * Why the rate budget cannot hold the entry ticks that fall due together, or undefined when it
 * can. A schedule tick queues every enabled symbol at once, so their candle fetches arrive in
 * the same window; a tick refused waits for the next window within its timeout (binance's and
 * kraken's windows are longer than a 30 s function, okx's fit many). What the entry share of
 * those windows cannot hold is skipped as `ratelimit`. Not every tick needs to trade and held
 * positions draw past the share, so this is a warning, not a refusal.
 */
export function rateBudgetWarning(config: BotConfig): string | undefined {
  if (!config.rateBudget.enabled) return undefined;
  const rules = rateBudgetRules(config);
  const { weights } = exchangeLimits[config.exchange.id].rate;
  const enabled = tradedPairCount(config);
  const waitMs = config.timeouts.tradeFunctionSeconds * 1000 - config.timeouts.safetyMarginMs;
  const windows = Math.min(20, 1 + Math.floor(waitMs / rules.requests.windowMs));
  const capacity = poolAllowance(rules.requests, rules.share, BudgetPriority.Entry) * windows;
  const burst = enabled * weights.candles;
  if (burst <= capacity) return undefined;
  const held = Math.floor(capacity / weights.candles);
  return (
    `rateBudget: the ${enabled} enabled symbols draw ${burst} ${config.exchange.id} request ` +
    `weight (${weights.candles} each for candles) when their ticks fall due together, more than ` +
    `the ${capacity} that ${windows} window(s) of ${rules.requests.windowMs / 1000} s hold at ` +
    `the entry share ${rules.share} within a tick's timeout: about ${enabled - held} flat ` +
    "symbols' ticks would be skipped as ratelimit each time. Trade fewer symbols, spread their " +
    'timeframes, or raise rateBudget.share if nothing else uses the key and address.'
  );
}

/**
 * Why a retry of an attempt that ran until its timeout would arrive too late to decide, or
 * undefined when it would not: the redelivery comes the retry delay after the attempt ends, at
 * the latest the trade function's timeout after it started. Such a config still trades (a fast
 * failure's retry decides), so this is a warning at synth, not a refusal.
 */
export function retryTimingWarning(config: RetryTimingConfig): string | undefined {
  const { limitMs, symbol } = shortestStaleLimit(config);
  const timeoutMs = config.timeouts.tradeFunctionSeconds * 1000;
  const latestMs = timeoutMs + config.guards.retryDelayMs;
  if (latestMs <= limitMs) return undefined;
  return (
    `a retry of a ${symbol} tick whose attempt ran until the ${timeoutMs} ms trade function ` +
    `timeout arrives ${latestMs} ms after it started, past its ${limitMs} ms stale limit, and is ` +
    'skipped as stale. Shorten timeouts.tradeFunctionSeconds or guards.retryDelayMs, or raise ' +
    'guards.maxTickLagMs.'
  );
}

export type BotConfig = z.infer<typeof configSchema>;
/** A fixed pair of the config, or a pair a selector picked, with what it is traded with. */
export type SymbolConfig = z.infer<typeof symbolConfig>;
/** A symbol entry that picks its pairs by volume. */
export type SelectorConfig = z.infer<typeof selectorConfig>;
/** One entry of `symbols`: a fixed pair or a selector. */
export type SymbolEntry = BotConfig['symbols'][number];

/** Whether `entry` picks its pairs by volume rather than naming one. */
export function isSelector(entry: SymbolEntry): entry is SelectorConfig {
  return 'select' in entry;
}

/** How an entry is named in a message: its symbol, or what its selector picks. */
export function entryName(entry: SymbolEntry): string {
  if (!isSelector(entry)) return entry.symbol;
  return `the top ${entry.select.top} ${entry.select.quote} pairs by volume`;
}

const fixedOf = new WeakMap<readonly SymbolEntry[], readonly SymbolConfig[]>();

/** The entries of `config` that name a pair, in config order. */
export function fixedSymbols(config: Pick<BotConfig, 'symbols'>): readonly SymbolConfig[] {
  let fixed = fixedOf.get(config.symbols);
  if (fixed === undefined) {
    fixed = config.symbols.filter((s): s is SymbolConfig => !isSelector(s));
    fixedOf.set(config.symbols, fixed);
  }
  return fixed;
}

/** The fixed pair `symbol` of `config`; undefined when no entry names it. */
export function fixedSymbol(
  config: Pick<BotConfig, 'symbols'>,
  symbol: string,
): SymbolConfig | undefined {
  return fixedSymbols(config).find((s) => s.symbol === symbol);
}

/** The selectors of `config`, in config order (an earlier one gets a pair two would pick). */
export function selectorsOf(config: Pick<BotConfig, 'symbols'>): readonly SelectorConfig[] {
  return config.symbols.filter(isSelector);
}

/** What a selector's pairs are traded with. */
export function settingsOf(entry: SymbolEntry): PairSettings {
  return { timeframe: entry.timeframe, strategy: entry.strategy, params: entry.params };
}

/** The enabled selectors of `config`, in config order, each with its pairs' settings. */
export function enabledSelectors(config: Pick<BotConfig, 'symbols'>): SelectorEntry[] {
  return selectorsOf(config)
    .filter((s) => s.enabled)
    .map((s) => ({ select: s.select, settings: settingsOf(s) }));
}

/** A pair of the stored selection as `config` trades it now, with what its ticks carry. */
export interface TradedPair {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** It may enter: listed by a selector still enabled (else exit-only). */
  readonly enabled: boolean;
  readonly pair: TickPair;
}

/**
 * The pairs of `selection` as `config` trades them now ({@link activePairs}): a listed pair of an
 * enabled selector with that selector's settings, any other exit-only with the settings it was
 * picked with; never one of the config's fixed symbols.
 */
export function selectedPairs(
  config: Pick<BotConfig, 'symbols'>,
  selection: PairSelection | undefined,
): TradedPair[] {
  const enabled = new Map(
    enabledSelectors(config).map((s) => [selectorKey(s.select), s.settings] as const),
  );
  const fixed = new Set(fixedSymbols(config).map((s) => s.symbol));
  return activePairs(selection, enabled, fixed).map((p) => ({
    symbol: p.symbol,
    timeframe: p.settings.timeframe,
    enabled: !p.exitOnly,
    pair: { ...p.settings, exitOnly: p.exitOnly },
  }));
}

/** A selected pair as a symbol config: the symbol with the settings its selector gives it. */
export function pairConfig(symbol: string, settings: PairSettings): SymbolConfig {
  const { timeframe, strategy, params } = settings;
  return { symbol, timeframe, strategy, params: { ...params }, enabled: true };
}

/**
 * The most pairs `config` trades at once: its enabled fixed pairs and each enabled selector's
 * `top` (the rate budget and the concurrency cap must hold them all).
 */
export function tradedPairCount(config: Pick<BotConfig, 'symbols'>): number {
  return config.symbols.reduce(
    (n, s) => n + (!s.enabled ? 0 : isSelector(s) ? s.select.top : 1),
    0,
  );
}

/** A config value that failed validation; the message names every bad field and its value. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string; value: unknown }[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

/** Validates raw config (the `tickfan` context); throws {@link ConfigError} naming each bad field. */
export function parseConfig(raw: unknown, source = 'tickfan config'): BotConfig {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: formatPath(issue.path) || '(root)',
    message: issue.message,
    value: issue.input,
  }));
  const lines = issues.map((i) => `  ${i.path}: ${i.message} (got ${JSON.stringify(i.value)})`);
  throw new ConfigError(`${source} is invalid:\n${lines.join('\n')}`, issues);
}

/**
 * Why `config` lets one symbol delay another, or undefined when it does not. Each symbol has at
 * most one message in flight (FIFO group), so with at least one concurrency slot per enabled
 * symbol no tick waits for a slot; with fewer, a symbol that hangs until its timeout holds a slot
 * that other symbols' ticks queue for. A cap below the symbol count is legitimate (an exchange's
 * rate limit), so this is a warning, not a refusal.
 */
export function concurrencyWarning(config: BotConfig): string | undefined {
  const enabled = tradedPairCount(config);
  const slots = config.queue.maxConcurrency;
  if (slots >= enabled) return undefined;
  return (
    `queue.maxConcurrency is ${slots} for ${enabled} enabled symbols: a symbol that hangs until ` +
    `its timeout holds one of the ${slots} slots while the other symbols' ticks wait for one. ` +
    `Set it to at least ${enabled} unless the exchange's rate limit needs the cap.`
  );
}
