import { InvalidOrder, OrderNotFound } from '../../../node_modules/ccxt/js/src/base/errors.js';
import type { Order } from '../../../node_modules/ccxt/js/src/base/types.js';
import type { KeyPermissions } from '../../ports/key-permissions.js';
import { type Arm, type ExchangeClient, type ExchangeDialect, withFills } from './dialect.js';

/**
 * OKX spot (cash) through ccxt's `okx` class. A market order's client id travels as `clOrdId`
 * (`/api/v5/trade/order`); a stop is a conditional algo order (`/api/v5/trade/order-algo`) whose
 * client id travels as `algoClOrdId`, found and cancelled through the algo endpoints. The key's
 * permissions and IP whitelist come from the account configuration.
 */
export const okxDialect: ExchangeDialect = {
  id: 'okx',

  orderParams: (clientOrderId, stopPrice) =>
    stopPrice === undefined
      ? { clientOrderId }
      : // A spot stop trades the cash account; without tdMode ccxt would ask for cross margin.
        { clientOrderId, stopLossPrice: stopPrice, tdMode: 'cash' },

  // sCode 51016 "Duplicated client order ID", which ccxt raises as an InvalidOrder.
  isDuplicateOrder: (error) => error instanceof InvalidOrder && error.message.includes('51016'),

  async findByClientId(client, { symbol, clientOrderId, kind }, arm) {
    let order: Order;
    try {
      arm();
      order = await client.fetchOrder(undefined as unknown as string, symbol, {
        clientOrderId,
        ...(kind === 'stop' ? { trigger: true } : {}),
      });
    } catch (error) {
      if (error instanceof OrderNotFound) return undefined;
      throw error;
    }
    if (kind === 'stop') return triggeredFill(client, order, symbol, arm);
    return withFills(client, order, symbol, { ordId: order.id }, arm);
  },

  async cancelByClientId(client, request, arm) {
    arm();
    await client.cancelOrder(undefined as unknown as string, request.symbol, {
      clientOrderId: request.clientOrderId,
      ...(request.kind === 'stop' ? { trigger: true } : {}),
    });
    // The cancel's answer carries no state; the order itself says what became of it.
    const order = await okxDialect.findByClientId(client, request, arm);
    if (order === undefined) {
      throw new OrderNotFound(`okx cancelled ${request.clientOrderId} but has no such order`);
    }
    return order;
  },

  // 51400 does not exist, 51401 already cancelled, 51402 already completed.
  isNotOpen: (error) => error instanceof OrderNotFound,

  // OKX's per-order refusals (sCode 51xxx) map to ccxt's refusal classes.
  isOrderRefusal: () => false,

  async keyPermissions(client, arm): Promise<KeyPermissions> {
    const ask = client.privateGetAccountConfig;
    if (ask === undefined) throw new Error('this okx client cannot report key permissions');
    arm();
    const reply = await ask.call(client);
    const data = Array.isArray(reply.data) ? (reply.data[0] as Record<string, unknown>) : {};
    const perm = String(data?.perm ?? '')
      .split(',')
      .map((p) => p.trim());
    const ips = String(data?.ip ?? '')
      .split(',')
      .map((ip) => ip.trim())
      .filter((ip) => ip !== '');
    return {
      canRead: perm.includes('read_only') || perm.includes('trade'),
      canTrade: perm.includes('trade'),
      canWithdraw: perm.includes('withdraw'),
      ipRestricted: ips.length > 0,
      ipWhitelist: ips,
    };
  },
};

/**
 * A stop with its fill: an algo order that triggered (`effective`) carries neither price nor fee,
 * but names in `ordId` the market order OKX placed when it triggered, which carries both.
 */
async function triggeredFill(
  client: ExchangeClient,
  stop: Order,
  symbol: string,
  arm: Arm,
): Promise<Order> {
  const info = (stop.info ?? {}) as Record<string, unknown>;
  const ordId = typeof info.ordId === 'string' && info.ordId !== '' ? info.ordId : undefined;
  if (stop.status !== 'closed' || ordId === undefined) return stop;
  arm();
  const placed = await client.fetchOrder(ordId, symbol);
  // ccxt's parsed orders carry `fees` beside `fee`, though its Order type names only `fee`.
  const { fees } = placed as Order & { fees?: Order['fee'][] };
  return {
    ...stop,
    status: placed.status ?? stop.status,
    filled: placed.filled,
    average: placed.average,
    ...(placed.fee === undefined ? {} : { fee: placed.fee }),
    ...(fees === undefined ? {} : { fees }),
    trades: placed.trades ?? [],
    lastTradeTimestamp: placed.lastTradeTimestamp ?? stop.lastTradeTimestamp,
  } as Order;
}
