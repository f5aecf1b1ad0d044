import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MatchingEngine } from './matching-engine.js';
import {
  clientIp,
  faultRefusal,
  RateLimiter,
  type RateLimitOverrides,
  type RateRefusal,
} from './rate-limits.js';
import { type ExchangeRequestStats, requestStatsPath } from './request-stats.js';
import { type ExchangeWire, routeRequest, type WireReply, type WireRequest } from './wire.js';

const maxBodyBytes = 64 * 1024;

/** What a gateway in front of an exchange sends when it is down: no exchange body at all. */
const gatewayUnavailable: WireReply = {
  status: 503,
  body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
  headers: { 'content-type': 'text/html' },
};

/** How a {@link WireServer} serves. */
export interface WireServerOptions {
  /**
   * Enforce the wire's rate limits per client IP (and per key or account where the exchange
   * counts so): `true` (the default) with the exchange's documented figures, an object to
   * change some of them by rule id (e.g. `{ REQUEST_WEIGHT: 100 }`), `false` for none.
   */
  readonly rateLimits?: boolean | RateLimitOverrides;
}

/**
 * Serves one {@link ExchangeWire} over HTTP on 127.0.0.1: reads each request, lets the engine
 * decide what its faults make of it and the wire's rate limits whether it may pass, routes it
 * through the wire's table, and carries out on the connection what no JSON can say (an answer
 * that never comes, comes late, stops halfway, or is lost after the order was filled). Counts
 * what it served ({@link WireServer.stats}), which another process reads at
 * {@link requestStatsPath}.
 */
export class WireServer {
  /** Base URL, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;

  private readonly closing = new AbortController();
  private requests = 0;
  private weight = 0;
  private http429 = 0;
  private http418 = 0;
  private marketsRequests = 0;
  private closed: Promise<void> | undefined;
  private readonly limiter: RateLimiter | undefined;

  /** Use {@link serveWire}; this takes a server that is already listening. */
  constructor(
    private readonly server: Server,
    private readonly engine: MatchingEngine,
    private readonly wire: ExchangeWire,
    options: WireServerOptions = {},
  ) {
    const address = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
    const limits = options.rateLimits ?? true;
    this.limiter =
      limits === false
        ? undefined
        : new RateLimiter(wire.rateLimits.rules, limits === true ? {} : limits);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        this.send(res, this.wire.replyToError(error));
      });
    });
  }

  /** Requests received so far, including those a fault answered or swallowed. */
  requestCount(): number {
    return this.requests;
  }

  /** What the server has served so far. */
  stats(): ExchangeRequestStats {
    return {
      requests: this.requests,
      weight: this.weight,
      http429: this.http429,
      http418: this.http418,
      marketsRequests: this.marketsRequests,
    };
  }

  /** Stops listening and ends every open connection, hung requests included. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve, reject) => {
      this.closing.abort();
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === requestStatsPath && method === 'GET') {
      return this.send(res, { status: 200, body: this.stats() }, { counted: false });
    }
    this.requests += 1;
    const request: WireRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      body: method === 'POST' || method === 'PUT' ? await readBody(req) : '',
      headers: req.headers,
    };
    if (this.wire.rateLimits.isMarketsRequest(request)) this.marketsRequests += 1;
    const admission = this.engine.admit(this.wire.symbolOf(this.engine, request), {
      placesOrder: this.wire.placesOrder(request),
    });
    if (admission.kind === 'hang') return; // the socket stays open until the client or close() ends it
    if (admission.kind === 'unavailable') return this.send(res, gatewayUnavailable);
    if (admission.kind === 'rate-limited') {
      const refusal = faultRefusal(admission.retryAfterSeconds, this.engine.now());
      return this.send(res, this.wire.rateLimited(refusal));
    }
    const cost = this.wire.rateLimits.cost(
      this.engine,
      request,
      clientIp(req.socket.remoteAddress),
    );
    let limitHeaders: Readonly<Record<string, string>> = {};
    if (this.limiter !== undefined) {
      const decision = this.limiter.admit(cost.charges, this.engine.now());
      if (!decision.ok) return this.send(res, this.refused(decision.refusal, decision.headers));
      limitHeaders = decision.headers;
    }
    this.weight += cost.weight;

    const reply = withHeaders(this.route(request), limitHeaders);
    if (admission.loseResponse) {
      req.socket.destroy();
      return;
    }
    if (admission.stall) return this.send(res, reply, { stall: true });
    if (admission.delayMs > 0) {
      try {
        await sleep(admission.delayMs, undefined, { signal: this.closing.signal });
      } catch {
        return; // closing: the connection is gone anyway
      }
    }
    this.send(res, reply);
  }

  private refused(refusal: RateRefusal, headers: Readonly<Record<string, string>>): WireReply {
    return withHeaders(this.wire.rateLimited(refusal), headers);
  }

  private route(request: WireRequest): WireReply {
    return routeRequest(this.wire, this.engine, request);
  }

  private send(
    res: ServerResponse,
    reply: WireReply,
    options: { stall?: boolean; counted?: boolean } = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    if (options.counted !== false) {
      if (reply.status === 429) this.http429 += 1;
      if (reply.status === 418) this.http418 += 1;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const bytes = Buffer.from(text, 'utf8');
    res.writeHead(reply.status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': String(bytes.length),
      ...reply.headers,
    });
    if (options.stall) {
      // The declared length keeps the client reading for the half that never comes.
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      return;
    }
    res.end(bytes);
  }
}

/** Starts serving `wire` on `engine` at 127.0.0.1:`port` (default 0: a free one). */
export async function serveWire(
  engine: MatchingEngine,
  wire: ExchangeWire,
  port = 0,
  options: WireServerOptions = {},
): Promise<WireServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new WireServer(server, engine, wire, options);
}

/** `reply` with `headers` added; the reply's own headers win a clash. */
function withHeaders(reply: WireReply, headers: Readonly<Record<string, string>>): WireReply {
  if (Object.keys(headers).length === 0) return reply;
  return { ...reply, headers: { ...headers, ...reply.headers } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) throw new Error(`request body over ${maxBodyBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
