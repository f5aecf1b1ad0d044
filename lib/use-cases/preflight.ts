import { type BotConfig, exchangeLimits, fixedSymbols, selectorsOf } from '../config/schema.js';
import { whitelistAllows } from '../domain/ip-address.js';
import type { KeyInspector, KeyPermissions } from '../ports/key-permissions.js';
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
  /**
   * The addresses the deployed trade function reaches the exchange from (the stack's `EgressIp`
   * outputs, or `--egress-ip`): each must be on the key's whitelist. None given: the whitelist
   * only has to be on, where the exchange requires it.
   */
  readonly egressIps?: readonly string[];
}

/**
 * Checks that the bot can trade safely before it is given money.
 *
 * 1. The config: live mode names the secret that holds the keys.
 * 2. The exchange answers, and lists every configured market.
 * 3. The key can read and trade spot, and can NOT withdraw or transfer funds (a key that can is
 *    refused: a leaked trading key must not be able to empty the account).
 * 4. The key's IP whitelist is on and holds every egress IP given; where the exchange requires a
 *    whitelist (binance deletes a trading key without one), a key without it is refused.
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
    `${config.exchange.id}, mode ${config.exchange.mode}, ${fixedSymbols(config).length} symbols${selectorsOf(config).length > 0 ? ` and ${selectorsOf(config).length} volume selector(s)` : ''}${config.exchange.secretName ? `, keys in secret ${config.exchange.secretName}` : ''}`,
  );
  // The pairs a selector will pick are checked by the markets refresh, which lists what trades.
  for (const { symbol } of fixedSymbols(config)) {
    try {
      const m = await deps.market.market(symbol, deps.timeoutMs);
      add(
        `market ${symbol}`,
        true,
        `amount step ${m.amountStep}, min amount ${m.minAmount}, min notional ${m.minNotional} ${m.quote}`,
      );
    } catch (error) {
      add(`market ${symbol}`, false, reason(error));
    }
  }
  let p: KeyPermissions;
  try {
    p = await deps.keys.keyPermissions(deps.timeoutMs);
  } catch (error) {
    add('key permissions', false, reason(error));
    return { ok: false, checks };
  }
  add('key can read', p.canRead, p.canRead ? 'yes' : 'enable reading for this key');
  add('key can trade spot', p.canTrade, p.canTrade ? 'yes' : 'enable spot trading for this key');
  add(
    'key cannot withdraw',
    !p.canWithdraw,
    p.canWithdraw
      ? 'REFUSED: this key can withdraw or transfer funds; create a key without those permissions'
      : 'no withdrawals or transfers',
  );
  checks.push(ipCheck(config, p, deps.egressIps ?? []));
  return { ok: checks.every((c) => c.ok), checks };
}

/** Step 4: the key's whitelist against the egress IPs. */
function ipCheck(
  config: BotConfig,
  p: KeyPermissions,
  egressIps: readonly string[],
): PreflightCheck {
  const check = 'key restricted to IPs';
  const listed = ` (${p.ipWhitelist.join(', ') || 'none'})`;
  if (egressIps.length > 0) {
    if (!p.ipRestricted) {
      return {
        check,
        ok: false,
        detail: `REFUSED: the key has no IP whitelist; add ${egressIps.join(', ')} to it`,
      };
    }
    const whitelist = p.ipWhitelist;
    const missing = egressIps.filter(
      (ip) => !whitelist.some((entry) => whitelistAllows(entry, ip)),
    );
    return missing.length === 0
      ? { check, ok: true, detail: `yes, holding the egress IP${listed}` }
      : {
          check,
          ok: false,
          detail: `REFUSED: the whitelist${listed} lacks the egress IP ${missing.join(', ')}: the exchange would refuse every order`,
        };
  }
  if (p.ipRestricted) return { check, ok: true, detail: `yes${listed}` };
  const required = exchangeLimits[config.exchange.id].requiresIpWhitelist;
  return required
    ? {
        check,
        ok: false,
        detail: `REFUSED: ${config.exchange.id} deletes a trading key without an IP whitelist; add the stack's EgressIp outputs to it`,
      }
    : { check, ok: true, detail: "no (recommended: restrict it to the stack's EgressIp outputs)" };
}
