import type { ClientIdUniqueness, MatchingEngine } from './matching-engine.js';
import type { RateRefusal, RateRule, RequestCost } from './rate-limits.js';

/** One HTTP request as a wire sees it: no socket, nothing to answer with. */
export interface WireRequest {
  /** Upper case, e.g. `GET`. */
  readonly method: string;
  /** The path without the query string, e.g. `/api/v3/klines`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The raw body (empty for a GET). */
  readonly body: string;
  /** Header names in lower case, as Node gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** An answer in the exchange's own shape; a string body is sent as it is, anything else as JSON. */
export interface WireReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Carries one request out on the engine; throws what {@link ExchangeWire.replyToError} maps. */
export type WireHandler = (engine: MatchingEngine, request: WireRequest) => WireReply;

/** One entry of a wire's route table. */
export interface WireRoute {
  readonly method: string;
  readonly path: string;
  readonly handle: WireHandler;
}

/**
 * An exchange's REST API on the shared {@link MatchingEngine}: a route table translating
 * requests into engine calls and the engine's answers (and refusals) into the exchange's JSON
 * and error codes, as that exchange's ccxt class reads them. Another exchange is one more file
 * implementing this; the engine and the HTTP server stay as they are.
 */
export interface ExchangeWire {
  /** The ccxt id of the exchange this wire speaks, e.g. `binance`. */
  readonly exchange: string;
  /**
   * How long the exchange keeps a client order id taken (see `MatchingEngineOptions`); the
   * simulator's engine follows it. Default `always`.
   */
  readonly clientIdsUnique?: ClientIdUniqueness;
  readonly routes: readonly WireRoute[];
  /**
   * The unified symbol a request names, so that the faults of that symbol reach it; undefined
   * for a request naming none (or a market the engine does not serve).
   */
  symbolOf(engine: MatchingEngine, request: WireRequest): string | undefined;
  /** True for an order placement: the request whose answer a `lose-response` fault loses. */
  placesOrder(request: WireRequest): boolean;
  /** The answer to a path no route serves. */
  notFound(request: WireRequest): WireReply;
  /**
   * The exchange's answer to a request its rate limits (or an injected `ratelimit` fault)
   * refuse: its status (429, or Binance's 418 for a banned IP), code and Retry-After.
   */
  rateLimited(refusal: RateRefusal): WireReply;
  /** The exchange's request-rate limits and what each of its requests costs. */
  readonly rateLimits: WireRateLimits;
  /** The answer to an error a handler threw: engine refusals, the wire's own errors, bugs. */
  replyToError(error: unknown): WireReply;
}

/** A wire's rate limits: its rules and what each of its requests costs. */
export interface WireRateLimits {
  /** Every rule the exchange enforces, with its documented figures. */
  readonly rules: readonly RateRule[];
  /** What `request`, sent from address `ip`, costs. */
  cost(engine: MatchingEngine, request: WireRequest, ip: string): RequestCost;
  /** True for a request for the exchange's market list (what a client's `loadMarkets` asks). */
  isMarketsRequest(request: WireRequest): boolean;
}

/**
 * Carries `request` out on `engine` through `wire`'s route table: the route's answer, the wire's
 * not-found answer for a path no route serves, or the wire's answer to what the route threw.
 */
export function routeRequest(
  wire: ExchangeWire,
  engine: MatchingEngine,
  request: WireRequest,
): WireReply {
  const route = wire.routes.find((r) => r.method === request.method && r.path === request.path);
  if (route === undefined) return wire.notFound(request);
  try {
    return route.handle(engine, request);
  } catch (error) {
    return wire.replyToError(error);
  }
}
