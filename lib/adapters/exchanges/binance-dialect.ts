import {
  InvalidOrder,
  OperationRejected,
  OrderNotFound,
} from '../../../node_modules/ccxt/js/src/base/errors.js';
import type { Order } from '../../../node_modules/ccxt/js/src/base/types.js';
import { type ExchangeDialect, withFills } from './dialect.js';

/**
 * Binance spot through ccxt's `binance` class. The client id travels as `newClientOrderId`; one
 * endpoint (`/api/v3/order`) places, finds and cancels market orders and `STOP_LOSS` stops alike
 * by `origClientOrderId`. Its order look-up carries no fees, so a filled order's fills are
 * fetched from `myTrades`. The key's permissions and its IP whitelist have endpoints of their own.
 */
export const binanceDialect: ExchangeDialect = {
  id: 'binance',

  orderParams: (clientOrderId, stopPrice) => ({
    // ccxt sends `clientOrderId` as `newClientOrderId`, and a `stopLossPrice` as a STOP_LOSS.
    clientOrderId,
    ...(stopPrice === undefined ? {} : { stopLossPrice: stopPrice }),
  }),

  // -2010 "Duplicate order sent.", which ccxt raises as a plain InvalidOrder.
  isDuplicateOrder: (error) =>
    error instanceof InvalidOrder && error.message.includes('Duplicate order sent'),

  async findByClientId(client, { symbol, clientOrderId }, arm) {
    let order: Order;
    try {
      arm();
      // With `origClientOrderId` in params, ccxt's binance sends it in place of the order id.
      order = await client.fetchOrder(undefined as unknown as string, symbol, {
        origClientOrderId: clientOrderId,
      });
    } catch (error) {
      if (error instanceof OrderNotFound) return undefined;
      throw error;
    }
    return withFills(client, order, symbol, { orderId: order.id }, arm);
  },

  async cancelByClientId(client, { symbol, clientOrderId }, arm) {
    arm();
    const order = await client.cancelOrder(undefined as unknown as string, symbol, {
      origClientOrderId: clientOrderId,
    });
    // The reply's clientOrderId is the cancel request's own; the order is ours.
    return { ...order, clientOrderId };
  },

  // -2011 "Unknown order sent." answers a cancel of an order that is gone or never was.
  isNotOpen: (error) => error instanceof OrderNotFound || error instanceof OperationRejected,

  // Binance's order refusals all map to ccxt's refusal classes.
  isOrderRefusal: () => false,

  async keyPermissions(client, arm) {
    const restrictions = client.sapiGetAccountApiRestrictions;
    const ipRestriction = client.sapiGetAccountApiRestrictionsIpRestriction;
    if (restrictions === undefined || ipRestriction === undefined) {
      throw new Error('this binance client cannot report key permissions');
    }
    arm();
    const r = await restrictions.call(client);
    arm();
    const ips = await ipRestriction.call(client);
    const ipList = Array.isArray(ips.ipList) ? ips.ipList.map(String) : [];
    return {
      canRead: r.enableReading === true,
      canTrade: r.enableSpotAndMarginTrading === true,
      // Universal and internal transfers move funds too.
      canWithdraw:
        r.enableWithdrawals === true ||
        r.permitsUniversalTransfer === true ||
        r.enableInternalTransfer === true,
      ipRestricted: r.ipRestrict === true,
      ipWhitelist: ipList,
    };
  },
};
