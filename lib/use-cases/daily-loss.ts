import type { BotConfig } from '../config/schema.js';
import { TradingMode } from '../domain/control.js';
import { notify } from './notify.js';
import type { TradeDeps } from './trade-deps.js';

/** What booking realised PnL needs: the store, the clock, the metrics and the risk limits. */
export type DailyLossPorts = Pick<TradeDeps, 'store' | 'clock' | 'metrics' | 'notifier'> & {
  readonly config: Pick<BotConfig, 'risk' | 'exchange'>;
};

/**
 * Books one order's realised PnL into its UTC day, and limits trading by itself once the day's
 * loss reaches the limit. The limit stays until an operator resumes.
 *
 * 1. Count the realised PnL.
 * 2. Add it to the day's total, once per order id, so a retried settlement cannot double it.
 * 3. While the day's loss is below `risk.maxDailyLoss` (default five stakes), stop here.
 * 4. Move trading to `risk.dailyLossAction`: close-only by default, so open positions can still
 *    be exited and stopped out; a full halt only when the config asks for it. A mode at least as
 *    strict (an operator's halt, say) is kept as it is. Count and notify the event.
 */
export async function bookRealisedPnl(
  ports: DailyLossPorts,
  orderId: string,
  realised: number,
): Promise<void> {
  const { store, config, clock, metrics } = ports;
  metrics.add('RealisedPnl', realised);
  const day = new Date(clock.now()).toISOString().slice(0, 10);
  const total = await store.addRealisedPnl(day, orderId, realised);
  const limit = config.risk.maxDailyLoss ?? 5 * config.risk.stakePerTrade;
  if (total > -limit) return;
  const mode = config.risk.dailyLossAction === 'halt' ? TradingMode.Halted : TradingMode.CloseOnly;
  const control = await store.getControl();
  if (strictness[control.mode] >= strictness[mode]) return;
  await store.putControl({
    mode,
    reason: `realised loss ${(-total).toPrecision(6)} on ${day} reached the daily limit ${limit}`,
    by: 'daily-loss-limit',
    at: new Date(clock.now()).toISOString(),
  });
  metrics.add('DailyLossLimitReached', 1);
  notify(ports, {
    kind: 'daily-loss-limit',
    time: clock.now(),
    day,
    realisedPnl: total,
    limit,
    action: config.risk.dailyLossAction,
  });
}

/** How much each mode refuses: a limit never loosens a stricter mode already set. */
const strictness: Readonly<Record<TradingMode, number>> = {
  [TradingMode.Active]: 0,
  [TradingMode.CloseOnly]: 1,
  [TradingMode.Halted]: 2,
};
