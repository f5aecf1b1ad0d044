/**
 * Child process of {@link startTradeServices}: in-memory dynalite with the state table, and the
 * exchange simulator on a simulated clock the parent sets. Argument: JSON of the options.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStateTable } from '../../lib/local/create-tables.js';
import { localAwsClientConfig, startDynalite } from '../../lib/local/services.js';
import { SimClock } from '../../lib/local/sim-clock.js';
import { startSimulator } from '../../lib/simulator/exchange-simulator.js';
import { serveParent } from './child-service.js';
import type { TradeServicesOptions, TradeServicesReady } from './trade-services.js';

const options = JSON.parse(process.argv[2] ?? '{}') as TradeServicesOptions;
const clock = new SimClock();
const dynalite = await startDynalite();
const client = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
await createStateTable(client, options.tableName);
client.destroy();
const simulator = await startSimulator({
  clock,
  // The parent sets the clock back to the same ticks for every timed repeat, so one simulated
  // minute would collect the weight of every repeat: the bench times code, not the rate budget.
  rateLimits: false,
  symbols: options.symbols,
  ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  ...(options.feeRate === undefined ? {} : { feeRate: options.feeRate }),
  ...(options.balances === undefined ? {} : { balances: options.balances }),
});
serveParent(
  (message) => {
    const at = (message as { clock?: unknown }).clock;
    if (typeof at !== 'number') throw new Error(`unknown request ${JSON.stringify(message)}`);
    clock.set(at);
    return 'ok';
  },
  () => Promise.all([simulator.close(), dynalite.close()]),
);
process.send?.({
  dynamoEndpoint: dynalite.endpoint,
  exchangeUrl: simulator.url,
  firstCandle: Object.fromEntries(
    options.symbols.map((s) => [s, simulator.candles(s)[0]?.time ?? Number.NaN]),
  ),
} satisfies TradeServicesReady);
