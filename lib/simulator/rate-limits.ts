/**
 * The request-rate limits of a simulated exchange, shared by every wire: each wire declares its
 * rules (how much, per what window, counted per IP, per API key or per account), what each of its
 * requests costs, and how the exchange answers a request over a limit; {@link RateLimiter} does
 * the counting on the simulator's clock, so that a local run whose clock jumps from tick to tick
 * is limited as a deployment ticking at real speed would be.
 */
/** How a rule counts. */
export type RateWindow =
  /**
   * Fixed windows aligned to the clock (Binance's "a 1 MINUTE interval starts every minute"):
   * at most `limit` per window, the count starting again at zero in the next one.
   */
  | { readonly kind: 'fixed'; readonly ms: number; readonly limit: number }
  /**
   * A counter that each request raises and that falls by `perSecond` every second (Kraken's API
   * counter): a request that would take it above `max` is refused.
   */
  | { readonly kind: 'decay'; readonly max: number; readonly perSecond: number };

/** One limit of an exchange, e.g. Binance's `REQUEST_WEIGHT` of 6,000 per minute per IP. */
export interface RateRule {
  /** The exchange's name of the limit, e.g. `REQUEST_WEIGHT`, `ORDERS_10S`, `market/candles`. */
  readonly id: string;
  readonly window: RateWindow;
  /**
   * Binance's automated IP ban: a client that sends again before the Retry-After of its refusal
   * has passed is banned, first for `firstMs`, each further ban twice as long, at most `maxMs`.
   */
  readonly ban?: { readonly firstMs: number; readonly maxMs: number };
  /** The header that reports the count used so far on each answer to a request charging it. */
  readonly usedHeader?: string;
}

/** What a request takes of one rule. */
export interface RateCharge {
  readonly rule: string;
  /**
   * Who the rule counts for this request: `ip:127.0.0.1`, `key:<api key>`, `account`, with
   * whatever else the exchange keys the limit by (`…|/api/v5/trade/order|LTC-BTC`).
   */
  readonly bucket: string;
  readonly amount: number;
}

/** What one request costs on the exchange. */
export interface RequestCost {
  /** In the exchange's own unit (Binance request weight, OKX requests, Kraken counter points). */
  readonly weight: number;
  readonly charges: readonly RateCharge[];
}

/** A request the limits refuse, and why. */
export interface RateRefusal {
  /** `limited`: over a limit (HTTP 429); `banned`: the IP is banned (HTTP 418, Binance only). */
  readonly kind: 'limited' | 'banned';
  /** The rule refusing it; `fault` for an injected `ratelimit` fault. */
  readonly rule: string;
  /** Seconds to wait before the next request may pass, at least 1. */
  readonly retryAfterSeconds: number;
  /** Simulated time (epoch ms) the limit or ban ends. */
  readonly until: number;
  /** The rule's limit (window limit or counter maximum); 0 for a fault. */
  readonly limit: number;
}

/**
 * Limits to change from a wire's documented ones: a rule's `limit` (fixed window) or `max`
 * (counter) by rule id, e.g. `{ REQUEST_WEIGHT: 100 }` for a test that wants to reach it soon.
 */
export type RateLimitOverrides = Readonly<Record<string, number>>;

/** What the limits decide about one request. */
export type RateDecision =
  | {
      readonly ok: true;
      /** The used-count headers of the rules the request charged. */
      readonly headers: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly refusal: RateRefusal; readonly headers: Record<string, string> };

interface Counter {
  /** Fixed: the window's start; decay: the last time the counter was brought up to date. */
  at: number;
  used: number;
}

interface BanState {
  /** After a refusal: the time its Retry-After ends; sending before then earns a ban. */
  notBefore: number;
  bannedUntil: number;
  bans: number;
}

/**
 * Counts requests against a wire's rules on the simulator's clock. A request is admitted only
 * when every rule it charges has room; a refused request takes nothing off any limit. Windows
 * and counters move with the clock alone: a clock that stands still (a test's frozen clock)
 * never frees what was used.
 */
export class RateLimiter {
  private readonly rules: ReadonlyMap<string, RateRule>;
  private readonly counters = new Map<string, Counter>();
  private readonly bans = new Map<string, BanState>();

  constructor(rules: readonly RateRule[], overrides: RateLimitOverrides = {}) {
    for (const [id, value] of Object.entries(overrides)) {
      if (!rules.some((r) => r.id === id)) {
        throw new RangeError(
          `rate limit override ${JSON.stringify(id)}: no such rule (the rules are ${rules.map((r) => r.id).join(', ')})`,
        );
      }
      if (!(Number.isFinite(value) && value > 0)) {
        throw new RangeError(`rate limit override ${id}: must be a number > 0, got ${value}`);
      }
    }
    this.rules = new Map(rules.map((rule) => [rule.id, withOverride(rule, overrides[rule.id])]));
  }

  /** The rule `id` as enforced (overrides applied); throws for an unknown id. */
  rule(id: string): RateRule {
    const rule = this.rules.get(id);
    if (rule === undefined) throw new RangeError(`no rate limit rule ${JSON.stringify(id)}`);
    return rule;
  }

