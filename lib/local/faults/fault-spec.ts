import type { SimFault } from '../../simulator/faults.js';

/** A fault asked for on the command line, `KIND:SYMBOL[:ARG]`, where SYMBOL may be `*`. */
export type FaultSpec =
  | { readonly target: 'exchange'; readonly symbol: string; readonly fault: SimFault }
  | { readonly target: 'strategy'; readonly symbol: string; readonly kind: 'block' }
  | { readonly target: 'queue'; readonly kind: 'duplicate-delivery'; readonly rate: number };

/** A `--fault` value that cannot be applied; the message quotes it and says what is expected. */
export class FaultSpecError extends Error {
  constructor(spec: string, problem: string) {
    super(`--fault ${JSON.stringify(spec)}: ${problem}`);
    this.name = 'UsageError';
  }
}

export const faultKinds = [
  'hang',
  'slow:MS',
  'http5xx:RATE',
  'ratelimit:RATE',
  'lose-response:RATE',
  'reject',
  'block',
  'duplicate-delivery:RATE (no symbol)',
] as const;

function rateOf(spec: string, value: string | undefined): number {
  const rate = Number(value);
  if (value === undefined || value === '' || !(rate >= 0 && rate <= 1)) {
    throw new FaultSpecError(
      spec,
      `RATE must be a number from 0 to 1 (got ${JSON.stringify(value)})`,
    );
  }
  return rate;
}

/**
 * Parses one `--fault` value. Symbols are checked against `known` (or `*`), so a typo fails
 * before the run starts rather than injecting nothing.
 */
export function parseFaultSpec(spec: string, known: readonly string[]): FaultSpec {
  const [kind, ...rest] = spec.split(':');
  if (kind === 'duplicate-delivery') {
    if (rest.length !== 1) throw new FaultSpecError(spec, 'expected duplicate-delivery:RATE');
    return { target: 'queue', kind, rate: rateOf(spec, rest[0]) };
  }
  // Symbols hold a slash, never a colon, so SYMBOL is the second field and ARG the third.
  const [symbol, arg, ...extra] = rest;
  if (symbol === undefined || symbol === '') {
    throw new FaultSpecError(
      spec,
      `expected KIND:SYMBOL[:ARG] with KIND one of ${faultKinds.join(', ')}`,
    );
  }
  if (extra.length > 0) throw new FaultSpecError(spec, 'too many fields');
  if (symbol !== '*' && !known.includes(symbol)) {
    throw new FaultSpecError(
      spec,
      `symbol ${JSON.stringify(symbol)} is not traded (known: ${known.join(', ')}, or *)`,
    );
  }
  const noArg = () => {
    if (arg !== undefined) throw new FaultSpecError(spec, `${kind} takes no argument`);
  };
  switch (kind) {
    case 'hang':
    case 'reject':
      noArg();
      return { target: 'exchange', symbol, fault: { kind } };
    case 'block':
      noArg();
      return { target: 'strategy', symbol, kind };
    case 'slow': {
      const ms = Number(arg);
      if (arg === undefined || !Number.isInteger(ms) || ms < 0) {
        throw new FaultSpecError(
          spec,
          `MS must be a whole number of milliseconds (got ${JSON.stringify(arg)})`,
        );
      }
      return { target: 'exchange', symbol, fault: { kind, ms } };
    }
    case 'http5xx':
    case 'ratelimit':
    case 'lose-response':
      return { target: 'exchange', symbol, fault: { kind, rate: rateOf(spec, arg) } };
    default:
      throw new FaultSpecError(
        spec,
        `unknown fault kind ${JSON.stringify(kind)} (one of ${faultKinds.join(', ')})`,
      );
  }
}
