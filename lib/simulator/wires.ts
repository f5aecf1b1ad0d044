import { binanceWire } from './binance-wire.js';
import { krakenWire } from './kraken-wire.js';
import { okxWire } from './okx-wire.js';
import type { ExchangeWire } from './wire.js';

/** Every exchange API the simulator speaks, by ccxt id. */
export const wires: Readonly<Record<string, ExchangeWire>> = {
  binance: binanceWire,
  okx: okxWire,
  kraken: krakenWire,
};

/** The wire of ccxt exchange `id`; throws naming the ones the simulator speaks for any other. */
export function wireOf(id: string): ExchangeWire {
  const wire = wires[id];
  if (wire === undefined) {
    throw new Error(
      `the exchange simulator does not speak ${JSON.stringify(id)} (it speaks ${Object.keys(wires).join(', ')})`,
    );
  }
  return wire;
}