  /** Decides `charges` at simulated time `now`, counting them when admitted. */
  admit(charges: readonly RateCharge[], now: number): RateDecision {
    const banned = this.checkBans(charges, now);
    if (banned !== undefined) return { ok: false, refusal: banned, headers: this.headers(charges) };
    for (const charge of charges) {
      const rule = this.rule(charge.rule);
      const counter = this.current(rule, charge.bucket, now);
      const refusal = over(rule, counter, charge.amount, now);
      if (refusal !== undefined) {
        this.noteRefusal(rule, charge.bucket, refusal);
        return { ok: false, refusal, headers: this.headers(charges) };
      }
    }
    for (const charge of charges) {
      const rule = this.rule(charge.rule);
      this.current(rule, charge.bucket, now).used += charge.amount;
    }
    return { ok: true, headers: this.headers(charges) };
  }

  /** What `bucket` has used of rule `id` at `now` (a counter's value after its decay). */
  used(id: string, bucket: string, now: number): number {
    return this.current(this.rule(id), bucket, now).used;
  }

  /** A ban in force, or one earned by sending before the last refusal's Retry-After passed. */
  private checkBans(charges: readonly RateCharge[], now: number): RateRefusal | undefined {
    for (const charge of charges) {
      const rule = this.rule(charge.rule);
      if (rule.ban === undefined) continue;
      const state = this.bans.get(stateKey(rule.id, charge.bucket));
      if (state === undefined) continue;
      if (now < state.bannedUntil) return banRefusal(rule, state.bannedUntil, now);
      if (now < state.notBefore) {
        state.bans += 1;
        state.bannedUntil =
          now + Math.min(rule.ban.maxMs, rule.ban.firstMs * 2 ** (state.bans - 1));
        state.notBefore = state.bannedUntil;
        return banRefusal(rule, state.bannedUntil, now);
      }
    }
    return undefined;
  }

  private noteRefusal(rule: RateRule, bucket: string, refusal: RateRefusal): void {
    if (rule.ban === undefined) return;
    const key = stateKey(rule.id, bucket);
    const state = this.bans.get(key) ?? { notBefore: 0, bannedUntil: 0, bans: 0 };
    state.notBefore = refusal.until;
    this.bans.set(key, state);
  }

  /** The counter of `rule` for `bucket`, brought up to `now` (a new window, or decay). */
  private current(rule: RateRule, bucket: string, now: number): Counter {
    const key = stateKey(rule.id, bucket);
    let counter = this.counters.get(key);
    const { window } = rule;
    if (window.kind === 'fixed') {
      const start = Math.floor(now / window.ms) * window.ms;
      if (counter === undefined || counter.at !== start) {
        counter = { at: start, used: 0 };
        this.counters.set(key, counter);
      }
      return counter;
    }
    if (counter === undefined) {
      counter = { at: now, used: 0 };
      this.counters.set(key, counter);
      return counter;
    }
    // A clock set back (a resumed run) frees nothing and takes nothing back.
    const elapsed = Math.max(0, now - counter.at) / 1000;
    counter.used = Math.max(0, counter.used - elapsed * window.perSecond);
    counter.at = Math.max(counter.at, now);
    return counter;
  }

  private headers(charges: readonly RateCharge[]): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const charge of charges) {
      const rule = this.rule(charge.rule);
      if (rule.usedHeader === undefined) continue;
      const counter = this.counters.get(stateKey(rule.id, charge.bucket));
      headers[rule.usedHeader] = String(Math.ceil(counter?.used ?? 0));
    }
    return headers;
  }
}

function stateKey(rule: string, bucket: string): string {
  return `${rule}\u0000${bucket}`;
}

function withOverride(rule: RateRule, value: number | undefined): RateRule {
  if (value === undefined) return rule;
  const { window } = rule;
  return {
    ...rule,
    window: window.kind === 'fixed' ? { ...window, limit: value } : { ...window, max: value },
  };
}

function limitOf(rule: RateRule): number {
  return rule.window.kind === 'fixed' ? rule.window.limit : rule.window.max;
}

/** The refusal of `amount` more on `counter`, or undefined when it fits. */
function over(
  rule: RateRule,
  counter: Counter,
  amount: number,
  now: number,
): RateRefusal | undefined {
  const { window } = rule;
  const limit = limitOf(rule);
  if (counter.used + amount <= limit) return undefined;
  const until =
    window.kind === 'fixed'
      ? counter.at + window.ms
      : now + ((counter.used + amount - limit) / window.perSecond) * 1000;
  return {
    kind: 'limited',
    rule: rule.id,
    retryAfterSeconds: secondsUntil(until, now),
    until,
    limit,
  };
}

function banRefusal(rule: RateRule, until: number, now: number): RateRefusal {
  return {
    kind: 'banned',
    rule: rule.id,
    retryAfterSeconds: secondsUntil(until, now),
    until,
    limit: limitOf(rule),
  };
}

/** Whole seconds from `now` to `until`, rounded up, at least 1: what Retry-After carries. */
function secondsUntil(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}

/** The refusal of an injected `ratelimit` fault: Retry-After 1, no limit behind it. */
export function faultRefusal(retryAfterSeconds: number, now: number): RateRefusal {
  return {
    kind: 'limited',
    rule: 'fault',
    retryAfterSeconds,
    until: now + retryAfterSeconds * 1000,
    limit: 0,
  };
}

/** The address a request came from, without the IPv4-mapped IPv6 prefix Node puts on it. */
export function clientIp(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}
