import { CcxtExchange } from '../../lib/adapters/ccxt-exchange.js';
import { createBinanceClient } from '../../lib/adapters/exchanges/binance-client.js';
import { tickPeriodMs } from '../../lib/config/schedule.js';
import { type BotConfig, fixedSymbols } from '../../lib/config/schema.js';
import { type Candle, lastClosedCandleTime, timeframeMs } from '../../lib/domain/candle.js';
import { callTimeout } from '../../lib/domain/deadline.js';
import { Signal } from '../../lib/domain/signal.js';
import { createStrategy } from '../../lib/domain/strategies/registry.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { defaultTimeScale, scaleTimeouts } from '../../lib/local/time-scale.js';
import { ExchangeFailureKind, ExchangeUnavailableError } from '../../lib/ports/market-data.js';
import { startSimulator } from '../../lib/simulator/exchange-simulator.js';

/**
 * The per-symbol timeout of the baseline loop. The seed bot gives each symbol 30 s; the baseline
 * gives it what the trade function's first exchange call gets in the same local run: the trade
 * timeout scaled by the local time scale (30 s x 0.1 = 3 s), less the safety margin, capped at
 * `exchangeCallMs` (`callTimeout`), i.e. 2,900 ms with cdk.json.
 */
export function sharedLoopTimeoutMs(config: BotConfig): number {
  const scaled = scaleTimeouts(config, defaultTimeScale);
  const timeout = callTimeout(scaled.timeouts.tradeFunctionSeconds * 1000, {
    ...scaled.timeouts,
    minCallMs: 0,
  });
  if (timeout === undefined) throw new Error('the scaled trade timeout leaves no exchange budget');
  return timeout;
}

export interface SharedLoopRun {
  /** Wall time of each loop tick over all symbols, ms. */
  readonly tickMs: readonly number[];
  readonly timedOut: number;
  readonly failed: number;
}

/** Scheduler fires a moment after the scheduled time; the same 250 ms as the local runtime. */
const fireDelayMs = 250;

/**
 * The design tickfan replaces, for comparison: one async loop that takes the symbols in sequence
 * on every tick, each with its own timeout, through one shared ccxt client (the same
 * `CcxtExchange` and binance client the trade function uses) against the exchange simulator. A
 * symbol step fetches the candle window the trade function would and runs the strategy over it;
 * it places no orders and keeps no state, which only flatters the loop.
 */
export async function runSharedLoop(options: {
  config: BotConfig;
  symbols: readonly string[];
  dataDir?: string;
  ticks: number;
  hangSymbol?: string;
  timeoutMs: number;
}): Promise<SharedLoopRun> {
  const { config, symbols, ticks, timeoutMs } = options;
  const clock = new SimClock();
  const simulator = await startSimulator({
    clock,
    // The loop is timed against the exchange's latency, not its rate budget.
    rateLimits: false,
    symbols,
    feeRate: config.paper.feeRate,
    balances: config.paper.balances,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  try {
    if (options.hangSymbol !== undefined) simulator.setFault(options.hangSymbol, { kind: 'hang' });
    const exchange = new CcxtExchange({
      exchange: createBinanceClient({ url: simulator.url }),
      clock,
    });
    const steps = symbols.map((symbol) => {
      const s = fixedSymbols(config).find((c) => c.symbol === symbol);
      if (s === undefined) throw new Error(`${symbol} is not in the bench config`);
      return { config: s, strategy: createStrategy(s.strategy, s.params) };
    });
    const period = tickPeriodMs(
      config.schedule.expression,
      config.symbols.map((s) => s.timeframe),
    );
    // The same first tick as runLocal's: every symbol's history covers the strategy's warm-up.
    const ready = steps.map(({ config: s, strategy }) => {
      const first = simulator.candles(s.symbol)[0];
      if (first === undefined) throw new Error(`the simulator has no candles for ${s.symbol}`);
      return first.time + (strategy.warmup + 1) * timeframeMs(s.timeframe);
    });
    const firstTick = Math.ceil(Math.max(...ready) / period) * period;
    clock.set(firstTick + fireDelayMs);
    // A long-running bot loads its markets once, at start-up, before its loop.
    const [firstStep] = steps;
    if (firstStep !== undefined) await exchange.market(firstStep.config.symbol, 10_000);

    const tickMs: number[] = [];
    let timedOut = 0;
    let failed = 0;
    for (let tick = 0; tick < ticks; tick++) {
      const scheduledAt = firstTick + tick * period;
      clock.set(scheduledAt + fireDelayMs);
      const began = performance.now();
      for (const { config: s, strategy } of steps) {
        const tf = timeframeMs(s.timeframe);
        const expected = lastClosedCandleTime(scheduledAt, s.timeframe);
        const step = async (): Promise<Signal> => {
          const candles = await exchange.fetchCandles({
            symbol: s.symbol,
            timeframe: s.timeframe,
            since: expected - (strategy.warmup - 1) * tf,
            limit: strategy.warmup,
            timeoutMs,
          });
          return lastSignal(strategy.start(), candles);
        };
        const outcome = await withTimeout(step(), timeoutMs);
        if (outcome === 'timeout') timedOut += 1;
        else if (outcome === 'failed') failed += 1;
      }
      tickMs.push(performance.now() - began);
    }
    return { tickMs, timedOut, failed };
  } finally {
    await simulator.close();
  }
}

function lastSignal(run: { next(candle: Candle): Signal }, candles: readonly Candle[]): Signal {
  let signal: Signal = Signal.None;
  for (const candle of candles) signal = run.next(candle);
  return signal;
}

/** The seed bot's per-symbol guard: the loop moves on after `ms`, whatever the step is doing. */
async function withTimeout(
  work: Promise<unknown>,
  ms: number,
): Promise<'ok' | 'timeout' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const done = work.then(
    () => 'ok' as const,
    (error: unknown) =>
      error instanceof ExchangeUnavailableError && error.kind === ExchangeFailureKind.Timeout
        ? ('timeout' as const)
        : ('failed' as const),
  );
  try {
    return await Promise.race([done, expired]);
  } finally {
    clearTimeout(timer);
  }
}
