import { startChildService } from './child-service.js';

export interface TradeServicesOptions {
  readonly symbols: readonly string[];
  readonly tableName: string;
  readonly dataDir?: string;
  readonly feeRate?: number;
  readonly balances?: Record<string, number>;
}

export interface TradeServicesReady {
  readonly dynamoEndpoint: string;
  /** Base URL of the exchange simulator (ccxt's binance wants `${url}/api/v3`). */
  readonly exchangeUrl: string;
  /** Open time of each symbol's first candle, epoch ms. */
  readonly firstCandle: Readonly<Record<string, number>>;
}

/** What a trade tick talks to, in a child process: dynalite and the exchange simulator. */
export interface TradeServices extends TradeServicesReady {
  /** Sets the simulator's clock to `at` (epoch ms) and resolves once it is set. */
  setClock(at: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts in-memory dynalite (state table created) and the exchange simulator in a child process. */
export async function startTradeServices(options: TradeServicesOptions): Promise<TradeServices> {
  const child = await startChildService<TradeServicesReady>(
    new URL('./trade-services-process.ts', import.meta.url),
    [JSON.stringify(options)],
  );
  return {
    ...child.ready,
    setClock: async (at) => {
      await child.ask<string>({ clock: at });
    },
    close: () => child.close(),
  };
}
