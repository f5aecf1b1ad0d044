import type { Exchange } from '../../../node_modules/ccxt/js/src/base/Exchange.js';
import type {
  Dict,
  MarketInterface,
  Order,
  Trade,
} from '../../../node_modules/ccxt/js/src/base/types.js';
import type { ExchangeId } from '../../config/schema.js';
import type { KeyPermissions } from '../../ports/key-permissions.js';

/**
 * The part of a ccxt exchange the adapter and the dialects use. Narrow on purpose: a test can
 * hand in a plain object, and nothing here depends on one exchange's extras beyond the implicit
 * API methods a dialect names.
 */
export type ExchangeClient = Pick<
  Exchange,
  | 'loadMarkets'
  | 'market'
  | 'fetchOHLCV'
  | 'fetchTickers'
  | 'createOrder'
  | 'fetchOrder'
  | 'cancelOrder'
> & {
  /** The exchange's clock, which the download reads to know which candle is still forming. */
  fetchTime?: Exchange['fetchTime'];
  /**
   * The markets ccxt holds, and how it is handed some without loading them: a trade container
   * sets the one market it reads from the markets store.
   */
  markets?: Exchange['markets'];
  setMarkets?: Exchange['setMarkets'];
  /** ccxt's per-exchange options, where some classes keep indexes of their markets. */
  options?: Exchange['options'];
  /** ccxt's id of the exchange, e.g. `okx`; it picks the dialect. */
  readonly id?: string;
  /** The fills of one order, for the fees a look-up does not carry. */
  fetchMyTrades?: Exchange['fetchMyTrades'];
  /** Open and closed orders, for exchanges that find an order by client id only in lists. */
  fetchOpenOrders?: Exchange['fetchOpenOrders'];
  fetchClosedOrders?: Exchange['fetchClosedOrders'];
  /** The credentials the client signs with; their values are redacted from every error. */
  apiKey?: string | undefined;
  secret?: string | undefined;
  password?: string | undefined;
  /** ccxt's per-request timeout in ms; set before every call. */
  timeout: number;
  /** ccxt's precision mode; the adapter reads market precisions as step sizes (TICK_SIZE). */
  precisionMode?: number;
  /** Headers of the last HTTP response, which ccxt keeps; a 429's `Retry-After` is read here. */
  last_response_headers?: Record<string, string> | undefined;
  /** Binance's API-restrictions endpoints (binance only). */
  sapiGetAccountApiRestrictions?: (params?: Dict) => Promise<Record<string, unknown>>;
  sapiGetAccountApiRestrictionsIpRestriction?: (params?: Dict) => Promise<Record<string, unknown>>;
  /** OKX's account configuration, which reports the key's permissions and IPs (okx only). */
  privateGetAccountConfig?: (params?: Dict) => Promise<Record<string, unknown>>;
  /** Kraken's key information: its permissions and IP allowlist (kraken only). */
  privatePostGetApiKeyInfo?: (params?: Dict) => Promise<Record<string, unknown>>;
};

/**
 * Runs before each HTTP request of a dialect's step: it hands ccxt the time the call has left as
 * its timeout, and refuses to start a request with none left.
 */
export type Arm = () => void;

/** What an order is to the exchange: a market order, or a stop resting until its trigger. */
export type OrderKind = 'market' | 'stop';

/**
 * How one exchange does, through ccxt's unified API, what tickfan needs beyond candles and
 * markets: the field its client id travels in, how an order is found and cancelled by that id,
 * which refusal means "that id is taken", and what it reports of the key in use.
 *
 * Every method makes its requests through the `client` it is given and calls `arm()` right before
 * each. Dialects import no ccxt exchange class: the class travels in the client, so a bundle
 * holds only the configured exchange's.
 */
export interface ExchangeDialect {
  readonly id: ExchangeId;
  /** `createOrder` params of a market order (`stopPrice` undefined) or a sell stop. */
  orderParams(clientOrderId: string, stopPrice: number | undefined): Dict;
  /** Whether `createOrder` threw because the exchange already holds an order under the id. */
  isDuplicateOrder(error: unknown): boolean;
  /** The order under `clientOrderId`, with its fills when it filled; undefined when unknown. */
  findByClientId(
    client: ExchangeClient,
    request: ClientIdRequest,
    arm: Arm,
  ): Promise<Order | undefined>;
  /**
   * Cancels the resting order under `clientOrderId` and returns it as cancelled; throws an error
   * {@link ExchangeDialect.isNotOpen} recognises when the exchange holds no open order by that id.
   */
  cancelByClientId(client: ExchangeClient, request: ClientIdRequest, arm: Arm): Promise<Order>;
  /** Whether a cancel failed because the order is not open (filled, cancelled, or unknown). */
  isNotOpen(error: unknown): boolean;
  /**
   * Whether an error ccxt raises as no more than an `ExchangeError` is the exchange refusing the
   * order as sent (a decision to record, never a retry). ccxt's own order-refusal classes
   * (InvalidOrder, InsufficientFunds, BadRequest, OperationRejected) count for every exchange.
   */
  isOrderRefusal(error: unknown): boolean;
  /** What the key in use may do, and the addresses it is bound to. */
  keyPermissions(client: ExchangeClient, arm: Arm): Promise<KeyPermissions>;
  /**
   * Builds what the exchange's ccxt class indexes its markets by beyond ccxt's own maps, for
   * markets handed to it with `setMarkets` rather than loaded (its `fetchMarkets` builds them).
   */
  indexMarkets?(client: ExchangeClient, markets: readonly MarketInterface[]): void;
}

/** One order named by its client id. */
export interface ClientIdRequest {
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly kind: OrderKind;
}

/**
 * `order` with its own fills, fetched with `fetchMyTrades(symbol, ..., params)` when it filled
 * and carries neither fees nor trades (Binance's order look-up has no fees).
 */
export async function withFills(
  client: ExchangeClient,
  order: Order,
  symbol: string,
  params: Dict,
  arm: Arm,
): Promise<Order> {
  const fetchTrades = client.fetchMyTrades;
  const carriesFees = order.fee !== undefined || (order.trades ?? []).length > 0;
  if (carriesFees || !((order.filled ?? 0) > 0) || fetchTrades === undefined) return order;
  if (order.id === undefined) return order;
  arm();
  const trades: Trade[] = await fetchTrades.call(client, symbol, undefined, undefined, params);
  const own = trades.filter((t) => t.order === undefined || t.order === order.id);
  return own.length === 0 ? order : { ...order, trades: own };
}
