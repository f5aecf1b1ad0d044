import type { BotConfig } from '../config/schema.js';
import { TradingMode } from '../domain/control.js';
import type { TradeDeps } from './trade-deps.js';

/** What booking realised PnL needs: the store, the clock, the metrics and the risk limits. */
export type DailyLossPorts = Pick<TradeDeps, 'store' | 'clock' | 'metrics'> & {
  readonly config: Pick<BotConfig, 'risk'>;
};

/**
 * Books one order's realised PnL into its UTC day, and halts trading by itself once the day's
 * loss reaches the limit. The halt stays until an operator resumes.
 *
 * 1. Count the realised PnL.
 * 2. Add it to the day's total, once per order id, so a retried settlement cannot double it.
 * 3. While the day's loss is below `risk.maxDailyLoss` (default five stakes), stop here.
 * 4. Unless trading is halted already, halt it, saying which loss on which day reached the limit.
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
  const control = await store.getControl();
  if (control.mode === TradingMode.Halted) return;
  await store.putControl({
    mode: TradingMode.Halted,
    reason: `realised loss ${(-total).toPrecision(6)} on ${day} reached the daily limit ${limit}`,
    by: 'daily-loss-limit',
    at: new Date(clock.now()).toISOString(),
  });
}
