import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { createRateBudget } from '../../lib/adapters/dynamo-rate-budget.js';
import { DynamoStateStore } from '../../lib/adapters/dynamo-state-store.js';
import { createBinanceClient } from '../../lib/adapters/exchanges/binance-client.js';
import { tickPeriodMs } from '../../lib/config/schedule.js';
import { type BotConfig, fixedSymbols } from '../../lib/config/schema.js';
import { timeframeMs } from '../../lib/domain/candle.js';
import { createStrategy } from '../../lib/domain/strategies/registry.js';
import { localNames } from '../../lib/local/local-environment.js';
import { localAwsClientConfig } from '../../lib/local/services.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import type { MetricsSink } from '../../lib/ports/metrics.js';
import { percentile } from '../../lib/stats/percentile.js';
import { processSymbolTick, type TradeDeps } from '../../lib/use-cases/process-symbol-tick.js';
import { BusyMeter, metered } from '../lib/meter.js';
import { median, round } from '../lib/stats.js';
import { startTradeServices } from '../lib/trade-services.js';

export interface OverheadRun {
  /** Symbol ticks timed, after `warmupTicks` untimed ones. */
  readonly ticks: number;
  readonly warmupTicks: number;
  /** Whether ccxt's client-side rate limiter was on (`enableRateLimit`, as shipped). */
  readonly rateLimiter: boolean;
  /** Wall time of one `processSymbolTick`, whole. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Of which exchange calls were in flight: ccxt client, its rate limiter, simulator round trip. */
  readonly exchangeP50Ms: number;
  readonly exchangeP99Ms: number;
  /** Of which ccxt's rate limiter held a request back (inside the exchange time). */
  readonly rateLimiterP50Ms: number;
  readonly rateLimiterP99Ms: number;
  /** Of which DynamoDB calls were in flight: SDK client and dynalite round trips. */
  readonly storeP50Ms: number;
  readonly storeP99Ms: number;
  /** The rest: the use case's own work (strategy, sizing, bookkeeping) between calls. */
  readonly restP50Ms: number;
  /** Calls per tick (median) to the exchange adapter and to the state store. */
  readonly exchangeCallsPerTick: number;
  readonly storeCallsPerTick: number;
  /** DynamoDB requests per tick (median), as the SDK client sent them. */
  readonly dynamoRoundTripsPerTick: number;
  /**
   * Median over the containers of their first tick, which loads the markets
   * (`GET /api/v3/exchangeInfo`) before fetching candles. Not in the percentiles above.
   */
  readonly firstTickMs: number;
  /** Ticks that placed an order (they make 1-2 more exchange and 4 more store calls). */
  readonly orderTicks: number;
  readonly statuses: Readonly<Record<string, number>>;
}

/** Scheduler fires a moment after the scheduled time; the same 250 ms as the local runtime. */
const fireDelayMs = 250;
/** Least idle time of a container between two of its ticks (a schedule period in production). */
const minIdleMs = 100;

/**
 * One trade tick's own cost with the real adapters and no network: the use case the trade
 * handler calls, `processSymbolTick`, with the real `CcxtExchange` (ccxt binance client, as
 * `createBinanceClient` configures it) against the exchange simulator, and the real
 * `DynamoStateStore` on in-memory dynalite; both servers in a child process, reached on loopback,
 * so their work is not done on the measured thread but their round trips are in the figure.
 *
 * Ticks run one at a time over the config's symbols on consecutive schedule ticks, each symbol
 * with an exchange client of its own (its container's), drawing from the shared rate budget on
 * the same table when the config enables it (the default), as the deployed handler does. The
 * handler's own layers (middy, Powertools logger/metrics, the idempotency record) are not in it.
 */
