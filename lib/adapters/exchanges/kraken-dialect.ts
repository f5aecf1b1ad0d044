import { ExchangeError, OrderNotFound } from '../../../node_modules/ccxt/js/src/base/errors.js';
import type { Order } from '../../../node_modules/ccxt/js/src/base/types.js';
import type { ExchangeDialect } from './dialect.js';

/**
 * Kraken spot through ccxt's `kraken` class. The client id travels as `cl_ord_id` on `AddOrder`
 * and `CancelOrder`. ccxt's `fetchOrder` looks orders up by `userref`, a 32-bit integer that
 * cannot carry tickfan's ids, so an order is found in the open orders, then the closed ones,
 * filtered by `cl_ord_id`; Kraken's order records carry their fee, so no trades are fetched.
 *
 * Kraken refuses a `cl_ord_id` only while an order under it is open: once a market order has
 * filled, the same id is taken again. tickfan never resends without looking the id up first
 * (open and closed orders), so a retry finds the fill instead of doubling it.
 */
export const krakenDialect: ExchangeDialect = {
  id: 'kraken',

  orderParams: (clientOrderId, stopPrice) => ({
    clientOrderId,
    // Fees in the quote: Kraken takes a sell's fee from the base by default, which would leave
    // the amount a stop must sell short of what the position holds.
    oflags: 'fciq',
    // A market order with a stop-loss trigger is Kraken's `stop-loss` order type.
    ...(stopPrice === undefined ? {} : { stopLossPrice: stopPrice }),
  }),

  // "EGeneral:Invalid arguments:cl_ord_id not unique", which ccxt raises as a plain ExchangeError.
  isDuplicateOrder: (error) =>
    error instanceof ExchangeError && error.message.includes('cl_ord_id not unique'),

  async findByClientId(client, { symbol, clientOrderId }, arm) {
    for (const list of [client.fetchOpenOrders, client.fetchClosedOrders]) {
      if (list === undefined) throw new Error('this kraken client cannot list orders');
      arm();
      const orders: Order[] = await list.call(client, symbol, undefined, undefined, {
        clientOrderId,
      });
      const found = orders.find((o) => o.clientOrderId === clientOrderId);
      if (found !== undefined) return found;
    }
    return undefined;
  },

  async cancelByClientId(client, request, arm) {
    arm();
    // Kraken answers a cancel with a count only; the order itself says what became of it.
    await client.cancelOrder(undefined as unknown as string, request.symbol, {
      clientOrderId: request.clientOrderId,
    });
    const order = await krakenDialect.findByClientId(client, request, arm);
    if (order === undefined) {
      throw new OrderNotFound(`kraken cancelled ${request.clientOrderId} but lists no such order`);
    }
    return order;
  },

  // ccxt raises "EOrder:Unknown order" on a cancel as OrderNotFound.
  isNotOpen: (error) => error instanceof OrderNotFound,

  // ccxt maps only some of Kraken's "EOrder:" refusals ("Cost minimum not met", "Tick size
  // check failed" stay plain ExchangeErrors); every one refuses the order as sent. Its rate limit
  // ("EOrder:Rate limit exceeded") is a DDoSProtection, handled before this is asked.
  isOrderRefusal: (error) => error instanceof ExchangeError && error.message.includes('"EOrder:'),

  // ccxt's kraken finds an order's market by the pair's altname (`LTCXBT`), through an index its
  // fetchMarkets builds; without it an order of a market set by hand parses under no symbol.
  indexMarkets(client, markets) {
    const options = client.options;
    if (options === undefined) return;
    const byAltname = { ...(options.marketsByAltname as Record<string, unknown> | undefined) };
    for (const market of markets) {
      const altname = (market as { altname?: unknown }).altname;
      if (typeof altname === 'string') byAltname[altname] = market;
    }
    options.marketsByAltname = byAltname;
  },

  async keyPermissions(client, arm) {
    const ask = client.privatePostGetApiKeyInfo;
    if (ask === undefined) throw new Error('this kraken client cannot report key permissions');
    arm();
    const reply = await ask.call(client);
    const info = (reply.result ?? {}) as Record<string, unknown>;
    const permissions = Array.isArray(info.permissions) ? info.permissions.map(String) : [];
    const allowlist = Array.isArray(info.ipAllowlist) ? info.ipAllowlist.map(String) : [];
    return {
      canRead: permissions.includes('query-funds') && permissions.includes('query-open-trades'),
      canTrade: permissions.includes('modify-trades'),
      canWithdraw: permissions.includes('withdraw-funds'),
      ipRestricted: allowlist.length > 0,
      ipWhitelist: allowlist,
    };
  },
};
