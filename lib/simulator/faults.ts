/**
 * A failure the simulator injects into the requests that name one symbol (klines, orders), or
 * into every request with `'*'`.
 */
export type SimFault =
  /** Accept the request and never answer it (until the simulator closes). */
  | { readonly kind: 'hang' }
  /**
   * Carry the request out, send the status, headers and half the body, then nothing more (until
   * the simulator closes): the endless socket read that a timeout on the headers does not catch.
   */
  | { readonly kind: 'stall' }
  /** Answer every request `ms` late; the request itself is carried out on arrival. */
  | { readonly kind: 'slow'; readonly ms: number }
  /** Answer that fraction of requests with a gateway's 503 instead of carrying them out. */
  | { readonly kind: 'http5xx'; readonly rate: number }
  /** Answer that fraction of requests with 429, `Retry-After: 1` and Binance code -1003. */
  | { readonly kind: 'ratelimit'; readonly rate: number }
  /** Fill that fraction of order POSTs, then destroy the connection without answering. */
  | { readonly kind: 'lose-response'; readonly rate: number }
  /** Refuse every order POST as Binance does for a short balance (-2010). */
  | { readonly kind: 'reject' };

/** Throws a RangeError naming the bad field when a fault cannot be applied as written. */
export function checkFault(fault: SimFault): void {
  if (fault.kind === 'slow' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
    throw new RangeError(`slow fault: ms must be a finite number >= 0, got ${fault.ms}`);
  }
  if (
    (fault.kind === 'http5xx' || fault.kind === 'ratelimit' || fault.kind === 'lose-response') &&
    !(fault.rate >= 0 && fault.rate <= 1)
  ) {
    throw new RangeError(`${fault.kind} fault: rate must be within [0, 1], got ${fault.rate}`);
  }
}

/**
 * Decides which requests a rate-based fault hits. A seeded generator (mulberry32) keeps a run
 * reproducible: the same requests in the same order meet the same faults.
 */
export class FaultDice {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** True for about `rate` of the calls; always for 1, never for 0. */
  hits(rate: number): boolean {
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    return this.next() < rate;
  }

  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
}