export async function measureOverhead(options: {
  config: BotConfig;
  ticks: number;
  warmupTicks: number;
  rateLimiter: boolean;
}): Promise<OverheadRun> {
  const { config } = options;
  const symbols = fixedSymbols(config).map((s) => s.symbol);
  const services = await startTradeServices({
    symbols,
    tableName: localNames.table,
    feeRate: config.paper.feeRate,
    balances: config.paper.balances,
  });
  const dynamoClient = new DynamoDBClient(localAwsClientConfig(services.dynamoEndpoint));
  let dynamoSends = 0;
  dynamoClient.middlewareStack.add(
    (next) => (args) => {
      dynamoSends += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRoundTrips' },
  );
  try {
    const clock = new SimClock();
    const exchangeMeter = new BusyMeter();
    const limiterMeter = new BusyMeter();
    const storeMeter = new BusyMeter();
    const store = metered(
      new DynamoStateStore({
        tableName: localNames.table,
        client: DynamoDBDocumentClient.from(dynamoClient),
        clock,
      }),
      storeMeter,
    );
    const metrics: MetricsSink = { add: () => undefined };
    // The shared rate budget, as the deployed handler builds it when `rateBudget.enabled` (the
    // default): its reservation is one more store round trip of every tick.
    const budget = createRateBudget({
      tableName: localNames.table,
      config,
      clock,
      client: DynamoDBDocumentClient.from(dynamoClient),
    });
    const containers = new Map(
      symbols.map((symbol) => {
        const client = createBinanceClient({ url: services.exchangeUrl });
        client.enableRateLimit = options.rateLimiter;
        // ccxt awaits throttle() before each request it sends; timing it shows the limiter's share.
        const throttle = client.throttle.bind(client);
        client.throttle = (cost) => {
          limiterMeter.enter();
          return Promise.resolve(throttle(cost)).finally(() => limiterMeter.leave());
        };
        const exchange = metered(new CcxtExchange({ exchange: client, clock }), exchangeMeter);
        const deps: TradeDeps = {
          market: exchange,
          broker: exchange,
          store,
          clock,
          metrics,
          config,
          ...(budget === undefined ? {} : { budget: metered(budget, storeMeter) }),
        };
        const container: { deps: TradeDeps; idleSince: number } = { deps, idleSince: 0 };
        return [symbol, container] as const;
      }),
    );

    const period = tickPeriodMs(
      config.schedule.expression,
      config.symbols.map((s) => s.timeframe),
    );
    const ready = fixedSymbols(config).map((s) => {
      const first = services.firstCandle[s.symbol] ?? Number.NaN;
      const warmup = createStrategy(s.strategy, s.params).warmup;
      return first + (warmup + 1) * timeframeMs(s.timeframe);
    });
    const firstTick = Math.ceil(Math.max(...ready) / period) * period;
    const budgetMs = config.timeouts.tradeFunctionSeconds * 1000;

    const total: number[] = [];
    const inExchange: number[] = [];
    const inLimiter: number[] = [];
    const inStore: number[] = [];
    const exchangeCalls: number[] = [];
    const storeCalls: number[] = [];
    const roundTrips: number[] = [];
    const firstTicks: number[] = [];
    const statuses: Record<string, number> = {};
    let orderTicks = 0;
    // Every container's first tick loads its markets: never among the timed ones.
    const warmupTicks = Math.max(options.warmupTicks, symbols.length);
    const all = warmupTicks + options.ticks;
    for (let n = 0; n < all; n++) {
      const symbol = symbols[n % symbols.length] as string;
      const container = containers.get(symbol);
      if (container === undefined) throw new Error(`no container for ${symbol}`);
      // A container sees one tick per schedule period; an untimed pause keeps its ticks from
      // running back to back (ccxt's limiter, for one, would then throttle harder than it does).
      const idle = container.idleSince + minIdleMs - performance.now();
      if (idle > 0) await sleep(idle);
      const scheduledAt = firstTick + Math.floor(n / symbols.length) * period;
      await services.setClock(scheduledAt + fireDelayMs);
      clock.set(scheduledAt + fireDelayMs);
      for (const meter of [exchangeMeter, limiterMeter, storeMeter]) {
        meter.take();
        meter.takeCalls();
      }
      const sendsBefore = dynamoSends;
      const began = performance.now();
      const result = await processSymbolTick(container.deps, {
        tick: { symbol, scheduledAt },
        remainingMs: () => budgetMs - (performance.now() - began),
      });
      const ms = performance.now() - began;
      container.idleSince = performance.now();
      if (n < symbols.length) firstTicks.push(ms);
      if (n < warmupTicks) continue;
      total.push(ms);
      inExchange.push(exchangeMeter.take());
      inLimiter.push(limiterMeter.take());
      inStore.push(storeMeter.take());
      exchangeCalls.push(exchangeMeter.takeCalls());
      storeCalls.push(storeMeter.takeCalls());
      roundTrips.push(dynamoSends - sendsBefore);
      const status = result.skipReason ?? result.status;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (result.order !== undefined) orderTicks += 1;
    }
    const rest = total.map((ms, i) => ms - (inExchange[i] ?? 0) - (inStore[i] ?? 0));
    const p = (values: readonly number[], q: number) => round(percentile(values, q), 2);
    return {
      ticks: options.ticks,
      warmupTicks,
      rateLimiter: options.rateLimiter,
      p50Ms: p(total, 50),
      p99Ms: p(total, 99),
      exchangeP50Ms: p(inExchange, 50),
      exchangeP99Ms: p(inExchange, 99),
      rateLimiterP50Ms: p(inLimiter, 50),
      rateLimiterP99Ms: p(inLimiter, 99),
      storeP50Ms: p(inStore, 50),
      storeP99Ms: p(inStore, 99),
      restP50Ms: p(rest, 50),
      exchangeCallsPerTick: median(exchangeCalls),
      storeCallsPerTick: median(storeCalls),
      dynamoRoundTripsPerTick: median(roundTrips),
      firstTickMs: round(median(firstTicks), 2),
      orderTicks,
      statuses,
    };
  } finally {
    dynamoClient.destroy();
    await services.close();
  }
}
