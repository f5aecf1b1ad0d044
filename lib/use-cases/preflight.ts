import type { BotConfig } from '../config/schema.js';
import type { KeyInspector } from '../ports/key-permissions.js';
import type { MarketData } from '../ports/market-data.js';

export interface PreflightCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface PreflightDeps {
  readonly config: BotConfig;
  readonly market: MarketData;
  readonly keys: KeyInspector;
  /** Timeout of each exchange call. */
  readonly timeoutMs: number;
}

/**
 * Checks that the bot can trade safely before it is given money.
 *
 * 1. The config: live mode names the secret that holds the keys.
 * 2. The exchange answers, and lists every configured market.
 * 3. The key can read and trade spot, and can NOT withdraw or transfer funds (a key that can is
 *    refused: a leaked trading key must not be able to empty the account).
 */
export async function preflight(
  deps: PreflightDeps,
): Promise<{ ok: boolean; checks: PreflightCheck[] }> {
  const { config } = deps;
  const checks: PreflightCheck[] = [];
  const add = (check: string, ok: boolean, detail: string) => checks.push({ check, ok, detail });
  const reason = (error: unknown) =>
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);

  add(
    'config',
    config.exchange.mode !== 'live' || config.exchange.secretName !== undefined,
    `mode ${config.exchange.mode}, ${config.symbols.length} symbols${config.exchange.secretName ? `, keys in secret ${config.exchange.secretName}` : ''}`,
  );
  for (const { symbol } of config.symbols) {
    try {
      const m = await deps.market.market(symbol, deps.timeoutMs);
      add(
        `market ${symbol}`,
        true,
        `amount step ${m.amountStep}, min notional ${m.minNotional} ${m.quote}`,
      );
    } catch (error) {
      add(`market ${symbol}`, false, reason(error));
    }
  }
  try {
    const p = await deps.keys.keyPermissions(deps.timeoutMs);
    add('key can read', p.canRead, p.canRead ? 'yes' : 'enable reading for this key');
    add('key can trade spot', p.canTrade, p.canTrade ? 'yes' : 'enable spot trading for this key');
    add(
      'key cannot withdraw',
      !p.canWithdraw,
      p.canWithdraw
        ? 'REFUSED: this key can withdraw or transfer funds; create a key without those permissions'
        : 'no withdrawals or transfers',
    );
    // Not required, but a key bound to known addresses is much harder to misuse.
    add('key restricted to IPs', true, p.ipRestricted ? 'yes' : 'no (recommended: restrict it)');
  } catch (error) {
    add('key permissions', false, reason(error));
  }
  return { ok: checks.every((c) => c.ok), checks };
}
