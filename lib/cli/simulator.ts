/**
 * `npm run simulator [-- --exchange ID] [--port N] [--data DIR] [--at ISO] [--synthetic N]`: the exchange
 * simulator on its own, serving candle files through one exchange's REST API (binance, okx or
 * kraken) until Ctrl-C, so that `download --url`, `preflight --url` and a person's own ccxt
 * scripts can reach it.
 */
import { statSync } from 'node:fs';
import { timeframeMs } from '../domain/candle.js';
import { SimClock } from '../local/sim-clock.js';
import { defaultDataDir } from '../market-data/ohlcv-data.js';
import { startSimulator } from '../simulator/exchange-simulator.js';
import { maxSyntheticMarkets } from '../simulator/synthetic-markets.js';
import { wireOf, wires } from '../simulator/wires.js';
import { UsageError, wholeNumberIn } from './args.js';
import { type CliArgs, runCli } from './run-cli.js';

const options = {
  exchange: {
    type: 'string',
    default: 'binance',
    value: 'ID',
    help: `the exchange API to speak (${Object.keys(wires).join(', ')})`,
  },
  port: {
    type: 'string',
    default: '0',
    value: 'N',
    help: 'port on 127.0.0.1 (0: a free one, printed)',
  },
  data: {
    type: 'string',
    value: 'DIR',
    help: 'folder of BASE_QUOTE-TF.json candle files (default: the shipped candles)',
  },
  at: {
    type: 'string',
    value: 'ISO',
    help: "the simulated clock's start; it then runs at wall speed (default: the end of the data, every candle closed)",
  },
  synthetic: {
    type: 'string',
    default: '0',
    value: 'N',
    help: `also serve N synthetic markets S0001/BTC ... (0 to ${maxSyntheticMarkets}), each a shipped candle file moved in time and price`,
  },
} as const;

/** How a person's own ccxt client reaches the simulator, per exchange. */
const clientHints: Readonly<Record<string, string>> = {
  binance: 'set urls.api.public and urls.api.private to URL/api/v3',
  okx: 'set urls.api.rest to URL',
  kraken: 'set urls.api.public and urls.api.private to URL',
};

function portOf(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port ${JSON.stringify(value)} must be a whole number from 0 to 65535`);
  }
  return port;
}

function dataDirOf(value: string | undefined): string {
  if (value === undefined) return defaultDataDir;
  if (statSync(value, { throwIfNoEntry: false })?.isDirectory() !== true) {
    throw new UsageError(`--data ${JSON.stringify(value)}: no such folder`);
  }
  return value;
}

function startOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(at)) {
    throw new UsageError(
      `--at ${JSON.stringify(value)} is not an ISO time, e.g. 2018-01-20T12:00:00Z`,
    );
  }
  return at;
}

/** The symbols served, with the synthetic ones as a count and a range rather than a thousand names. */
function servedList(symbols: readonly string[]): string {
  const synthetic = symbols.filter((s) => /^S[0-9]{4}\//.test(s));
  const others = symbols.filter((s) => !synthetic.includes(s));
  if (synthetic.length === 0) return others.join(', ');
  const range = `${synthetic.length} synthetic (${synthetic[0]} ... ${synthetic.at(-1)})`;
  return [...others, range].join(', ');
}

async function main({ values }: CliArgs<typeof options>): Promise<void> {
  const port = portOf(values.port);
  const synthetic = wholeNumberIn('--synthetic', values.synthetic, 0, maxSyntheticMarkets);
  const dataDir = dataDirOf(values.data);
  const start = startOf(values.at);
  if (wires[values.exchange] === undefined) {
    throw new UsageError(
      `--exchange ${JSON.stringify(values.exchange)}: not one of ${Object.keys(wires).join(', ')}`,
    );
  }
  const clock = new SimClock(start);
  const sim = await startSimulator({
    clock,
    dataDir,
    port,
    wire: wireOf(values.exchange),
    synthetic,
  });
  if (sim.symbols.length === 0) {
    await sim.close();
    throw new UsageError(
      `--data ${JSON.stringify(dataDir)} holds no BASE_QUOTE-TF.json candle file`,
    );
  }
  if (start === undefined) {
    // Serve the whole history as closed candles: the newest one has just closed.
    const ends = sim.symbols.map((symbol) => {
      const candles = sim.candles(symbol);
      return (candles.at(-1)?.time ?? 0) + timeframeMs(sim.timeframe(symbol));
    });
    clock.set(Math.max(...ends));
  }
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.log(
    `exchange simulator (${values.exchange}) at ${sim.url} serving ${servedList(sim.symbols)}, clock at ${new Date(clock.now()).toISOString()}; ` +
      `ccxt ${values.exchange}: ${clientHints[values.exchange] ?? ''}`.replaceAll('URL', sim.url) +
      ' (Ctrl-C stops it)',
  );
  const signal = await stopped;
  await sim.close();
  console.error(`simulator stopped (${signal})`);
}

await runCli(
  {
    name: 'simulator',
    usage: 'npm run simulator --',
    summary:
      "Starts the exchange simulator with the shipped candles (or --data) on 127.0.0.1 and serves one exchange's REST API (--exchange) until Ctrl-C: for download --url, preflight --url and your own ccxt scripts.",
    options,
  },
  main,
);
