import type { ExchangeClient } from './dialect.js';

/**
 * Credentials and endpoint of a ccxt client made by one of the per-exchange factories
 * (`createBinanceClient`, `createOkxClient`, `createKrakenClient`).
 */
export interface ExchangeClientOptions {
  /**
   * Base URL of a server standing in for the exchange (the local simulator), e.g.
   * `http://127.0.0.1:4000`. Every API family of the client points at it, keeping its path, so a
   * stray call fails on the local server instead of reaching the real exchange. Without it, the
   * real exchange.
   */
  url?: string | undefined;
  apiKey?: string | undefined;
  secret?: string | undefined;
  /** OKX's API passphrase; other exchanges take none. */
  password?: string | undefined;
  /**
   * ccxt's client-side throttle. Off by default: a trade invocation makes a handful of calls,
   * and 429s are honoured by the adapter. A long loop of requests (a download) turns it on.
   */
  rateLimit?: boolean;
}

/** Whether `options` points the client at a local stand-in rather than the real exchange. */
export function isLocal(options: ExchangeClientOptions): options is ExchangeClientOptions & {
  url: string;
} {
  return options.url !== undefined && options.url !== '';
}

/** Makes the ccxt client of one exchange (`createBinanceClient`, `createOkxClient`, ...). */
export type ExchangeClientFactory = (options: ExchangeClientOptions) => ExchangeClient;

/**
 * Points every API family of a ccxt client (`client.urls.api`) at `url`, keeping each one's path,
 * so that a call to any family reaches the local server, never the real exchange. Addresses with
 * a placeholder host (OKX's `https://{hostname}`) are handled like any other.
 */
export function pointApiAt(api: Record<string, unknown>, url: string): void {
  const base = url.replace(/\/+$/, '');
  for (const [family, address] of Object.entries(api)) {
    if (typeof address === 'string') {
      api[family] = `${base}${address.replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/\/+$/, '')}`;
    }
  }
}
