/** What the exchange says the configured API key may do. */
export interface KeyPermissions {
  readonly canRead: boolean;
  readonly canTrade: boolean;
  /** A trading bot's key must never be able to move funds out. */
  readonly canWithdraw: boolean;
  readonly ipRestricted: boolean;
  /** The addresses (or `a.b.c.d/n` ranges) the key is bound to; empty when it is not bound. */
  readonly ipWhitelist: readonly string[];
}

/** Asks the exchange about the key in use. */
export interface KeyInspector {
  keyPermissions(timeoutMs: number): Promise<KeyPermissions>;
}
